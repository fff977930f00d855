"""The Microsoft identity platform's part: OpenID discovery and the client credentials token endpoint."""

import time
import uuid
from urllib.parse import parse_qsl

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from .faults import new_uti
from .messages import IDENTITY_CONTENT_TYPE, Response, format_datetime, json_bytes, json_response

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ["RS256", "PS256"]
# Graph's well-known application id; a token for it is a token for Graph.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
# Graph roots of the national clouds: the token endpoint issues tokens for them, which this emulator's
# Graph then rejects as a token for another audience.
CLOUD_GRAPH_ROOTS = (
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
)
IGNORED_SCOPES = {"openid", "profile", "offline_access"}


def new_signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class IdentityError(Exception):
    """An OAuth error as the identity platform words it: AADSTS code, OAuth error, HTTP status."""

    def __init__(self, status, error, aadsts, message):
        super().__init__(message)
        self.status = status
        self.error = error
        self.aadsts = aadsts
        self.message = message


def oauth_error(emulator, exc):
    trace_id = str(uuid.uuid4())
    correlation_id = str(uuid.uuid4())
    when = format_datetime(emulator.clock.now()).replace("T", " ")
    description = (
        f"AADSTS{exc.aadsts}: {exc.message}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\n"
        f"Timestamp: {when}"
    )
    payload = {
        "error": exc.error,
        "error_description": description,
        "error_codes": [exc.aadsts],
        "timestamp": when,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"{emulator.url}/error?code={exc.aadsts}",
    }
    return identity_json(exc.status, payload)


def identity_json(status, payload):
    headers = {
        "Content-Type": IDENTITY_CONTENT_TYPE,
        "Cache-Control": "no-store, no-cache",
        "Pragma": "no-cache",
        "x-ms-request-id": str(uuid.uuid4()),
    }
    return Response(status=status, headers=headers, body=json_bytes(payload))


def tenant_not_found(ref):
    return IdentityError(
        400,
        "invalid_tenant" if ref else "invalid_request",
        90002,
        f"Tenant '{ref}' not found. Check to make sure you have the correct tenant ID and are signing into "
        "the correct cloud. Check with your subscription administrator, this may happen if there are no "
        "active subscriptions for the tenant.",
    )


def handle(emulator, request):
    parts = [p for p in request.path.split("/") if p]
    if parts[:1] == ["federated-issuer"]:
        return federated_issuer(emulator, parts[1:])
    if parts == ["msi", "token"] and request.method == "GET":
        return managed_identity_token(emulator, request)
    try:
        if request.method == "GET" and len(parts) >= 3 and parts[-2:] == [".well-known", "openid-configuration"]:
            return discovery(emulator, request, parts[0])
        if request.method == "GET" and parts[1:] == ["discovery", "v2.0", "keys"]:
            return keys(emulator)
        if request.method == "POST" and len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
            return token(emulator, request, parts[0])
    except IdentityError as exc:
        return oauth_error(emulator, exc)
    return identity_json(404, {"error": "not_found", "error_description": f"No endpoint at {request.path}"})


def discovery(emulator, request, tenant_ref):
    with emulator.lock:
        tenant = emulator.tenant(tenant_ref)
    if tenant is None:
        raise tenant_not_found(tenant_ref)
    base = f"{emulator.url}/{tenant.id}"
    request.meta["tenant"] = tenant.id
    token_origin = emulator.faults.token_endpoint_origin or emulator.url
    return identity_json(
        200,
        {
            "token_endpoint": f"{token_origin}/{tenant.id}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{emulator.url}/{tenant.id}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "emulator.local",
        },
    )


def key_set(public_key, kid):
    """A JSON Web Key Set answer with one signing key."""
    public = jwt.algorithms.RSAAlgorithm.to_jwk(public_key, as_dict=True)
    public.update(kid=kid, use="sig")
    return identity_json(200, {"keys": [public]})


def keys(emulator):
    return key_set(emulator.verify_key, "emulator")


