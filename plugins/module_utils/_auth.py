# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection. Breaking changes can occur any time.

"""Sign-in for Microsoft Graph: shared options, connection settings and one class per credential kind."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import importlib.util
import json
import os
import re
import stat
import threading
from urllib.parse import urlsplit

from ansible_collections.graphops.directory.plugins.module_utils._graph import (
    GraphError,
    requests_exceptions,
    transport_error,
)

try:
    import msal

    HAS_MSAL = True
    MSAL_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by the import sanity test
    HAS_MSAL = False
    MSAL_IMPORT_ERROR = exc

# cryptography is only needed to read a certificate; it is imported then, which keeps every other task's
# start-up shorter.
HAS_CRYPTOGRAPHY = importlib.util.find_spec("cryptography") is not None

CLOUDS = {
    "public": ("https://login.microsoftonline.com", "https://graph.microsoft.com"),
    "usgov": ("https://login.microsoftonline.us", "https://graph.microsoft.us"),
    "usgov_dod": ("https://login.microsoftonline.us", "https://dod-graph.microsoft.us"),
    "china": ("https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
}

AUTH_METHODS = ("auto", "client_secret", "client_certificate", "access_token", "workload_identity", "managed_identity")

# \Z, not $: $ also matches before a trailing newline.
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
TENANT_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}\Z")


# The environment variables each option falls back to, in the names azure-identity uses, then in the names
# AWX's Azure Resource Manager credential injects (AZURE_TENANT, AZURE_SECRET): the first one set wins.
ENVIRONMENT = (
    ("tenant_id", ("AZURE_TENANT_ID", "AZURE_TENANT")),
    ("client_id", ("AZURE_CLIENT_ID",)),
    ("client_secret", ("AZURE_CLIENT_SECRET", "AZURE_SECRET")),
    ("client_certificate_path", ("AZURE_CLIENT_CERTIFICATE_PATH",)),
    ("client_certificate_password", ("AZURE_CLIENT_CERTIFICATE_PASSWORD",)),
    ("authority_host", ("AZURE_AUTHORITY_HOST",)),
    ("federated_token_file", ("AZURE_FEDERATED_TOKEN_FILE",)),
    ("cloud", ("AZURE_CLOUD_ENVIRONMENT",)),
)
# AZURE_CLOUD_ENVIRONMENT as AWX and the Azure SDKs name the clouds.
CLOUD_ENVIRONMENTS = {
    "azurecloud": "public",
    "azurepubliccloud": "public",
    "azureusgovernment": "usgov",
    "azureusgovernmentcloud": "usgov",
    "azurechinacloud": "china",
}
SECRET_OPTIONS = ("client_secret", "client_certificate_password", "access_token")
MAX_TIMEOUT = 3600


def graph_argument_spec():
    """The connection and sign-in options every module of the collection takes.

    The environment variables are read by with_environment(), not by Ansible's fallback, so that an option
    set in the task can be told from one inherited from the environment.
    """
    return dict(
        auth_method=dict(type="str", default="auto", choices=list(AUTH_METHODS)),
        tenant_id=dict(type="str"),
        client_id=dict(type="str"),
        client_secret=dict(type="str", no_log=True),
        client_certificate_path=dict(type="path"),
        client_certificate_password=dict(type="str", no_log=True),
        access_token=dict(type="str", no_log=True),
        cloud=dict(type="str", choices=sorted(CLOUDS)),
        authority_host=dict(type="str"),
        graph_endpoint=dict(type="str"),
        api_version=dict(type="str", default="v1.0", choices=["v1.0", "beta"]),
        ca_path=dict(type="path"),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
        federated_token_file=dict(type="path"),
        managed_identity_source=dict(type="str", default="environment", choices=["environment", "imds"]),
        token_cache_path=dict(type="path", no_log=False),
    )


def with_environment(params, environ=None):
    """The options with the environment filled in where a task left them unset, and the names so filled."""
    environ = os.environ if environ is None else environ
    merged = dict(params)
    from_environment = set()
    for option, names in ENVIRONMENT:
        if merged.get(option) is not None:
            continue
        for name in names:
            if environ.get(name):
                value = environ[name]
                if option in ("client_certificate_path", "federated_token_file"):
                    value = os.path.expanduser(value)
                if option == "cloud":
                    value = CLOUD_ENVIRONMENTS.get(value.strip().lower(), value)
                merged[option] = value
                from_environment.add(option)
                break
    return merged, from_environment


class OptionsError(ValueError):
    """Options that cannot work together; raised before any request is sent."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(OptionsError, self).__init__("; ".join(self.problems))


