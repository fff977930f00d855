"""Request, response and error types shared by the identity platform and Graph handlers."""

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import formatdate

GRAPH_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)
IDENTITY_CONTENT_TYPE = "application/json; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str
    query_pairs: list
    headers: dict
    body: bytes = b""
    kind: str = "graph"
    batch_request_id: str = None
    meta: dict = field(default_factory=dict)

    @property
    def query(self):
        return dict(self.query_pairs)

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)


@dataclass
class Response:
    status: int
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    # An injected fault the server carries out while sending: ("drop",), ("slow", seconds), ("truncate",).
    fault: tuple = None


class GraphError(Exception):
    """An error Graph answers with its error envelope."""

    def __init__(self, status, code, message, details=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


def json_bytes(payload):
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")


def http_date():
    return formatdate(usegmt=True)


def utc_now():
    return datetime.now(timezone.utc)


def format_datetime(value):
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text):
    """Parses an ISO 8601 timestamp; a missing offset means UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def new_request_id():
    return str(uuid.uuid4())


# The diagnostic header Graph sends with every answer; always the same here.
DIAGNOSTIC = json.dumps(
    {"ServerInfo": {"DataCenter": "Loopback", "Slice": "E", "Ring": "0", "ScaleUnit": "000", "RoleInstance": "EMU"}}
)


def json_response(status, payload, headers=None, content_type="application/json; charset=utf-8"):
    body = json_bytes(payload) if payload is not None else b""
    merged = {"Content-Type": content_type} if payload is not None else {}
    merged.update(headers or {})
    return Response(status=status, headers=merged, body=body)


def graph_json(status, payload, request_id, client_request_id):
    headers = {
        "request-id": request_id,
        "client-request-id": client_request_id or request_id,
        "x-ms-ags-diagnostic": DIAGNOSTIC,
        "Cache-Control": "no-cache",
        "Strict-Transport-Security": "max-age=31536000",
    }
    return json_response(status, payload, headers, content_type=GRAPH_CONTENT_TYPE)
