"""The HTTPS server: one loopback port serving the identity platform and Graph, with a request log."""

import json
import os
import ssl
import threading
import time
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import trustme

from . import faults as fault_rules
from . import graph, identity
from .messages import GraphError, Request, Response, format_datetime, http_date, json_response, utc_now
from .store import Directory, load_seed

LOOPBACK_NAMES = ["127.0.0.1", "localhost"]


class Clock:
    """UTC now, shifted by an offset that tests move to age the recycle bin."""

    def __init__(self):
        self.offset = timedelta(0)

    def now(self):
        return utc_now() + self.offset

    def advance(self, **delta):
        self.offset += timedelta(**delta)


class Emulator:
    """Microsoft Graph and the Microsoft identity platform for one or more tenants, on a loopback HTTPS port.

    Use it in-process (start/stop, requests(), reset()) or from the command line (python -m graph_emulator).
    """

    def __init__(self, seed=None, host="127.0.0.1", port=0, state_dir=None, token_lifetime=3599, latency=0.0):
        if not host.startswith("127.") and host not in ("localhost", "::1"):
            raise ValueError("the emulator only listens on loopback addresses")
        self.seed = load_seed(seed)
        self.host = host
        self.port = port
        self.state_dir = Path(state_dir) if state_dir else None
        self.token_lifetime = token_lifetime
        # Seconds every answer waits before it is sent, as the round trip to a distant Graph; kept by reset().
        self.latency = latency
        self.lock = threading.RLock()
        self.signing_key = identity.new_signing_key()
        # The key Graph checks tokens with: derived once, not on every request.
        self.verify_key = self.signing_key.public_key()
        # The external identity provider of workload identity federation, and the managed identity secret.
        self.issuer_key = identity.new_signing_key()
        self.identity_header = uuid.uuid4().hex
        self._fresh_state()
        self._httpd = None
        self._thread = None
        self.ca = trustme.CA(organization_name="graphops emulator throwaway CA")
        self.ca_path = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self):
        server_cert = self.ca.issue_cert(*LOOPBACK_NAMES)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        server_cert.configure_cert(context)

        self._httpd = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.emulator = self
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]

        if self.state_dir is not None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            self.ca_path = self.write_ca(self.state_dir / "ca.pem")

        self._thread = threading.Thread(target=self._httpd.serve_forever, name="graph-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=10)
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return f"https://{self.host}:{self.port}"

    @property
    def issuer_url(self):
        return f"{self.url}/federated-issuer"

    @property
    def identity_endpoint(self):
        """The managed identity endpoint, as App Service hands it in IDENTITY_ENDPOINT."""
        return f"{self.url}/msi/token"

    def mint_federated_token(self, subject, **options):
        return identity.mint_federated_token(self, subject, **options)

    def write_ca(self, path):
        self.ca.cert_pem.write_to_path(str(path))
        return str(path)

    # -- state for tests ---------------------------------------------------------------------

    def reset(self, seed=None):
        """Reload the seed (or a new one), clear the log and the clock offset."""
        with self.lock:
            if seed is not None:
                self.seed = load_seed(seed)
            self._fresh_state()

    def _fresh_state(self):
        self.clock = Clock()
        self.directory = Directory(self.seed, self.clock.now())
        self.faults = fault_rules.Faults()
        # Every access token issued, so that tests can look for them where they must never appear.
        self.issued_tokens = []
        self._log = []

    def requests(self, kind=None):
        """A copy of the request log, oldest first; kind filters on 'identity', 'graph' or 'admin'."""
        with self.lock:
            return [dict(entry) for entry in self._log if kind is None or entry["kind"] == kind]

    def clear_log(self):
        with self.lock:
            self._log = []

    def tenant(self, ref):
        return self.directory.tenant(ref)

    def record(self, entry):
        with self.lock:
            entry["seq"] = len(self._log) + 1
            self._log.append(entry)

    def describe(self):
        with self.lock:
            return {
                "url": self.url,
                "ca_path": self.ca_path,
                "tenants": [
                    {
                        "id": t.id,
                        "domain": t.domain,
                        "apps": [a.client_id for a in t.apps.values()],
                        "deleted_items": sum(1 for r in t.records.values() if r.deleted),
                        "live_objects": sum(1 for r in t.records.values() if not r.deleted),
                    }
                    for t in self.directory.tenants.values()
                ],
            }

    # -- dispatch ------------------------------------------------------------------------------

    def handle(self, request):
        """Route one request; always returns a Response and logs it."""
        entry = {
            "time": format_datetime(self.clock.now()),
            "method": request.method,
            "path": request.path,
            "query": request.query_pairs,
            "kind": request.kind,
            "client_request_id": request.header("client-request-id"),
            "user_agent": request.header("user-agent"),
            "authorization": bool(request.header("authorization")),
            "consistency_level": request.header("consistencylevel"),
        }
        try:
            if request.kind == "admin":
                response = self._admin(request)
            elif request.kind == "identity":
                rule = self.faults.match(request)
                if rule is not None and rule.action == "redirect":
                    response = redirect(rule)
                else:
                    response = identity.handle(self, request)
            else:
                response = self._graph(request)
        except GraphError as exc:
            response = graph.error_response(request, exc)
        entry.update((k, v) for k, v in request.meta.items() if k not in ("now", "caller"))
        entry["status"] = response.status
        entry["request_id"] = response.headers.get("request-id")
        self.record(entry)
        return response

    def _graph(self, request):
        """Graph, with the injected faults that apply to this request."""
        self.faults.count_graph_request(request)
        rule = self.faults.match(request)
        if rule is None:
            return graph.handle(self, request)
        action = rule.action
        if action == "status":
            if rule.details.get("after"):
                # Graph acted, and then the answer became a failure, as a gateway timing out does.
                graph.handle(self, request)
            raise fault_rules.status_error(rule, request.meta.get("client_id"))
        if action == "redirect":
            return redirect(rule)
        if action == "raw":
            body = rule.details["body"].encode("utf-8")
            return Response(status=rule.details["status"], headers={"Content-Type": "application/json"}, body=body)
        if action == "not_json":
            return Response(status=200, headers={"Content-Type": "text/html"}, body=b"<html>Bad gateway</html>")
        if action == "drop" and not rule.details.get("after"):
            return Response(status=0, fault=("drop",))
        response = graph.handle(self, request)
        if action == "drop":
            response.fault = ("drop",)
        elif action == "slow":
            response.fault = ("slow", rule.details["seconds"])
        elif action == "truncate":
            response.fault = ("truncate",)
        return response

    def _admin(self, request):
        """Loopback-only controls for a standalone emulator: the request log, reset, the clock."""
        action = request.path.split("/", 2)[-1]
        if request.method == "GET" and action == "requests":
            return json_response(200, {"value": self.requests()})
        if request.method == "POST" and action == "reset":
            self.reset()
            return json_response(200, {"reset": True})
        if request.method == "POST" and action == "clock":
            body = json.loads(request.body or b"{}")
            with self.lock:
                self.clock.advance(days=float(body.get("days", 0)), seconds=float(body.get("seconds", 0)))
            return json_response(200, {"now": format_datetime(self.clock.now())})
        if request.method == "GET" and action == "state":
            return json_response(200, self.describe())
        return json_response(404, {"error": "unknown emulator control"})


def redirect(rule):
    """The answer of a redirect fault: its status and Location, nothing else."""
    return Response(status=rule.details["status"], headers={"Location": rule.details["location"]})


def classify(path):
    if path.startswith("/_emulator/"):
        return "admin"
    parts = [p for p in path.split("/") if p]
    if parts and parts[0] in ("v1.0", "beta"):
        return "graph"
    return "identity"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle's algorithm holds each answer ~40 ms.
    disable_nagle_algorithm = True
    server_version = "graph-emulator"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 - the base class names it so
        pass

    def _serve(self):
        emulator = self.server.emulator
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=split.path,
            query_pairs=parse_qsl(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            kind=classify(split.path),
        )
        request.meta["host"] = self.headers.get("Host")
        response = emulator.handle(request)
        if emulator.latency and request.kind != "admin":
            # Outside the emulator lock: answers in flight wait side by side, as on a real network.
            time.sleep(emulator.latency)
        fault = response.fault or ()
        if fault[:1] == ("drop",):
            self.close_connection = True
            return
        if fault[:1] == ("slow",):
            time.sleep(fault[1])
        self.send_response(response.status)
        headers = dict(response.headers)
        headers.setdefault("Date", http_date())
        for name, value in headers.items():
            self.send_header(name, value)
        if fault[:1] == ("truncate",):
            self.send_header("Content-Length", str(len(response.body) + 64))
            self.end_headers()
            self.wfile.write(response.body[: len(response.body) // 2])
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = do_HEAD = _serve


def write_state(path, payload):
    """State files may hold a demo secret: owner-only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2)


class RecordingHost:
    """A second loopback HTTPS host, trusted through the emulator's CA, that answers every request with an
    empty page and records what reached it, credentials included: a target for links that must not be
    followed with a token."""

    def __init__(self, emulator, host="127.0.0.2"):
        self.host = host
        self.seen = []
        self._lock = threading.Lock()
        server_cert = emulator.ca.issue_cert(host)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_cert.configure_cert(context)
        self._httpd = ThreadingHTTPServer((host, 0), _RecordingHandler)
        self._httpd.daemon_threads = True
        self._httpd.recorder = self
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"https://{self.host}:{self._httpd.server_address[1]}"

    def record(self, entry):
        with self._lock:
            self.seen.append(entry)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()


class _RecordingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class names it so
        pass

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.recorder.record(
            {"method": self.command, "path": self.path, "headers": dict(self.headers.items()), "body": body}
        )
        payload = b'{"value": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = _serve