def normalize_https_url(option, value, problems):
    """An https origin ('https://host[:port]'); a bare host gets https:// as azure-identity does."""
    value = value.strip()
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme.lower() != "https":
        problems.append("%s must be an https:// URL, got %s" % (option, parts.scheme + "://..."))
        return None
    extra = parts.path.strip("/") or parts.query or parts.fragment or "@" in parts.netloc
    if not parts.hostname or extra or not _port_is_valid(parts):
        problems.append("%s must be a scheme and host with an optional port, such as https://host:8443" % option)
        return None
    netloc = parts.netloc.lower()
    if parts.port == 443:
        # The default port is left out, as the endpoints a server hands back leave it out.
        netloc = netloc.rsplit(":", 1)[0]
    return "https://%s" % netloc


def _port_is_valid(parts):
    """urlsplit checks the port only when asked for it."""
    try:
        return parts.port is None or parts.port > 0
    except ValueError:
        return False


def cloud_of(origin, column):
    """The clouds whose sign-in authority (column 0) or Graph root (column 1) is this origin."""
    return sorted(name for name, hosts in CLOUDS.items() if hosts[column] == origin)


def cloud_mismatches(cloud, authority_host, graph_endpoint):
    """Overrides that name a known host of another cloud: tokens do not cross clouds, so these can only fail."""
    problems = []
    for option, origin, column in (("authority_host", authority_host, 0), ("graph_endpoint", graph_endpoint, 1)):
        owners = cloud_of(origin, column) if origin else []
        if owners and cloud not in owners:
            problems.append(
                "%s %s belongs to cloud %s, but cloud is %s: set cloud to match, or point both authority_host "
                "and graph_endpoint at one cloud" % (option, origin, " or ".join(owners), cloud)
            )
    return problems


class ConnectionSettings:
    """Where to sign in and where Graph is, resolved from cloud and its overrides."""

    def __init__(self, params):
        problems = []
        cloud = params.get("cloud") or "public"
        if cloud not in CLOUDS:
            # Only the environment can bring an unknown name; Ansible checks the option's choices.
            raise OptionsError(
                [
                    "AZURE_CLOUD_ENVIRONMENT %s is not a cloud this collection knows: use AzureCloud, "
                    "AzureUSGovernment or AzureChinaCloud, or set cloud" % cloud
                ]
            )
        self.cloud = cloud
        authority_default, graph_default = CLOUDS[cloud]

        self.custom_authority = bool(params.get("authority_host"))
        self.authority_host = authority_default
        if self.custom_authority:
            self.authority_host = normalize_https_url("authority_host", params["authority_host"], problems)

        self.graph_endpoint = graph_default
        if params.get("graph_endpoint"):
            self.graph_endpoint = normalize_https_url("graph_endpoint", params["graph_endpoint"], problems)

        problems.extend(cloud_mismatches(cloud, self.authority_host, self.graph_endpoint))

        self.api_version = params["api_version"]
        self.scope = "%s/.default" % self.graph_endpoint
        self.validate_certs = params["validate_certs"]
        self.ca_path = params.get("ca_path")
        if self.ca_path and not os.access(self.ca_path, os.R_OK):
            problems.append("ca_path %s does not exist or cannot be read" % self.ca_path)
        self.timeout = params["timeout"]
        if isinstance(self.timeout, bool) or not 0 < self.timeout <= MAX_TIMEOUT:
            problems.append("timeout must be a number of seconds from 1 to %d, got %r" % (MAX_TIMEOUT, self.timeout))

        if problems:
            raise OptionsError(problems)

    @property
    def allowed_origins(self):
        """The hosts a request may go to: the sign-in endpoint and Graph (and, for a cloud's own sign-in
        endpoint, the instance discovery msal does at login.microsoftonline.com)."""
        origins = set([self.authority_host, self.graph_endpoint])
        if not self.custom_authority:
            origins.add(CLOUDS["public"][0])
        return origins

    @property
    def verify(self):
        if not self.validate_certs:
            return False
        return self.ca_path or True