def token(emulator, request, tenant_ref):
    form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    request.meta["grant_type"] = form.get("grant_type")
    with emulator.lock:
        tenant = emulator.tenant(tenant_ref)
        if tenant is None:
            raise tenant_not_found(tenant_ref)
        request.meta["tenant"] = tenant.id
        if form.get("grant_type") != "client_credentials":
            raise IdentityError(
                400,
                "unsupported_grant_type",
                70003,
                "The app requested an unsupported grant type '%s'." % form.get("grant_type"),
            )
        client_id = (form.get("client_id") or "").lower()
        request.meta["client_id"] = client_id
        app = tenant.find_app(client_id)
        if app is None:
            raise IdentityError(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{form.get('client_id')}' was not found in the directory "
                f"'{tenant.domain}'. This can happen if the application has not been installed by the "
                "administrator of the tenant or consented to by any user in the tenant. You may have sent "
                "your authentication request to the wrong tenant.",
            )
        authenticate_client(emulator, tenant, app, form)
        resource = resource_of(tenant, form.get("scope"))
    access_token = issue_token(emulator, tenant, app, resource)
    request.meta["token_issued"] = True
    lifetime = emulator.token_lifetime
    return identity_json(
        200,
        {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": access_token},
    )


def issue_token(emulator, tenant, app, resource):
    """A signed access token for an app (or a managed identity) of a tenant, for a resource."""
    with emulator.lock:
        sp_id = tenant.service_principal_id(app.client_id)
        roles = list(app.roles)
    uti = new_uti()
    emulator.faults.token_issued(uti)
    now = int(time.time() + emulator.clock.offset.total_seconds())
    lifetime = emulator.token_lifetime
    claims = {
        "aud": resource,
        "iss": f"https://sts.windows.net/{tenant.id}/",
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "appid": app.client_id,
        "app_displayname": app.display_name,
        "idtyp": "app",
        "oid": sp_id,
        "sub": sp_id,
        "tid": tenant.id,
        "roles": roles,
        "uti": uti,
        "ver": "1.0",
    }
    access_token = jwt.encode(claims, emulator.signing_key, algorithm="RS256", headers={"kid": "emulator"})
    with emulator.lock:
        emulator.issued_tokens.append(access_token)
    return access_token


def authenticate_client(emulator, tenant, app, form):
    secret = form.get("client_secret")
    assertion = form.get("client_assertion")
    if secret is None and assertion is None:
        raise IdentityError(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
    if secret is not None:
        if secret not in app.secrets:
            raise IdentityError(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
                f"value, not the client secret ID, for a secret added to app '{app.client_id}'.",
            )
        return
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise IdentityError(
            400,
            "invalid_request",
            50027,
            f"Invalid JWT token. The client_assertion_type must be '{ASSERTION_TYPE}'.",
        )
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        unverified = {}
    if (unverified.get("iss") or "").lower() != app.client_id:
        # Not signed by the app itself: a token of an external identity provider (workload identity).
        check_federated(emulator, app, assertion, unverified)
        return
    check_assertion(emulator, tenant, app, assertion)


def _thumbprint(header):
    if header.get("x5t#S256"):
        return "sha256", header["x5t#S256"].rstrip("=")
    if header.get("x5t"):
        return "sha1", header["x5t"].rstrip("=")
    return None, None


def check_assertion(emulator, tenant, app, assertion):
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError:
        raise IdentityError(400, "invalid_request", 50027, "Invalid JWT token. Token format not valid.") from None
    kind, thumbprint = _thumbprint(header)
    certificate = None
    for candidate in app.certificates:
        if thumbprint and getattr(candidate, kind) == thumbprint:
            certificate = candidate
    if certificate is None:
        raise IdentityError(
            401,
            "invalid_client",
            700027,
            "The certificate with identifier used to sign the client assertion is not registered on application. "
            f"[Reason - The key was not found., Thumbprint of key used by client: '{thumbprint}', Please visit the "
            "Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id "
            f"'{app.client_id}'.]",
        )
    token_endpoint = f"{emulator.url}/{tenant.id}/oauth2/v2.0/token"
    try:
        claims = jwt.decode(
            assertion,
            certificate.public_key,
            algorithms=ASSERTION_ALGORITHMS,
            audience=[token_endpoint, f"{emulator.url}/{tenant.domain}/oauth2/v2.0/token"],
            options={"require": ["exp", "aud", "iss", "sub"]},
            leeway=300,
        )
    except jwt.ExpiredSignatureError:
        raise IdentityError(
            401, "invalid_client", 700024, "Client assertion is not within its valid time range."
        ) from None
    except jwt.InvalidAudienceError:
        raise IdentityError(
            401,
            "invalid_client",
            700021,
            f"Client assertion application identifier doesn't match 'client_id' parameter, or its audience is not "
            f"the token endpoint '{token_endpoint}'.",
        ) from None
    except jwt.InvalidSignatureError:
        raise IdentityError(401, "invalid_client", 700027, "Client assertion contains an invalid signature.") from None
    except jwt.PyJWTError as exc:
        raise IdentityError(400, "invalid_request", 50027, f"Invalid JWT token. {exc}") from None
    if (claims.get("iss") or "").lower() != app.client_id or (claims.get("sub") or "").lower() != app.client_id:
        raise IdentityError(
            401,
            "invalid_client",
            700023,
            "Client assertion audience claim does not match Realm issuer or the issuer and subject are not the "
            "client id.",
        )


def resource_of(tenant, scope):
    if not scope:
        raise IdentityError(
            400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'."
        )
    scopes = [s for s in scope.split() if s not in IGNORED_SCOPES]
    if len(scopes) != 1 or not scopes[0].endswith("/.default"):
        raise IdentityError(
            400,
            "invalid_scope",
            1002012,
            f"The provided value for scope {scope} is not valid. Client credential flows must have a scope value "
            "with /.default suffixed to the resource identifier (application ID URI).",
        )
    resource = scopes[0][: -len("/.default")].rstrip("/")
    if resource.lower() in (GRAPH_APP_ID,) + CLOUD_GRAPH_ROOTS or _is_loopback_https(resource):
        return resource
    raise IdentityError(
        400,
        "invalid_resource",
        500011,
        f"The resource principal named {resource} was not found in the tenant named {tenant.domain}. This can "
        "happen if the application has not been installed by the administrator of the tenant or consented to by "
        "any user in the tenant. You might have sent your authentication request to the wrong tenant.",
    )


def _is_loopback_https(resource):
    lowered = resource.lower()
    return lowered.startswith("https://127.") or lowered.startswith("https://localhost")


def audience_ok(aud, host_header):
    """Graph accepts tokens issued for itself: its own root (as the client addressed it) or its app id."""
    if not aud:
        return False
    aud = aud.rstrip("/").lower()
    return aud == GRAPH_APP_ID or (host_header and aud == f"https://{host_header.lower()}")


# -- workload identity federation -----------------------------------------------------------------


def check_federated(emulator, app, assertion, unverified):
    issuer = unverified.get("iss")
    matching = [c for c in app.federated if c.get("issuer") == issuer]
    if not matching:
        raise IdentityError(
            400,
            "invalid_request",
            700211,
            f"No matching federated identity record found for presented assertion issuer '{issuer}'. Please check "
            "your federated identity credential Subject, Audience and Issuer against the presented assertion.",
        )
    try:
        claims = jwt.decode(
            assertion,
            emulator.issuer_key.public_key(),
            algorithms=["RS256"],
            options={"verify_aud": False, "require": ["exp", "iss", "sub", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise IdentityError(
            400, "invalid_client", 700024, "Client assertion is not within its valid time range."
        ) from None
    except jwt.PyJWTError:
        raise IdentityError(401, "invalid_client", 50013, "Assertion failed signature validation.") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    for credential in matching:
        if credential.get("subject") == claims["sub"] and credential.get("audience") in audiences:
            return
    raise IdentityError(
        400,
        "invalid_client",
        70021,
        f"No matching federated identity record found for presented assertion. Assertion Issuer: '{issuer}'. "
        f"Assertion Subject: '{claims['sub']}'. Assertion Audience: '{','.join(audiences)}'.",
    )


def federated_issuer(emulator, parts):
    """The external identity provider whose tokens workload identity federation trades: discovery and keys."""
    if parts == [".well-known", "openid-configuration"]:
        return identity_json(
            200,
            {
                "issuer": emulator.issuer_url,
                "jwks_uri": f"{emulator.issuer_url}/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["id_token"],
                "subject_types_supported": ["public"],
            },
        )
    if parts == ["keys"]:
        return key_set(emulator.issuer_key.public_key(), "issuer")
    return identity_json(404, {"error": "not_found"})


def mint_federated_token(emulator, subject, audience="api://AzureADTokenExchange", lifetime=600, key=None):
    """A token of the emulator's external identity provider, as a CI system hands its jobs."""
    now = int(time.time())
    claims = {
        "iss": emulator.issuer_url,
        "sub": subject,
        "aud": audience,
        "iat": now + min(0, lifetime),
        "nbf": now + min(0, lifetime) - 5,
        "exp": now + lifetime,
    }
    return jwt.encode(claims, key or emulator.issuer_key, algorithm="RS256", headers={"kid": "issuer"})


# -- managed identity (the App Service endpoint) ------------------------------------------------------


def managed_identity_token(emulator, request):
    def refuse(status, message):
        body = {"statusCode": status, "message": message, "correlationId": str(uuid.uuid4())}
        return json_response(status, body, content_type="application/json")

    if request.header("x-identity-header") != emulator.identity_header:
        return refuse(401, "Unauthorized. The X-IDENTITY-HEADER is missing or does not match.")
    query = request.query
    resource = (query.get("resource") or "").rstrip("/")
    client_id = (query.get("client_id") or "").lower()
    found = None
    with emulator.lock:
        for tenant in emulator.directory.tenants.values():
            for app in tenant.apps.values():
                if client_id and app.managed_identity == "user" and app.client_id == client_id:
                    found = (tenant, app)
                elif not client_id and app.managed_identity == "system" and found is None:
                    found = (tenant, app)
    if found is None:
        if client_id:
            return refuse(400, f"No managed identity with client_id '{client_id}' is assigned to this resource.")
        return refuse(400, "No system-assigned managed identity is enabled for this resource.")
    if not resource:
        return refuse(400, "The resource parameter is required.")
    tenant, app = found
    request.meta.update(tenant=tenant.id, client_id=app.client_id, token_issued=True)
    token_value = issue_token(emulator, tenant, app, resource)
    payload = {
        "access_token": token_value,
        "expires_on": str(int(time.time()) + emulator.token_lifetime),
        "resource": resource,
        "token_type": "Bearer",
        "client_id": app.client_id,
    }
    return json_response(200, payload, content_type="application/json")
