"""Microsoft Graph's part: the recycle bin (directory/deletedItems), live directory objects, $batch."""

import base64
import json
from urllib.parse import parse_qsl, urlencode

import jwt

from . import identity
from .faults import quota_error
from .messages import (
    GraphError,
    Request,
    Response,
    format_datetime,
    graph_json,
    json_bytes,
    new_request_id,
    utc_now,
)
from .odata import Filter, unsupported
from .store import COLLECTIONS, is_guid, not_found, resource_name

DEFAULT_PAGE = 100
MAX_PAGE = 999

READ_ANY = ("Directory.Read.All", "Directory.ReadWrite.All")
ROLES = {
    "read": {
        "user": ("User.Read.All", "User.ReadWrite.All", "User.DeleteRestore.All") + READ_ANY,
        "group": ("Group.Read.All", "Group.ReadWrite.All") + READ_ANY,
        "application": ("Application.Read.All", "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy")
        + READ_ANY,
        "servicePrincipal": ("Application.Read.All", "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy")
        + READ_ANY,
        "administrativeUnit": ("AdministrativeUnit.Read.All", "AdministrativeUnit.ReadWrite.All") + READ_ANY,
    },
    # Permanent delete. Graph does not let an app-only token purge groups; administrative units never.
    "purge": {
        "user": ("User.DeleteRestore.All", "User.ReadWrite.All"),
        "group": (),
        "application": ("Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"),
        "servicePrincipal": ("Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"),
        "administrativeUnit": (),
    },
    "restore": {
        "user": ("User.DeleteRestore.All", "User.ReadWrite.All"),
        "group": ("Group.ReadWrite.All",),
        "application": ("Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"),
        "servicePrincipal": ("Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"),
        "administrativeUnit": ("AdministrativeUnit.ReadWrite.All",),
    },
    # Soft delete of a live object.
    "delete": {
        "user": ("User.DeleteRestore.All", "User.ReadWrite.All"),
        "group": ("Group.ReadWrite.All",),
        "application": ("Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"),
        "servicePrincipal": ("Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"),
        "administrativeUnit": ("AdministrativeUnit.ReadWrite.All",),
    },
}
OWNED_BY = "Application.ReadWrite.OwnedBy"
TYPES_BY_COLLECTION = {name.lower(): type_name for type_name, name in COLLECTIONS.items()}
CAST_TYPES = {t.lower(): t for t in COLLECTIONS}


class Caller:
    def __init__(self, claims, tenant):
        self.claims = claims
        self.tenant = tenant
        self.roles = set(claims.get("roles") or [])
        self.app_id = claims.get("appid")
        self.sp_id = claims.get("oid")

    def may(self, action, record):
        allowed = set(ROLES[action][record.type]) & self.roles
        if allowed == {OWNED_BY}:
            return self.sp_id in record.owner_ids
        return bool(allowed)

    def may_read_type(self, type_name):
        return bool(set(ROLES["read"][type_name]) & self.roles)


def denied():
    return GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


def invalid_token(message):
    return GraphError(401, "InvalidAuthenticationToken", message, headers={"WWW-Authenticate": 'Bearer realm=""'})


def error_response(request, exc):
    request_id = request.meta.setdefault("request_id", new_request_id())
    client_request_id = request.header("client-request-id") or request_id
    error = {"code": exc.code, "message": exc.message}
    if exc.details:
        error["details"] = exc.details
    error["innerError"] = {
        "date": format_datetime(request.meta.get("now") or utc_now()).rstrip("Z"),
        "request-id": request_id,
        "client-request-id": client_request_id,
    }
    response = graph_json(exc.status, {"error": error}, request_id, client_request_id)
    response.headers.update(exc.headers)
    request.meta["error_code"] = exc.code
    return response


def ok(request, status, payload=None):
    request_id = request.meta["request_id"]
    if payload is None:
        response = Response(status=status, headers={"request-id": request_id})
        response.headers["client-request-id"] = request.header("client-request-id") or request_id
        return response
    return graph_json(status, payload, request_id, request.header("client-request-id"))


# -- entry point -----------------------------------------------------------------------------------


