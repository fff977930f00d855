# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection. Breaking changes can occur any time.

"""HTTP client for Microsoft Graph: one request path, one error type, bounded retries."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import json
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit

try:
    import requests

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by the import sanity test
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

COLLECTION_VERSION = "0.1.0"
USER_AGENT = "graphops.directory/%s" % COLLECTION_VERSION

RETRY_STATUSES = (429, 503, 504)
# Graph takes at most 20 requests in one $batch; a few batches in flight keep well under its throttling limits.
BATCH_SIZE = 20
BATCH_CONCURRENCY = 4
RETRY_AFTER_MIN = 1
UNSAFE_NOTE = (
    ". The request may or may not have taken effect and is not sent again, since repeating it is not safe; "
    "check the item's state before running the task again"
)
RETRY_AFTER_MAX = 60


class GraphError(Exception):
    """A failed call to Graph or the identity platform, with what support needs to trace it."""

    def __init__(self, message, status=None, error_code=None, request_id=None, client_request_id=None, kind="graph"):
        super(GraphError, self).__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.request_id = request_id
        self.client_request_id = client_request_id
        self.kind = kind
        # True when the request was sent again after its first answer was lost.
        self.resent = False
        self.details = []

    @property
    def not_found(self):
        """Graph's own 404: the object is not there. A 404 without Graph's error body is something else."""
        return self.status == 404 and bool(self.error_code)

    def to_result(self):
        """The fields a module adds to fail_json."""
        return dict(
            status=self.status,
            error_code=self.error_code,
            request_id=self.request_id,
            client_request_id=self.client_request_id,
            error_kind=self.kind,
        )

    def __str__(self):
        parts = [self.message]
        if self.status is not None:
            parts.append("HTTP %s" % self.status)
        if self.error_code:
            parts.append("error code %s" % self.error_code)
        if self.request_id:
            parts.append("request-id %s" % self.request_id)
        return " | ".join(parts)


class BatchAnswer:
    """One inner response of a $batch: status, decoded body, and the request-id that traces it."""

    def __init__(self, status, body, request_id, retry_after=None, client_request_id=None):
        self.status = status
        self.body = body if isinstance(body, dict) else {}
        self.request_id = request_id
        self.retry_after = retry_after
        # The client-request-id of the $batch request that carried it.
        self.client_request_id = client_request_id
        # True when the $batch was sent again after its first answer was lost.
        self.resent = False

    @property
    def not_found(self):
        error = self.body.get("error")
        return self.status == 404 and isinstance(error, dict) and bool(error.get("code"))

    @classmethod
    def from_error(cls, exc):
        """A failure raised for a request, as the answer to it: status, Graph's code, message and details."""
        error = {"code": exc.error_code, "message": exc.message, "details": exc.details}
        return cls(exc.status, {"error": error}, exc.request_id, client_request_id=exc.client_request_id)

    def error(self):
        """The inner failure as a GraphError, with Graph's code and message."""
        return error_from_body(self.status, self.body, {"request-id": self.request_id}, "HTTP %s" % self.status)


class GraphResponse:
    """What a caller needs from one Graph answer."""

    def __init__(self, status, body, headers, client_request_id, resent):
        self.status = status
        self.body = body
        self.request_id = headers.get("request-id")
        # The id this client sent, and whether the request was sent again after its first answer was lost.
        self.client_request_id = client_request_id
        self.resent = resent