class Credential:
    """One way to get a Graph token. Subclasses name their options and check them offline in validate()."""

    name = None
    required = ()
    can_refresh = True
    # Whether the token is the app's own (client credentials), not a signed-in user's.
    app_only = True

    def __init__(self, params, settings, session, log, cache=None):
        self.params = params
        self.settings = settings
        self.session = session
        self.log = log
        # A TokenCacheFile when token_cache_path is set.
        self.cache = cache
        self._token = None
        self._lock = threading.Lock()

    def origins(self):
        """Hosts beside the sign-in endpoint and Graph that this credential needs to reach."""
        return set()

    def fingerprint(self):
        """What a cached token was obtained with: a token cache only serves the same credential, so a changed
        or revoked secret is never covered by a token the old one obtained."""
        parts = [self.name, self.settings.authority_host, self.settings.graph_endpoint]
        parts += [str(self.params.get(o) or "") for o in ("tenant_id", "client_id") + self.fingerprint_options]
        return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()

    fingerprint_options = ()

    def validate(self):
        """Problems with the options, found without any network call; an empty list when all is well."""
        problems = [
            "%s is required for auth_method %s" % (o, self.name) for o in self.required if not self.params.get(o)
        ]
        others = [o for o, name in AUTO_ORDER if name != self.name and self.params.get(o)]
        if problems and others:
            problems.append(
                "%s is set, which auth_method %s does not use: choose the auth_method that matches the credential "
                "given, or auto" % (" and ".join(others), self.name)
            )
        tenant = self.params.get("tenant_id")
        if "tenant_id" in self.required and tenant and not (GUID_RE.match(tenant) or TENANT_NAME_RE.match(tenant)):
            problems.append("tenant_id must be a tenant GUID or a domain such as contoso.onmicrosoft.com")
        return problems

    def get_token(self, force_refresh=False, stale=None):
        """A bearer token. force_refresh asks for a new one unless the token Graph refused (stale) was
        already replaced, so that threads that all saw one token expire renew it once."""
        with self._lock:
            if self._token and not force_refresh:
                return self._token
            if force_refresh and stale is not None and self._token and self._token != stale:
                return self._token
            self._token = self._acquire(force_refresh)
            return self._token

    def _acquire(self, force_refresh):
        """A new token from the identity platform (or from the token cache unless force_refresh)."""
        raise NotImplementedError


class MsalCredential(Credential):
    """A confidential client app signing in with the client credentials grant."""

    required = ("tenant_id", "client_id")

    def __init__(self, params, settings, session, log, cache=None):
        super(MsalCredential, self).__init__(params, settings, session, log, cache)
        self._app = None

    def client_credential(self):
        raise NotImplementedError

    def _application(self):
        if self._app is None:
            kwargs = dict(
                client_credential=self.client_credential(),
                authority="%s/%s" % (self.settings.authority_host, self.params["tenant_id"]),
                http_client=self.session,
                azure_region=None,
            )
            if self.cache is not None:
                kwargs["token_cache"] = self.cache.load()
            if self.settings.custom_authority:
                # A private authority host has no instance metadata at login.microsoftonline.com.
                kwargs["instance_discovery"] = False
            try:
                self._app = msal.ConfidentialClientApplication(self.params["client_id"], **kwargs)
            except GraphError:
                raise
            except requests_exceptions() as exc:
                raise transport_error(exc, self.settings.authority_host) from exc
            except ValueError as exc:
                # msal fetches the tenant's OpenID configuration here; an unknown tenant fails it.
                raise self._sign_in_error(
                    "Could not use the sign-in endpoint %s for tenant_id %s: %s"
                    % (self.settings.authority_host, self.params["tenant_id"], exc)
                ) from exc
        return self._app

    def _sign_in_error(self, message, error_code=None, request_id=None):
        """A failed sign-in, with the status and ids of the last exchange with the sign-in endpoint."""
        last = self.session.last
        codes = last.get("error_codes") or []
        return GraphError(
            message,
            status=last.get("status"),
            error_code=error_code or (("AADSTS%s" % codes[0]) if codes else None),
            request_id=request_id or last.get("request_id"),
            client_request_id=last.get("client_request_id"),
            kind="auth",
        )

    def _acquire(self, force_refresh):
        app = self._application()
        if force_refresh:
            forget_access_tokens(app.token_cache)
        try:
            result = app.acquire_token_for_client(scopes=[self.settings.scope])
        except GraphError:
            raise
        except requests_exceptions() as exc:
            raise transport_error(exc, self.settings.authority_host) from exc
        except Exception as exc:  # msal raises its own errors for malformed answers
            raise self._sign_in_error("Sign-in failed at %s: %s" % (self.settings.authority_host, exc)) from exc

        if "access_token" not in result:
            codes = result.get("error_codes") or []
            raise self._sign_in_error(
                "Sign-in failed for client_id %s in tenant %s: %s: %s"
                % (
                    self.params["client_id"],
                    self.params["tenant_id"],
                    result.get("error"),
                    result.get("error_description"),
                ),
                error_code=("AADSTS%s" % codes[0]) if codes else result.get("error"),
                request_id=result.get("correlation_id"),
            )
        self.log("Signed in with %s (token from %s)" % (self.name, result.get("token_source", "identity provider")))
        if self.cache is not None:
            self.cache.save()
        return result["access_token"]