def handle(emulator, request):
    request.meta.setdefault("request_id", new_request_id())
    now = request.meta["now"] = emulator.clock.now()
    parts = [p for p in request.path.split("/") if p]
    version, parts = parts[0], parts[1:]
    request.meta["api_version"] = version

    # A $batch is authenticated once: its requests run with the caller the batch was accepted for.
    caller = request.meta.get("caller")
    # The token's signature is checked outside the lock: requests in flight do not queue behind it.
    claims = None if caller else token_claims(emulator, request)
    with emulator.lock:
        emulator.directory.sweep(now)
        caller = caller or authenticate(emulator, request, claims, now)
        request.meta["tenant"] = caller.tenant.id
        request.meta["client_id"] = caller.app_id
        return route(emulator, request, caller, version, parts)


def token_claims(emulator, request):
    """The claims of the bearer token, once its form and signature are checked."""
    header = request.header("authorization") or ""
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        raise invalid_token("Access token is empty.")
    raw = header[7:].strip()
    if raw.count(".") != 2:
        raise invalid_token("IDX14100: JWT is not well formed, there are no dots (.).")
    try:
        return jwt.decode(
            raw,
            emulator.verify_key,
            algorithms=["RS256"],
            options={"verify_aud": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        # Lifetime is checked by authenticate against the emulator's clock, which tests may move forward.
        raise invalid_token("Access token validation failure.") from None


def authenticate(emulator, request, claims, now):
    """The caller the checked claims name, if the token is still valid at `now` for this host and tenant."""
    if claims.get("exp", 0) <= now.timestamp() or emulator.faults.token_revoked(claims.get("uti")):
        raise invalid_token("Lifetime validation failed, the token is expired.")
    if not identity.audience_ok(claims.get("aud"), request.meta.get("host")):
        raise invalid_token("Access token validation failure. Invalid audience.")
    tenant = emulator.tenant(claims.get("tid"))
    if tenant is None:
        raise invalid_token("Access token validation failure.")
    return Caller(claims, tenant)


def route(emulator, request, caller, version, parts):
    lowered = [p.lower() for p in parts]
    method = request.method
    if lowered[:2] == ["directory", "deleteditems"]:
        rest = parts[2:]
        if not rest:
            if method == "GET":
                raise GraphError(
                    400,
                    "Request_UnsupportedQuery",
                    "Searches against this resource are not supported. Only specific instances can be queried.",
                )
        elif len(rest) == 1 and _cast(rest[0]):
            if method == "GET":
                return list_deleted(emulator, request, caller, version, _cast(rest[0]), rest[0])
        elif len(rest) == 1 and rest[0].lower() == "getuserownedobjects":
            if method == "POST":
                return user_owned(emulator, request, caller)
        elif len(rest) == 1:
            if method == "GET":
                return get_deleted(emulator, request, caller, version, rest[0])
            if method == "DELETE":
                return purge(emulator, request, caller, rest[0])
        elif len(rest) == 2 and rest[1].lower() == "restore":
            if method == "POST":
                return restore(emulator, request, caller, version, rest[0])
        raise method_not_allowed(request)
    if lowered and lowered[0] in TYPES_BY_COLLECTION:
        type_name = TYPES_BY_COLLECTION[lowered[0]]
        if len(parts) == 1 and method == "GET":
            return list_live(emulator, request, caller, version, type_name, parts[0])
        if len(parts) == 2 and method == "GET":
            return get_live(emulator, request, caller, version, parts[1], type_name)
        if len(parts) == 2 and method == "DELETE":
            return soft_delete(emulator, request, caller, parts[1], type_name)
        raise method_not_allowed(request)
    if lowered[:1] == ["directoryobjects"] and len(parts) == 2 and method == "GET":
        return get_live(emulator, request, caller, version, parts[1], None)
    if lowered == ["$batch"] and method == "POST":
        return batch(emulator, request, caller, version)
    segment = parts[0] if parts else ""
    raise GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


def method_not_allowed(request):
    return GraphError(
        405, "Request_BadRequest", f"The requested resource does not support http method '{request.method}'."
    )


def _cast(segment):
    lowered = segment.lower()
    for prefix in ("microsoft.graph.", "graph."):
        if lowered.startswith(prefix):
            type_name = CAST_TYPES.get(lowered[len(prefix) :])
            if type_name is None:
                raise GraphError(
                    400, "BadRequest", f"Type '{segment}' is not supported for the recycle bin in this request."
                )
            return type_name
    return None


def _check_id(object_id):
    if not is_guid(object_id):
        raise GraphError(400, "Request_BadRequest", f"Invalid object identifier '{object_id}'.")


def entity(emulator, version, record, context, select=None):
    obj = dict(record.obj)
    if select:
        wanted = {s.strip().lower() for s in select.split(",")} | {"id"}
        obj = {k: v for k, v in obj.items() if k.lower() in wanted or k == "@odata.type"}
    payload = {"@odata.context": f"{emulator.url}/{version}/$metadata#{context}"}
    payload.update(obj)
    return payload


# -- the recycle bin -------------------------------------------------------------------------------


def find_deleted(emulator, caller, object_id):
    """The item in the bin, as this replica sees it: an id under replication lag is not there yet (404)."""
    _check_id(object_id)
    record = None
    if not emulator.faults.hidden(object_id):
        record = emulator.directory.find(caller.tenant, object_id, deleted=True)
    if record is None:
        raise not_found(object_id)
    return record


def json_body(request, empty=b"{}"):
    """The request's JSON body (`empty` when it has none), or Graph's 400 for one it cannot read."""
    try:
        return json.loads(request.body if request.body.strip() else empty)
    except ValueError:
        raise GraphError(400, "BadRequest", "Unable to read JSON request payload.") from None


def spend_write(emulator, caller):
    wait = emulator.faults.take_write()
    if wait is not None:
        raise quota_error(wait, caller.app_id, caller.tenant.id)


def get_deleted(emulator, request, caller, version, object_id):
    record = find_deleted(emulator, caller, object_id)
    if not caller.may("read", record):
        raise denied()
    request.meta["object_type"] = record.type
    return ok(request, 200, entity(emulator, version, record, "directoryObjects/$entity", request.query.get("$select")))


def purge(emulator, request, caller, object_id):
    record = find_deleted(emulator, caller, object_id)
    request.meta["object_type"] = record.type
    if record.type == "administrativeUnit":
        raise GraphError(
            400,
            "Request_BadRequest",
            "Permanent deletion of administrative units is not supported. They are removed 30 days after deletion.",
        )
    if not caller.may("purge", record):
        raise denied()
    spend_write(emulator, caller)
    emulator.directory.purge(caller.tenant, record)
    request.meta["write"] = "purge"
    return ok(request, 204)


def restore(emulator, request, caller, version, object_id):
    record = find_deleted(emulator, caller, object_id)
    request.meta["object_type"] = record.type
    if not caller.may("restore", record):
        raise denied()
    body = json_body(request)
    new_upn = body.get("newUserPrincipalName")
    reconcile = bool(body.get("autoReconcileProxyConflict"))
    if record.type != "user" and (new_upn is not None or "autoReconcileProxyConflict" in body):
        raise GraphError(
            400,
            "Request_BadRequest",
            "newUserPrincipalName and autoReconcileProxyConflict apply only to users.",
        )
    spend_write(emulator, caller)
    emulator.directory.restore(caller.tenant, record, new_upn=new_upn, auto_reconcile=reconcile)
    request.meta["write"] = "restore"
    context = "users/$entity" if record.type == "user" and body else "directoryObjects/$entity"
    return ok(request, 200, entity(emulator, version, record, context))


def user_owned(emulator, request, caller):
    body = json_body(request)
    user_id = (body.get("userId") or "").lower()
    kind = (body.get("type") or "").lower()
    if kind not in ("group", "application"):
        raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'type' of resource.")
    _check_id(user_id)
    if not caller.may_read_type("group"):
        raise denied()
    owned = [
        r for r in emulator.directory.records(caller.tenant, deleted=True, type_name=kind) if user_id in r.owner_ids
    ][:1000]
    value = [dict(r.obj) for r in owned]
    return ok(request, 200, {"@odata.context": f"{emulator.url}/v1.0/$metadata#directoryObjects", "value": value})


def list_deleted(emulator, request, caller, version, type_name, cast_segment):
    hidden = emulator.faults.hidden_ids()
    records = [
        r
        for r in emulator.directory.records(caller.tenant, deleted=True, type_name=type_name)
        if r.id.lower() not in hidden
    ]
    base = f"{emulator.url}/{version}/directory/deletedItems/{cast_segment}"
    return page(emulator, request, caller, version, records, type_name, base, COLLECTIONS[type_name])


def list_live(emulator, request, caller, version, type_name, segment):
    records = emulator.directory.records(caller.tenant, deleted=False, type_name=type_name)
    return page(
        emulator,
        request,
        caller,
        version,
        records,
        type_name,
        f"{emulator.url}/{version}/{segment}",
        COLLECTIONS[type_name],
    )


def page(emulator, request, caller, version, records, type_name, base, context_name):
    """One page of a collection with $filter, $orderby, $count, $select, $top and opaque $skiptoken links."""
    query = request.query
    advanced = (request.header("consistencylevel") or "").lower() == "eventual"
    count = (query.get("$count") or "").lower() == "true"
    if "$count" in query and not advanced:
        raise GraphError(400, "Request_BadRequest", "$count is not currently supported.")

    top = DEFAULT_PAGE
    if "$top" in query:
        try:
            top = int(query["$top"])
        except ValueError:
            top = -1
        if not 1 <= top <= MAX_PAGE:
            raise GraphError(
                400,
                "Request_BadRequest",
                f"Invalid page size specified: '{query['$top']}'. Must be between 1 and 999 inclusive.",
            )

    if "$filter" in query:
        parsed = Filter(query["$filter"])
        if parsed.advanced and not (advanced and count):
            raise unsupported("Unsupported Query.")
        records = [r for r in records if parsed.matches(r.obj)]

    if "$orderby" in query:
        records = ordered(records, query["$orderby"], type_name, advanced and count)

    start = 0
    if "$skiptoken" in query:
        start = decode_skiptoken(query["$skiptoken"], query)

    if not caller.may_read_type(type_name):
        # Without read permission for the type, Graph answers with ids and types only.
        values = [{"@odata.type": r.obj["@odata.type"], "id": r.id} for r in records[start : start + top]]
    else:
        select = query.get("$select")
        values = [entity(emulator, version, r, "", select) for r in records[start : start + top]]
        for value in values:
            value.pop("@odata.context", None)

    context = context_name
    if query.get("$select"):
        context = f"{context_name}({query['$select']})"
    payload = {"@odata.context": f"{emulator.url}/{version}/$metadata#{context}"}
    if count:
        payload["@odata.count"] = len(records)
    if start + top < len(records):
        link = next_link(base, request.query_pairs, start + top)
        if emulator.faults.next_link_host:
            link = link.replace(emulator.url, emulator.faults.next_link_host, 1)
        payload["@odata.nextLink"] = link
    payload["value"] = values
    request.meta["returned"] = len(values)
    return ok(request, 200, payload)


def ordered(records, orderby, type_name, advanced):
    clauses = [c.strip() for c in orderby.split(",") if c.strip()]
    for clause in reversed(clauses):
        words = clause.split()
        prop = words[0]
        descending = len(words) > 1 and words[1].lower() == "desc"
        if prop.lower() == "deleteddatetime" and not advanced:
            raise GraphError(
                400, "Request_UnsupportedQuery", f"Unsupported sort property '{prop}' for '{resource_name(type_name)}'."
            )
        if prop.lower() not in ("deleteddatetime", "displayname", "userprincipalname"):
            raise GraphError(
                400, "Request_UnsupportedQuery", f"Unsupported sort property '{prop}' for '{resource_name(type_name)}'."
            )
        key = next((k for k in records[0].obj if k.lower() == prop.lower()), prop) if records else prop
        records = sorted(
            records, key=lambda r, k=key: (r.obj.get(k) is None, (r.obj.get(k) or "").lower()), reverse=descending
        )
    return records


def next_link(base, query_pairs, offset):
    kept = [(k, v) for k, v in query_pairs if k != "$skiptoken"]
    signature = json.dumps(sorted(kept))
    token = base64.urlsafe_b64encode(json.dumps([offset, signature]).encode("utf-8")).decode("ascii").rstrip("=")
    token = "RFNwdAIAAQAAA" + token
    return base + "?" + urlencode(kept + [("$skiptoken", token)], safe="$,()'")


def decode_skiptoken(token, query):
    try:
        raw = token[len("RFNwdAIAAQAAA") :]
        offset, signature = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, TypeError):
        raise GraphError(400, "Request_BadRequest", "Invalid skip token.") from None
    kept = sorted([k, v] for k, v in query.items() if k != "$skiptoken")
    if json.loads(signature) != kept:
        raise GraphError(400, "Request_BadRequest", "The skip token does not match the query it was issued for.")
    return int(offset)


# -- live objects ----------------------------------------------------------------------------------


def find_live(emulator, caller, ref, type_name):
    """A live object by id (a user also by user principal name) of `type_name`, or of any type for None."""
    if type_name == "user":
        record = emulator.directory.find_user(caller.tenant, ref)
    else:
        _check_id(ref)
        record = emulator.directory.find(caller.tenant, ref, deleted=False)
        if record is not None and type_name and record.type != type_name:
            record = None
    if record is None:
        raise not_found(ref)
    return record


def get_live(emulator, request, caller, version, ref, type_name):
    record = find_live(emulator, caller, ref, type_name)
    if not caller.may("read", record):
        raise denied()
    request.meta["object_type"] = record.type
    context = f"{COLLECTIONS[record.type]}/$entity" if type_name else "directoryObjects/$entity"
    return ok(request, 200, entity(emulator, version, record, context, request.query.get("$select")))


def soft_delete(emulator, request, caller, ref, type_name):
    record = find_live(emulator, caller, ref, type_name)
    if not caller.may("delete", record):
        raise denied()
    spend_write(emulator, caller)
    emulator.directory.soft_delete(caller.tenant, record, emulator.clock.now())
    request.meta["write"] = "soft_delete"
    request.meta["object_type"] = record.type
    return ok(request, 204)


# -- $batch -----------------------------------------------------------------------------------------


def batch(emulator, request, caller, version):
    try:
        body = json.loads(request.body or b"{}")
        inner = body["requests"]
    except (ValueError, KeyError, TypeError):
        raise GraphError(400, "BadRequest", "Unable to read JSON request payload.") from None
    if not isinstance(inner, list) or not inner:
        raise GraphError(400, "BadRequest", "Invalid batch payload format.")
    if len(inner) > 20:
        raise GraphError(400, "BadRequest", "Invalid batch payload format: the number of requests exceeds 20.")
    ids = [str(r.get("id")) for r in inner]
    if len(set(ids)) != len(ids):
        raise GraphError(400, "BadRequest", "Batch request ids must be unique.")

    responses = []
    authorization = request.header("authorization")
    for item in inner:
        url = str(item.get("url") or "")
        path = url if url.startswith("/") else "/" + url
        path_only, dummy, query = path.partition("?")
        headers = {k.lower(): v for k, v in (item.get("headers") or {}).items()}
        headers["authorization"] = authorization
        headers.setdefault("client-request-id", request.header("client-request-id"))
        body_value = item.get("body")
        sub = Request(
            method=str(item.get("method") or "GET").upper(),
            path=f"/{version}{path_only}",
            query_pairs=parse_qsl(query, keep_blank_values=True),
            headers=headers,
            body=json_bytes(body_value) if body_value is not None else b"",
            kind="graph",
            batch_request_id=str(item.get("id")),
        )
        sub.meta["host"] = request.meta.get("host")
        sub.meta["caller"] = caller
        sub.meta["batch_of"] = request.meta["request_id"]
        response = emulator.handle(sub)
        inner_headers = {
            k: v for k, v in response.headers.items() if k.lower() in ("content-type", "retry-after", "location")
        }
        entry = {"id": sub.batch_request_id, "status": response.status, "headers": inner_headers}
        if response.body:
            entry["body"] = json.loads(response.body)
        responses.append(entry)
    request.meta["batch_size"] = len(inner)
    return ok(request, 200, {"responses": responses})