def quote_segment(value):
    """One URL path segment: a value can never add a segment or a query."""
    quoted = quote(str(value), safe="")
    if quoted in (".", ".."):
        # Dot segments would be collapsed by URL normalization and move the request up the path.
        quoted = quoted.replace(".", "%2E")
    return quoted


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), or None."""
    if value is None:
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def retry_delay(attempt, retry_after=None):
    """How long to wait before retry number `attempt` (1-based): Retry-After wins, clamped."""
    if retry_after is not None:
        return min(RETRY_AFTER_MAX, max(RETRY_AFTER_MIN, retry_after))
    base = min(RETRY_AFTER_MAX, 2 ** (attempt - 1))
    return base / 2.0 + random.uniform(0, base / 2.0)


def error_from_body(status, body, headers, fallback):
    """Build a GraphError from Graph's error envelope, keeping code, message and request-id."""
    error = body.get("error") if isinstance(body, dict) else None
    code = None
    message = fallback
    inner = {}
    if isinstance(error, dict):
        code = error.get("code")
        message = error.get("message") or fallback
        inner = error.get("innerError") or error.get("innererror") or {}
    request_id = headers.get("request-id") or (inner.get("request-id") if isinstance(inner, dict) else None)
    client_request_id = headers.get("client-request-id") or (
        inner.get("client-request-id") if isinstance(inner, dict) else None
    )
    failure = GraphError(
        message, status=status, error_code=code, request_id=request_id, client_request_id=client_request_id
    )
    details = error.get("details") if isinstance(error, dict) else None
    # Graph's details name what conflicted, for example {"code": "ObjectConflict", "target": "userPrincipalName"}.
    failure.details = [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []
    return failure


def decode_body(response):
    """The JSON body, an empty dict when there is none, or None when it is not JSON."""
    if not response.content:
        return {}
    try:
        decoded = response.json()
    except ValueError:
        return None
    # Graph answers with a JSON object; anything else is not its answer.
    return decoded if isinstance(decoded, dict) else None


if HAS_REQUESTS:

    class VerifyingSession(requests.Session):
        """A Session that passes verify and timeout on every request.

        requests lets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE override Session.verify, so the CA chosen
        by the user is applied per request, where it wins over the environment.
        """

        @classmethod
        def for_settings(cls, settings):
            """The session a ConnectionSettings asks for: its CA, timeout and the hosts requests may go to."""
            return cls(verify=settings.verify, timeout=settings.timeout, allowed_origins=settings.allowed_origins)

        def __init__(self, verify=True, timeout=30, allowed_origins=None):
            super(VerifyingSession, self).__init__()
            self.ca_verify = verify
            self.default_timeout = timeout
            self.headers["User-Agent"] = USER_AGENT
            # Where requests may go at all: the sign-in endpoint and Graph. None allows any host.
            self.allowed_origins = allowed_origins
            # The last exchange, so that a failed sign-in can report its status and ids.
            self.last = {}

        def request(self, method, url, *args, **kwargs):
            if self.allowed_origins is not None:
                parts = urlsplit(url)
                origin = "%s://%s" % (parts.scheme.lower(), parts.netloc.lower())
                if origin not in self.allowed_origins:
                    raise GraphError(
                        "Refusing to send a request to %s: only %s are configured"
                        % (origin, " and ".join(sorted(self.allowed_origins))),
                        kind="foreign_host",
                    )
            kwargs.setdefault("verify", self.ca_verify)
            # Credentials never follow a redirect: not a secret in a token request, not a bearer token.
            kwargs["allow_redirects"] = False
            headers = dict(kwargs.get("headers") or {})
            if not any(name.lower() == "client-request-id" for name in headers):
                # Sign-in requests too carry an id that support can trace.
                headers["client-request-id"] = str(uuid.uuid4())
            kwargs["headers"] = headers
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = self.default_timeout
            self.last = {"client_request_id": next(v for k, v in headers.items() if k.lower() == "client-request-id")}
            try:
                response = super(VerifyingSession, self).request(method, url, *args, **kwargs)
            except OSError as exc:
                if isinstance(exc, requests.exceptions.RequestException):
                    raise
                # requests reports an unreadable CA bundle (ca_path, REQUESTS_CA_BUNDLE) as a bare OSError.
                raise requests.exceptions.SSLError("the CA bundle cannot be used: %s" % exc) from exc
            self.last.update(status=response.status_code, request_id=response.headers.get("x-ms-request-id"))
            if response.status_code >= 400:
                body = decode_body(response) or {}
                self.last["error_codes"] = body.get("error_codes") or []
            return response

else:
    # connect() fails with missing_required_lib before any session is made.
    VerifyingSession = None


def _origin_of(location):
    """Where a redirect points, without its path or query (which may carry tokens)."""
    if not location:
        return "nowhere"
    parts = urlsplit(location)
    return "%s://%s" % (parts.scheme, parts.netloc) if parts.netloc else "a path on the same host"


def requests_exceptions():
    """The exception class requests raises for transport failures."""
    return requests.exceptions.RequestException


def transport_error(exc, url):
    """Name a TLS, proxy, timeout or connection failure for what it is."""
    target = "%s://%s" % urlsplit(url)[:2]
    if isinstance(exc, requests.exceptions.SSLError):
        return GraphError(
            "TLS verification failed for %s: %s. Set ca_path to the CA bundle that signs this endpoint."
            % (target, exc),
            kind="tls",
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        return GraphError("The proxy refused or failed the connection to %s: %s" % (target, exc), kind="proxy")
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return GraphError("The answer from %s was cut off: %s" % (target, exc), kind="connection")
    if isinstance(exc, requests.exceptions.Timeout):
        return GraphError("No answer from %s within the timeout: %s" % (target, exc), kind="timeout")
    return GraphError("Could not connect to %s: %s" % (target, exc), kind="connection")


class GraphClient:
    """Sends Graph requests with a bearer token from a credential."""

    def __init__(self, settings, credential, session, log=None, max_retries=5, sleep=time.sleep):
        self.settings = settings
        self.credential = credential
        self.session = session
        self.log = log or (lambda message: None)
        self.max_retries = max_retries
        self.sleep = sleep
        self.request_count = 0
        self._gate_lock = threading.Lock()
        self._gate_until = 0.0
        self._gate_owner = None
        # Requests Graph answered with anything but a throttle, across threads.
        self.progress = 0
        base = urlsplit(settings.graph_endpoint)
        self._origin = (base.scheme, base.netloc.lower())

    def url(self, path):
        return "%s/%s%s" % (self.settings.graph_endpoint, self.settings.api_version, path)

    def _check_origin(self, url):
        # A bearer token only ever goes to the configured Graph host.
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc.lower()) != self._origin:
            raise GraphError(
                "Refusing to follow a link to %s://%s: it is not the configured graph_endpoint %s"
                % (parts.scheme, parts.netloc, self.settings.graph_endpoint),
                kind="foreign_host",
            )

    def request(self, method, path=None, url=None, params=None, body=None, headers=None, ok=(200, 201, 204), safe=None):
        """Send one request; return a GraphResponse for a status in `ok`, raise GraphError for any other.

        Throttled and unavailable answers (429, 503, 504) are retried after their Retry-After. A lost
        answer (a reset connection, a read timeout, a truncated or non-JSON body) is retried only when the
        request is safe to send again: `safe`, by default a GET or a DELETE. An expired token is renewed once.
        """
        url = url or self.url(path)
        self._check_origin(url)
        target = "%s %s" % (method, path or urlsplit(url).path)
        if safe is None:
            safe = method in ("GET", "DELETE")
        refreshed = False
        resent = False
        attempt = 0
        while True:
            attempt += 1
            self._pass_gate()
            client_request_id = str(uuid.uuid4())
            token = self.credential.get_token()
            send_headers = {
                "Accept": "application/json",
                "client-request-id": client_request_id,
                "Authorization": "Bearer %s" % token,
            }
            if body is not None:
                send_headers["Content-Type"] = "application/json"
            send_headers.update(headers or {})
            self.request_count += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=json.dumps(body) if body is not None else None,
                    headers=send_headers,
                )
                status = response.status_code
                decoded = decode_body(response)
            except requests.exceptions.RequestException as exc:
                error = transport_error(exc, url)
                error.client_request_id = client_request_id
                if safe and error.kind in ("connection", "timeout") and attempt <= self.max_retries:
                    self._wait(attempt, None, "%s got no answer (%s)" % (target, error.kind))
                    resent = True
                    continue
                if not safe and error.kind in ("connection", "timeout"):
                    error.message += UNSAFE_NOTE
                raise error from exc

            resp_headers = response.headers
            if status in ok and decoded is not None:
                return GraphResponse(status, decoded, resp_headers, client_request_id, resent)

            if 300 <= status < 400:
                raise GraphError(
                    "Graph answered %s with a redirect to %s, which is not followed"
                    % (target, _origin_of(resp_headers.get("Location"))),
                    status=status,
                    request_id=resp_headers.get("request-id"),
                    client_request_id=client_request_id,
                    kind="redirect",
                )

            error = error_from_body(
                status, decoded or {}, resp_headers, "Graph answered %s with HTTP %s" % (target, status)
            )
            # The id this request was sent with, also when a gateway answered and nothing echoed it.
            error.client_request_id = client_request_id
            error.resent = resent
            if status == 404 and not error.error_code:
                error.message = (
                    "%s answered HTTP 404 without Graph's error body: graph_endpoint may not point at Microsoft "
                    "Graph, or a proxy answered instead" % target
                )
                error.kind = "not_graph"
            if decoded is None and status not in RETRY_STATUSES and error.kind != "not_graph":
                # Not Graph's own answer: a gateway's page or a cut-off body.
                error.message = "Graph answered %s with HTTP %s and a body that is not JSON" % (target, status)
                if not safe:
                    error.message += UNSAFE_NOTE
                if safe and attempt <= self.max_retries:
                    self._wait(attempt, None, error.message)
                    resent = True
                    continue
                raise error

            if status == 401 and "audience" in (error.message or "").lower():
                error.message += (
                    ". The token was issued for another Graph than %s: cloud, authority_host and graph_endpoint "
                    "must name one cloud" % self.settings.graph_endpoint
                )
                raise error
            if status == 401 and not refreshed and self.credential.can_refresh:
                refreshed = True
                self.log("Graph refused the token (%s); requesting a new one" % (error.error_code or status))
                self.credential.get_token(force_refresh=True, stale=token)
                continue

            if status in (503, 504) and not safe:
                # A 503 or 504 may come after Graph acted; only a safe request is sent again.
                error.message += UNSAFE_NOTE
                raise error
            if status in RETRY_STATUSES and attempt <= self.max_retries:
                # A 503 or 504 may come after Graph acted; a 429 means it did not.
                resent = resent or status != 429
                self._wait(
                    attempt,
                    parse_retry_after(resp_headers.get("Retry-After")),
                    "Graph answered %s with HTTP %s (request-id %s)" % (target, status, error.request_id),
                )
                continue

            if status in RETRY_STATUSES:
                error.message = "%s (gave up after %d retries)" % (error.message, self.max_retries)
            raise error

    def _wait(self, attempt, retry_after, why):
        wait = retry_delay(attempt, retry_after)
        self.log("%s; retry %d of %d in %.1f s" % (why, attempt, self.max_retries, wait))
        if retry_after is not None:
            # Graph throttles the app, not the request: every thread holds off until Retry-After has passed.
            with self._gate_lock:
                until = time.monotonic() + wait
                if until > self._gate_until:
                    self._gate_until, self._gate_owner = until, threading.current_thread().ident
        self.sleep(wait)

    def _pass_gate(self):
        """Wait out a Retry-After that another thread was given; the thread that was given it waits in _wait."""
        with self._gate_lock:
            pause = self._gate_until - time.monotonic()
            own = self._gate_owner == threading.current_thread().ident
        if pause > 0 and not own:
            self.sleep(pause)

    def get_optional(self, path, params=None):
        """GET that returns None on 404 instead of raising."""
        try:
            return self.request("GET", path, params=params)
        except GraphError as exc:
            if exc.not_found:
                return None
            raise

    def iterate(self, path, params=None, headers=None):
        """Yield every item of a collection, following each @odata.nextLink as given."""
        response = self.request("GET", path, params=params, headers=headers)
        while True:
            yield from response.body.get("value", [])
            next_link = response.body.get("@odata.nextLink")
            if not next_link:
                return
            response = self.request("GET", url=next_link, headers=headers)

    def batch(self, calls, concurrency=BATCH_CONCURRENCY):
        """Send calls through POST /$batch, 20 to a batch, a few batches in flight; return {id: BatchAnswer}.

        Each call is a dict with id, method, url (relative to the version root) and an optional body.
        Inner 429, 503 and 504 answers are sent again after their Retry-After, at most max_retries times;
        what is still throttled then is returned as it was last answered. A batch that fails as a whole
        answers each of its calls with that failure.
        """
        starts = range(0, len(calls), BATCH_SIZE)
        chunks = [calls[start:][:BATCH_SIZE] for start in starts]
        answers = {}
        lock = threading.Lock()

        def run(chunk):
            result = self._batch_chunk(chunk)
            with lock:
                answers.update(result)

        if len(chunks) <= 1 or concurrency <= 1:
            for chunk in chunks:
                run(chunk)
        else:
            # Take the token once before the threads start, so they share it.
            self.credential.get_token()
            with ThreadPoolExecutor(max_workers=min(concurrency, len(chunks))) as pool:
                for future in [pool.submit(run, chunk) for chunk in chunks]:
                    future.result()
        return answers

    def _batch_chunk(self, chunk):
        pending = list(chunk)
        answers = {}
        stalled = 0
        attempt = 0
        renewed = False
        maybe_done = set()
        while pending:
            attempt += 1
            progress_before = self.progress
            payload = {"requests": [self._batch_request(call) for call in pending]}
            # A batch of reads and deletes may be sent again when its answer is lost; one that restores may not.
            safe = all(call["method"] in ("GET", "DELETE") for call in pending)
            token = self.credential.get_token()
            try:
                response = self.request("POST", "/$batch", body=payload, ok=(200,), safe=safe)
            except GraphError as exc:
                for call in pending:
                    answers[call["id"]] = BatchAnswer.from_error(exc)
                return answers
            by_id = self._inner_answers(response)
            retry = []
            expired = []
            for call in pending:
                answer = by_id.get(call["id"])
                if answer is None:
                    answer = BatchAnswer(None, {"error": {"message": "no answer in the $batch response"}}, None)
                answers[call["id"]] = answer
                if call["id"] in maybe_done:
                    answer.resent = True
                if answer.status in (503, 504):
                    # Graph may have acted before it answered so; a later 404 is then this task's own doing.
                    maybe_done.add(call["id"])
                if answer.status == 429 or (answer.status in (503, 504) and call["method"] in ("GET", "DELETE")):
                    retry.append(call)
                elif answer.status == 401 and self.credential.can_refresh and not renewed:
                    expired.append(call)
            if expired:
                renewed = True
                self.log("Graph refused the token for %d requests in a $batch; requesting a new one" % len(expired))
                self.credential.get_token(force_refresh=True, stale=token)
            got_through = len(pending) - len(retry) - len(expired)
            if got_through:
                with self._gate_lock:
                    self.progress += got_through
            # The cap counts retries in a row during which Graph let nothing of this client through, so a long
            # run under a write quota that lets some requests through still finishes.
            stalled = stalled + 1 if attempt > 1 and self.progress == progress_before else 0
            if retry and stalled >= self.max_retries:
                break
            if retry:
                waits = [answers[c["id"]].retry_after for c in retry if answers[c["id"]].retry_after is not None]
                self._wait(
                    max(1, stalled),
                    max(waits) if waits else None,
                    "Graph throttled %d of %d requests in a $batch (HTTP %s)"
                    % (len(retry), len(pending), answers[retry[0]["id"]].status),
                )
            pending = retry + expired
        return answers

    def _inner_answers(self, response):
        by_id = {}
        for inner in response.body.get("responses") or []:
            headers = dict((k.lower(), v) for k, v in (inner.get("headers") or {}).items())
            body = inner.get("body")
            request_id = response.request_id
            if isinstance(body, dict) and "error" in body:
                request_id = error_from_body(None, body, {}, "").request_id or request_id
            answer = BatchAnswer(
                inner.get("status"),
                body,
                request_id,
                parse_retry_after(headers.get("retry-after")),
                response.client_request_id,
            )
            answer.resent = response.resent
            by_id[str(inner.get("id"))] = answer
        return by_id

    @staticmethod
    def _batch_request(call):
        inner = {"id": call["id"], "method": call["method"], "url": call["url"]}
        if call.get("body") is not None:
            inner["body"] = call["body"]
            inner["headers"] = {"Content-Type": "application/json"}
        return inner
