"""Fault injection: throttling, outages, dropped and slow connections, broken bodies, token expiry,
replication lag and a write quota, each set per test and cleared by Emulator.reset()."""

import math
import re
import threading
import time
import uuid
from email.utils import formatdate

from .messages import GraphError

THROTTLE_MESSAGES = {
    429: (
        "TooManyRequests",
        "Too many requests from Identifier:{app} under category:identity. Please try again later.",
    ),
    503: ("serviceNotAvailable", "The service is temporarily unavailable. Please retry after some time."),
    504: ("UnknownError", "The gateway did not receive a response in time."),
}
# What a rule can do beside answering with an error status.
ACTIONS = ("status", "drop", "slow", "truncate", "not_json", "redirect", "raw")


class Rule:
    """A fault for the next `count` requests that match: method, a path pattern, an object id in the
    path, and whether the request is inside a $batch (inner), outside (outer) or either (any)."""

    def __init__(
        self, action, count=1, method=None, path=None, object_id=None, scope="any", skip=0, kind="graph", **details
    ):
        if action not in ACTIONS:
            raise ValueError("unknown fault %r" % action)
        self.action = action
        self.remaining = count
        self.method = method.upper() if method else None
        self.path = re.compile(path) if path else None
        self.object_id = object_id.lower() if object_id else None
        self.scope = scope
        self.details = details
        self.skip = skip
        self.kind = kind
        self.fired = 0

    def matches(self, request):
        if self.remaining is not None and self.remaining <= 0:
            return False
        if request.kind != self.kind:
            return False
        inner = request.batch_request_id is not None
        if (self.scope == "inner" and not inner) or (self.scope == "outer" and inner):
            return False
        if self.method and request.method != self.method:
            return False
        if self.path and not self.path.search(request.path):
            return False
        if self.object_id and self.object_id not in request.path.lower():
            return False
        if self.skip:
            # Let the first `skip` matching requests through untouched.
            self.skip -= 1
            return False
        return True

    def take(self):
        self.fired += 1
        if self.remaining is not None:
            self.remaining -= 1


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.hidden_until = {}
        self.expire_after = None
        self.graph_requests = 0
        self.issued = set()
        self.revoked = set()
        self.quota = None
        self.next_link_host = None
        # An origin the OpenID configuration names as the token endpoint's, instead of the emulator's.
        self.token_endpoint_origin = None

    # -- knobs tests set ----------------------------------------------------------------------------

    def add(self, action, **options):
        rule = Rule(action, **options)
        with self.lock:
            self.rules.append(rule)
        return rule

    def throttle(self, count=1, retry_after="1", status=429, **match):
        """Answer 429 (or 503/504) with Retry-After (seconds, an HTTP date, or None for no header)."""
        return self.add("status", count=count, status=status, retry_after=retry_after, **match)

    def fail(self, status, code, message, count=1, **match):
        return self.add("status", count=count, status=status, code=code, message=message, **match)

    def drop(self, count=1, **match):
        """Close the connection without an answer, as a reset connection."""
        return self.add("drop", count=count, scope="outer", **match)

    def slow(self, seconds, count=1, **match):
        return self.add("slow", count=count, seconds=seconds, scope="outer", **match)

    def truncate(self, count=1, **match):
        """Announce a longer body than is sent, then close: a truncated answer."""
        return self.add("truncate", count=count, scope="outer", **match)

    def not_json(self, count=1, **match):
        """Answer 200 with an HTML page instead of JSON, as a misbehaving gateway does."""
        return self.add("not_json", count=count, scope="outer", **match)

    def raw(self, status, body, count=1, **match):
        """Answer with a status and body that are not Graph's, as a proxy or a wrong endpoint would."""
        return self.add("raw", count=count, status=status, body=body, scope="outer", **match)

    def redirect(self, location, count=1, status=302, **match):
        return self.add("redirect", count=count, location=location, status=status, scope="outer", **match)

    def lag(self, object_id, seconds):
        """The bin does not show this id (404) for the next `seconds`, as a replica that is behind."""
        with self.lock:
            self.hidden_until[object_id.lower()] = time.monotonic() + seconds

    def expire_tokens_after(self, requests):
        """After this many more Graph requests, every token issued so far is expired."""
        with self.lock:
            self.expire_after = self.graph_requests + requests

    def write_quota(self, capacity, per_seconds):
        """Graph's write limit as a token bucket: `capacity` writes, refilled over `per_seconds`."""
        with self.lock:
            self.quota = {
                "capacity": capacity,
                "tokens": float(capacity),
                "rate": capacity / float(per_seconds),
                "stamp": time.monotonic(),
            }

    def send_next_links_to(self, origin):
        """Rewrite every @odata.nextLink to point at another host, such as a recording host."""
        self.next_link_host = origin

    # -- what the server asks --------------------------------------------------------------------

    def token_issued(self, uti):
        with self.lock:
            self.issued.add(uti)

    def token_revoked(self, uti):
        with self.lock:
            return uti in self.revoked

    def count_graph_request(self, request):
        if request.batch_request_id is not None:
            return
        with self.lock:
            self.graph_requests += 1
            if self.expire_after is not None and self.graph_requests > self.expire_after:
                self.revoked |= self.issued
                self.issued = set()
                self.expire_after = None

    def match(self, request):
        with self.lock:
            for rule in self.rules:
                if rule.matches(request):
                    rule.take()
                    request.meta["fault"] = rule.action
                    return rule
        return None

    def hidden(self, object_id):
        return (object_id or "").lower() in self.hidden_ids()

    def hidden_ids(self):
        """The ids the bin does not show now (see lag)."""
        with self.lock:
            now = time.monotonic()
            return set(object_id for object_id, until in self.hidden_until.items() if now < until)

    def take_write(self):
        """None when a write may go ahead; else the seconds until the bucket has a token again."""
        with self.lock:
            if self.quota is None:
                return None
            quota = self.quota
            now = time.monotonic()
            quota["tokens"] = min(quota["capacity"], quota["tokens"] + (now - quota["stamp"]) * quota["rate"])
            quota["stamp"] = now
            if quota["tokens"] >= 1:
                quota["tokens"] -= 1
                return None
            return (1 - quota["tokens"]) / quota["rate"]


def status_error(rule, app_id):
    status = rule.details.get("status", 429)
    code, message = THROTTLE_MESSAGES.get(status, ("UnknownError", "An injected failure."))
    code = rule.details.get("code") or code
    message = rule.details.get("message") or message.format(app=app_id or "unknown")
    headers = {}
    retry_after = rule.details.get("retry_after")
    if retry_after is not None and status in (429, 503, 504):
        if retry_after == "date":
            retry_after = formatdate(time.time() + 2, usegmt=True)
        headers["Retry-After"] = str(retry_after)
    return GraphError(status, code, message, headers=headers)


def quota_error(wait, app_id, tenant_id):
    return GraphError(
        429,
        "TooManyRequests",
        THROTTLE_MESSAGES[429][1].format(app=app_id),
        headers={
            "Retry-After": str(max(1, int(math.ceil(wait)))),
            "x-ms-throttle-scope": "Tenant_Application/WriteLimit/%s/%s" % (app_id, tenant_id),
            "x-ms-throttle-information": "WriteLimitExceeded",
        },
    )


def new_uti():
    return uuid.uuid4().hex[:22]