class ClientSecretCredential(MsalCredential):
    name = "client_secret"
    required = ("tenant_id", "client_id", "client_secret")
    fingerprint_options = ("client_secret",)

    def client_credential(self):
        return self.params["client_secret"]


class ClientCertificateCredential(MsalCredential):
    name = "client_certificate"
    required = ("tenant_id", "client_id", "client_certificate_path")
    fingerprint_options = ("client_certificate_path",)

    def validate(self):
        problems = super(ClientCertificateCredential, self).validate()
        if not problems and not HAS_CRYPTOGRAPHY:
            problems.append("auth_method client_certificate needs the Python library cryptography")
        if not problems:
            try:
                self._loaded = load_certificate(
                    self.params["client_certificate_path"], self.params.get("client_certificate_password")
                )
            except ValueError as exc:
                problems.append(str(exc))
        return problems

    def fingerprint(self):
        base = super(ClientCertificateCredential, self).fingerprint()
        return hashlib.sha256((base + self._loaded[1]).encode("utf-8")).hexdigest()

    def client_credential(self):
        key_pem, cert_pem = self._loaded
        return {"private_key": key_pem, "public_certificate": cert_pem}


class AccessTokenCredential(Credential):
    name = "access_token"
    required = ("access_token",)
    can_refresh = False
    # A token from elsewhere may be a user's.
    app_only = False

    def get_token(self, force_refresh=False, stale=None):
        token = self.params["access_token"].strip()
        # A token copied with its scheme, as tools print it, is sent once all the same.
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        return token


class WorkloadIdentityCredential(MsalCredential):
    """Workload identity federation: a token another identity provider (a CI system, Kubernetes) gave this
    job, read from a file at each sign-in since it rotates, and sent as the client assertion."""

    name = "workload_identity"
    required = ("tenant_id", "client_id", "federated_token_file")
    fingerprint_options = ("federated_token_file",)

    def validate(self):
        problems = super(WorkloadIdentityCredential, self).validate()
        path = self.params.get("federated_token_file")
        if path and (not os.path.isfile(path) or not os.access(path, os.R_OK)):
            problems.append("federated_token_file %s is not a readable file" % path)
        elif path and os.path.getsize(path) == 0:
            problems.append("federated_token_file %s is empty" % path)
        return problems

    def client_credential(self):
        return {"client_assertion": self._assertion}

    def _assertion(self):
        path = self.params["federated_token_file"]
        try:
            with open(path) as handle:
                assertion = handle.read().strip()
        except (IOError, OSError) as exc:
            raise GraphError("federated_token_file %s cannot be read: %s" % (path, exc), kind="auth") from exc
        if not assertion:
            raise GraphError("federated_token_file %s is empty" % path, kind="auth")
        return assertion


def managed_identity_environment(environ=None):
    """The managed identity endpoint the environment offers (App Service, Functions, Automation, Azure ML)."""
    environ = os.environ if environ is None else environ
    for endpoint, secret in (("IDENTITY_ENDPOINT", "IDENTITY_HEADER"), ("MSI_ENDPOINT", "MSI_SECRET")):
        if environ.get(endpoint) and environ.get(secret):
            return environ[endpoint]
    return None


