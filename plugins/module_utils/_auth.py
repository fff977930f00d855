# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection. Breaking changes can occur any time.

"""Sign-in for Microsoft Graph: shared options, connection settings and one class per credential kind."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import threading
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback

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

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12

    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover
    HAS_CRYPTOGRAPHY = False

CLOUDS = {
    "public": ("https://login.microsoftonline.com", "https://graph.microsoft.com"),
    "usgov": ("https://login.microsoftonline.us", "https://graph.microsoft.us"),
    "usgov_dod": ("https://login.microsoftonline.us", "https://dod-graph.microsoft.us"),
    "china": ("https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
}

AUTH_METHODS = ("auto", "client_secret", "client_certificate", "access_token")

# \Z, not $: $ also matches before a trailing newline.
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
TENANT_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}\Z")


def graph_argument_spec():
    """The connection and sign-in options every module of the collection takes."""
    return dict(
        auth_method=dict(type="str", default="auto", choices=list(AUTH_METHODS)),
        tenant_id=dict(type="str", fallback=(env_fallback, ["AZURE_TENANT_ID"])),
        client_id=dict(type="str", fallback=(env_fallback, ["AZURE_CLIENT_ID"])),
        client_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["AZURE_CLIENT_SECRET"])),
        client_certificate_path=dict(type="path", fallback=(env_fallback, ["AZURE_CLIENT_CERTIFICATE_PATH"])),
        client_certificate_password=dict(
            type="str", no_log=True, fallback=(env_fallback, ["AZURE_CLIENT_CERTIFICATE_PASSWORD"])
        ),
        access_token=dict(type="str", no_log=True),
        cloud=dict(type="str", default="public", choices=sorted(CLOUDS)),
        authority_host=dict(type="str", fallback=(env_fallback, ["AZURE_AUTHORITY_HOST"])),
        graph_endpoint=dict(type="str"),
        api_version=dict(type="str", default="v1.0", choices=["v1.0", "beta"]),
        ca_path=dict(type="path"),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
    )


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
    return "https://%s" % parts.netloc.lower()


def _port_is_valid(parts):
    """urlsplit checks the port only when asked for it."""
    try:
        return parts.port is None or parts.port > 0
    except ValueError:
        return False


class ConnectionSettings:
    """Where to sign in and where Graph is, resolved from cloud and its overrides."""

    def __init__(self, params):
        problems = []
        authority_default, graph_default = CLOUDS[params["cloud"]]

        self.custom_authority = bool(params.get("authority_host"))
        self.authority_host = authority_default
        if self.custom_authority:
            self.authority_host = normalize_https_url("authority_host", params["authority_host"], problems)

        self.graph_endpoint = graph_default
        if params.get("graph_endpoint"):
            self.graph_endpoint = normalize_https_url("graph_endpoint", params["graph_endpoint"], problems)

        self.api_version = params["api_version"]
        self.scope = "%s/.default" % self.graph_endpoint
        self.validate_certs = params["validate_certs"]
        self.ca_path = params.get("ca_path")
        self.timeout = params["timeout"]
        if self.timeout is not None and self.timeout <= 0:
            problems.append("timeout must be a positive number of seconds, got %s" % self.timeout)

        if problems:
            raise OptionsError(problems)

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

    def __init__(self, params, settings, session, log):
        self.params = params
        self.settings = settings
        self.session = session
        self.log = log

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
        raise NotImplementedError


class MsalCredential(Credential):
    """A confidential client app signing in with the client credentials grant."""

    required = ("tenant_id", "client_id")

    def __init__(self, params, settings, session, log):
        super(MsalCredential, self).__init__(params, settings, session, log)
        self._app = None
        self._token = None
        self._lock = threading.Lock()

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
            if self.settings.custom_authority:
                # A private authority host has no instance metadata at login.microsoftonline.com.
                kwargs["instance_discovery"] = False
            try:
                self._app = msal.ConfidentialClientApplication(self.params["client_id"], **kwargs)
            except requests_exceptions() as exc:
                raise transport_error(exc, self.settings.authority_host) from exc
            except ValueError as exc:
                raise GraphError(
                    "Could not use the sign-in endpoint %s: %s" % (kwargs["authority"], exc), kind="auth"
                ) from exc
        return self._app

    def get_token(self, force_refresh=False, stale=None):
        with self._lock:
            if self._token and not force_refresh:
                return self._token
            if force_refresh and stale is not None and self._token and self._token != stale:
                return self._token
            return self._acquire(force_refresh)

    def _acquire(self, force_refresh):
        app = self._application()
        if force_refresh:
            cache = app.token_cache
            for entry in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
                cache.remove_at(entry)
        try:
            result = app.acquire_token_for_client(scopes=[self.settings.scope])
        except requests_exceptions() as exc:
            raise transport_error(exc, self.settings.authority_host) from exc
        except Exception as exc:  # msal raises its own errors for malformed answers
            raise GraphError("Sign-in failed at %s: %s" % (self.settings.authority_host, exc), kind="auth") from exc

        if "access_token" not in result:
            codes = result.get("error_codes") or []
            raise GraphError(
                "Sign-in failed for client_id %s in tenant %s: %s: %s"
                % (
                    self.params["client_id"],
                    self.params["tenant_id"],
                    result.get("error"),
                    result.get("error_description"),
                ),
                error_code=("AADSTS%s" % codes[0]) if codes else result.get("error"),
                request_id=result.get("correlation_id"),
                kind="auth",
            )
        self.log("Signed in with %s (token from %s)" % (self.name, result.get("token_source", "identity provider")))
        self._token = result["access_token"]
        return self._token


class ClientSecretCredential(MsalCredential):
    name = "client_secret"
    required = ("tenant_id", "client_id", "client_secret")

    def client_credential(self):
        return self.params["client_secret"]


class ClientCertificateCredential(MsalCredential):
    name = "client_certificate"
    required = ("tenant_id", "client_id", "client_certificate_path")

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

    def client_credential(self):
        key_pem, cert_pem = self._loaded
        return {"private_key": key_pem, "public_certificate": cert_pem}


class AccessTokenCredential(Credential):
    name = "access_token"
    required = ("access_token",)
    can_refresh = False

    def get_token(self, force_refresh=False, stale=None):
        return self.params["access_token"]


CREDENTIALS = dict((c.name, c) for c in (AccessTokenCredential, ClientCertificateCredential, ClientSecretCredential))

# The order auth_method=auto tries: the first kind whose own option is set wins.
AUTO_ORDER = (
    ("access_token", "access_token"),
    ("client_certificate_path", "client_certificate"),
    ("client_secret", "client_secret"),
)


def choose_credential(params):
    """The credential class for auth_method, or for auto the first of AUTO_ORDER whose option is set."""
    method = params.get("auth_method") or "auto"
    if method != "auto":
        return CREDENTIALS[method]
    for option, name in AUTO_ORDER:
        if params.get(option):
            return CREDENTIALS[name]
    raise OptionsError(
        [
            "no credential was given: set one of access_token, client_certificate_path or client_secret "
            "(with tenant_id and client_id), or their AZURE_* environment variables"
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

    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_private_key(_pem_block(data, b"PRIVATE KEY"), password=secret)
        except (TypeError, ValueError) as exc:
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