class ManagedIdentityCredential(Credential):
    """The managed identity of the Azure resource the module runs on, through msal's managed identity support:
    system-assigned, or user-assigned when client_id is set."""

    name = "managed_identity"
    required = ()
    # The instance metadata service of an Azure VM; reached only when managed_identity_source says imds.
    IMDS = "http://169.254.169.254"

    def __init__(self, params, settings, session, log, cache=None):
        super(ManagedIdentityCredential, self).__init__(params, settings, session, log, cache)
        self._client = None
        self._token_cache = None

    def endpoint(self):
        if self.params.get("managed_identity_source") == "imds":
            return self.IMDS
        return managed_identity_environment()

    def origins(self):
        endpoint = self.endpoint()
        if not endpoint:
            return set()
        parts = urlsplit(endpoint)
        return set(["%s://%s" % (parts.scheme.lower(), parts.netloc.lower())])

    def validate(self):
        problems = []
        if not self.endpoint():
            problems.append(
                "auth_method managed_identity found no managed identity endpoint: IDENTITY_ENDPOINT and "
                "IDENTITY_HEADER (App Service, Functions, Automation) or MSI_ENDPOINT and MSI_SECRET are not set; "
                "on an Azure VM set managed_identity_source: imds"
            )
        client_id = self.params.get("client_id")
        if client_id and not GUID_RE.match(client_id):
            problems.append("client_id of a user-assigned managed identity must be its client id, a GUID")
        return problems

    def _acquire(self, force_refresh):
        if self._client is None:
            client_id = self.params.get("client_id")
            identity = (
                msal.UserAssignedManagedIdentity(client_id=client_id)
                if client_id
                else msal.SystemAssignedManagedIdentity()
            )
            # msal keeps the token in this cache (in memory without token_cache_path), where a renewal must
            # drop it.
            self._token_cache = self.cache.load() if self.cache is not None else msal.TokenCache()
            self._client = msal.ManagedIdentityClient(identity, http_client=self.session, token_cache=self._token_cache)
        if force_refresh:
            forget_access_tokens(self._token_cache)
        try:
            result = self._client.acquire_token_for_client(resource=self.settings.graph_endpoint)
        except GraphError:
            raise
        except requests_exceptions() as exc:
            raise transport_error(exc, self.endpoint()) from exc
        except Exception as exc:  # msal raises ManagedIdentityError and others for bad answers
            raise GraphError(
                "The managed identity endpoint did not give a token: %s" % exc,
                status=self.session.last.get("status"),
                client_request_id=self.session.last.get("client_request_id"),
                kind="auth",
            ) from exc
        if "access_token" not in result:
            # msal files every failure of the endpoint under one OAuth error name; the status says more.
            raise GraphError(
                "The managed identity endpoint refused to give a token (HTTP %s): %s"
                % (self.session.last.get("status"), result.get("error_description") or "no reason given"),
                status=self.session.last.get("status"),
                client_request_id=self.session.last.get("client_request_id"),
                kind="auth",
            )
        self.log("Signed in with managed_identity (token from %s)" % result.get("token_source", "the endpoint"))
        if self.cache is not None:
            self.cache.save()
        return result["access_token"]


def forget_access_tokens(token_cache):
    """Drop the access tokens of an msal token cache, so that the next request for one gets a new token."""
    for entry in list(token_cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
        token_cache.remove_at(entry)


class TokenCacheFile:
    """msal's serializable token cache kept in a file of this user's, mode 0600, so the tasks of a play can
    reuse one token. A file someone else owns or others can read, or that does not parse, is never trusted."""

    def __init__(self, path, warn, fingerprint):
        self.path = path
        self.warn = warn
        self.fingerprint = fingerprint
        self.cache = None
        self.writable = True

    def load(self):
        self.cache = msal.SerializableTokenCache()
        try:
            info = os.lstat(self.path)
        except OSError:
            return self.cache
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
            self.warn(
                "token_cache_path %s is ignored: it must be a regular file owned by this user with mode 0600"
                % self.path
            )
            self.writable = False
            return self.cache
        try:
            with open(self.path) as handle:
                stored = json.load(handle)
            if not isinstance(stored, dict) or not isinstance(stored.get("msal"), dict):
                raise ValueError("not a token cache of this collection")
        except (IOError, OSError, ValueError):
            self.warn("token_cache_path %s could not be read as a token cache; it is replaced" % self.path)
            return self.cache
        if stored.get("credential") != self.fingerprint:
            # Tokens obtained with other credentials (another app, or a secret since changed) are not reused.
            return self.cache
        self.cache.deserialize(json.dumps(stored["msal"]))
        return self.cache

    def save(self):
        if not self.writable or self.cache is None or not self.cache.has_state_changed:
            return
        folder = os.path.dirname(os.path.abspath(self.path))
        temporary = os.path.join(folder, ".%s.%d.tmp" % (os.path.basename(self.path), os.getpid()))
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                json.dump({"credential": self.fingerprint, "msal": json.loads(self.cache.serialize())}, handle)
            os.replace(temporary, self.path)
        except (IOError, OSError) as exc:
            self.warn("token_cache_path %s could not be written: %s" % (self.path, exc.strerror or exc))
            try:
                os.unlink(temporary)
            except OSError:
                pass


CREDENTIALS = dict(
    (c.name, c)
    for c in (
        AccessTokenCredential,
        ClientCertificateCredential,
        ClientSecretCredential,
        WorkloadIdentityCredential,
        ManagedIdentityCredential,
    )
)

# The order auth_method=auto tries: the first kind whose own option is set wins. A managed identity comes
# last, when the environment offers its endpoint.
AUTO_ORDER = (
    ("access_token", "access_token"),
    ("client_certificate_path", "client_certificate"),
    ("client_secret", "client_secret"),
    ("federated_token_file", "workload_identity"),
)


def choose_credential(params, from_environment=(), environ=None):
    """The credential class for auth_method. For auto: the first of AUTO_ORDER set in the task, else the first
    set in the environment, so that a variable left in the environment never overrides the task; last, a
    managed identity when the environment offers one."""
    method = params.get("auth_method") or "auto"
    if method != "auto":
        return CREDENTIALS[method]
    for inherited in (False, True):
        for option, name in AUTO_ORDER:
            if params.get(option) and (option in from_environment) == inherited:
                return CREDENTIALS[name]
    if managed_identity_environment(environ):
        return ManagedIdentityCredential
    raise OptionsError(
        [
            "no credential was given: set one of access_token, client_certificate_path, client_secret or "
            "federated_token_file (with tenant_id and client_id), or their AZURE_* environment variables, or "
            "auth_method: managed_identity"
        ]
    )


def load_certificate(path, password):
    """Read a PEM (RSA key and certificate) or PFX file and return (key PEM, certificate PEM) as text."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        raise ValueError("client_certificate_path %s cannot be read: %s" % (path, exc.strerror or exc)) from exc
    secret = password.encode("utf-8") if password else None
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12

    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_private_key(_pem_block(data, b"PRIVATE KEY"), password=secret)
        except TypeError as exc:
            if secret:
                raise ValueError(
                    "client_certificate_password is set, but the private key in client_certificate_path %s is not "
                    "encrypted: unset it (or AZURE_CLIENT_CERTIFICATE_PASSWORD)" % path
                ) from exc
            raise ValueError(
                "client_certificate_path %s: the private key is encrypted: set client_certificate_password" % path
            ) from exc
        except ValueError as exc:
            raise ValueError(
                "client_certificate_path %s: the private key cannot be read (wrong or missing "
                "client_certificate_password, or no PEM private key in the file)" % path
            ) from exc
        try:
            certs = [x509.load_pem_x509_certificate(block) for block in _pem_blocks(data, b"CERTIFICATE")]
        except ValueError as exc:
            raise ValueError("client_certificate_path %s holds a PEM certificate that cannot be read" % path) from exc
        if not certs:
            raise ValueError("client_certificate_path %s holds no PEM certificate beside the key" % path)
        # A PEM file may carry the chain too: the certificate to send is the one that matches the key.
        cert = next((c for c in certs if _same_public_key(c, key)), certs[0])
    else:
        try:
            key, cert, dummy = pkcs12.load_key_and_certificates(data, secret)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                "client_certificate_path %s is neither PEM nor a PFX that client_certificate_password opens" % path
            ) from exc
        if key is None or cert is None:
            raise ValueError("client_certificate_path %s must hold both a private key and its certificate" % path)

    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("client_certificate_path %s: Entra ID needs an RSA key for client assertions" % path)
    if not _same_public_key(cert, key):
        raise ValueError("client_certificate_path %s: the certificate does not belong to the private key" % path)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return key_pem, cert_pem


def _pem_block(data, label):
    """The first PEM block whose label ends with `label` (PRIVATE KEY matches RSA/ENCRYPTED PRIVATE KEY)."""
    match = re.search(rb"-----BEGIN ([A-Z ]*" + label + rb")-----.*?-----END \1-----", data, flags=re.DOTALL)
    if not match:
        raise ValueError("no %s block" % label.decode("ascii"))
    return match.group(0)


def _pem_blocks(data, label):
    """Every PEM block labelled exactly `label`, in file order."""
    pattern = rb"-----BEGIN " + label + rb"-----.*?-----END " + label + rb"-----"
    return [m.group(0) for m in re.finditer(pattern, data, flags=re.DOTALL)]


def _same_public_key(cert, key):
    try:
        return cert.public_key().public_numbers() == key.public_key().public_numbers()
    except AttributeError:
        return False
