# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import pathlib
import uuid
from urllib.parse import unquote, urlsplit

import pytest
import requests
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from ansible_collections.graphops.directory.plugins.module_utils import _graph
from ansible_collections.graphops.directory.plugins.module_utils._graph import (
    BatchAnswer,
    GraphError,
    VerifyingSession,
    decode_body,
    error_from_body,
    parse_retry_after,
    quote_segment,
    retry_delay,
)

GRAPH = "https://graph.example.test"
ITEMS = GRAPH + "/v1.0/directory/deletedItems/microsoft.graph.user"
ITEM = GRAPH + "/v1.0/directory/deletedItems/6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11"
ITEM_PATH = "/directory/deletedItems/6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11"
GALAXY = pathlib.Path(__file__).resolve().parents[4] / "galaxy.yml"


# --- Retry-After and backoff -----------------------------------------------------------------


@pytest.mark.parametrize(
    "header, seconds",
    [("5", 5.0), (" 12 ", 12.0), ("0", 0.0), ("1.5", 1.5), ("-3", 0.0), (None, None), ("", None), ("soon", None)],
)
def test_retry_after_in_seconds_or_garbage(header, seconds):
    assert parse_retry_after(header) == seconds


def test_retry_after_as_an_http_date():
    now = 1700000000.0

    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) == 30.0
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0


@given(st.integers(min_value=0, max_value=10**6))
def test_any_whole_number_of_seconds_is_read_back(seconds):
    assert parse_retry_after(str(seconds)) == seconds


@given(st.integers(min_value=0, max_value=7 * 86400))
def test_any_http_date_ahead_is_read_as_the_seconds_until_then(ahead):
    now = 1700000000.0

    assert parse_retry_after(email.utils.formatdate(now + ahead, usegmt=True), now=now) == ahead


@pytest.mark.parametrize("retry_after, wait", [(0, 1), (0.2, 1), (1, 1), (7, 7), (60, 60), (3600, 60)])
def test_retry_after_is_clamped_to_one_to_sixty_seconds(retry_after, wait):
    assert retry_delay(1, retry_after) == wait


@given(st.integers(min_value=1, max_value=30), st.floats(min_value=0, max_value=1e9))
def test_retry_after_wins_over_backoff_within_the_clamp(attempt, retry_after):
    assert retry_delay(attempt, retry_after) == min(60, max(1, retry_after))


@given(st.integers(min_value=1, max_value=200))
def test_backoff_doubles_per_attempt_with_jitter_and_a_sixty_second_cap(attempt):
    base = min(60, 2 ** (attempt - 1))

    assert base / 2.0 <= retry_delay(attempt) <= base


def test_backoff_jitter_spans_the_upper_half_of_the_base(monkeypatch):
    monkeypatch.setattr(_graph.random, "uniform", lambda low, high: low)
    assert [retry_delay(attempt) for attempt in (1, 2, 3, 8)] == [0.5, 1.0, 2.0, 30.0]

    monkeypatch.setattr(_graph.random, "uniform", lambda low, high: high)
    assert [retry_delay(attempt) for attempt in (1, 2, 3, 8)] == [1.0, 2.0, 4.0, 60.0]


def test_backoff_is_jittered():
    assert len(set(retry_delay(5) for dummy in range(50))) > 1


# --- errors ----------------------------------------------------------------------------------


def test_error_envelope_keeps_status_code_message_and_request_ids():
    body = {
        "error": {
            "code": "Authorization_RequestDenied",
            "message": "Insufficient privileges to complete the operation.",
            "innerError": {"request-id": "inner-request", "client-request-id": "inner-client"},
        }
    }

    error = error_from_body(403, body, {"request-id": "header-request"}, "fallback")

    assert error.status == 403
    assert error.error_code == "Authorization_RequestDenied"
    assert error.message == "Insufficient privileges to complete the operation."
    assert error.request_id == "header-request"
    assert error.client_request_id == "inner-client"
    assert error.kind == "graph"


@pytest.mark.parametrize("inner_key", ["innerError", "innererror"])
def test_error_request_id_comes_from_the_inner_error_without_a_header(inner_key):
    body = {"error": {"code": "Request_ResourceNotFound", "message": "gone", inner_key: {"request-id": "inner"}}}

    assert error_from_body(404, body, {}, "fallback").request_id == "inner"


@pytest.mark.parametrize("body", [None, [], "upstream error", {"error": "text"}, {"error": {"code": "Busy"}}])
def test_an_error_body_without_a_message_keeps_the_fallback(body):
    error = error_from_body(502, body, {"request-id": "r-1"}, "Graph answered GET /x with HTTP 502")

    assert error.message == "Graph answered GET /x with HTTP 502"
    assert error.status == 502
    assert error.request_id == "r-1"


def test_graph_error_text_carries_status_code_and_request_id():
    error = GraphError(
        "Insufficient privileges", status=403, error_code="Authorization_RequestDenied", request_id="r-9"
    )

    text = str(error)
    assert "Insufficient privileges" in text
    assert "HTTP 403" in text
    assert "Authorization_RequestDenied" in text
    assert "r-9" in text
    assert error.to_result() == dict(
        status=403,
        error_code="Authorization_RequestDenied",
        request_id="r-9",
        client_request_id=None,
        error_kind="graph",
    )


def test_graph_error_text_without_details_is_the_message():
    assert str(GraphError("Could not connect")) == "Could not connect"


@pytest.mark.parametrize(
    "status, code, not_found",
    [(404, "Request_ResourceNotFound", True), (404, None, False), (403, "Authorization_RequestDenied", False)],
)
def test_only_graph_own_404_means_not_found(status, code, not_found):
    assert GraphError("x", status=status, error_code=code).not_found is not_found


@pytest.mark.parametrize(
    "status, body, not_found",
    [
        (404, {"error": {"code": "Request_ResourceNotFound", "message": "gone"}}, True),
        (404, {}, False),
        (404, None, False),
        (404, {"error": "Not Found"}, False),
        (404, {"error": {"message": "Not Found"}}, False),
        (400, {"error": {"code": "Request_BadRequest", "message": "bad"}}, False),
    ],
)
def test_an_inner_404_means_not_found_only_with_graph_error_envelope(status, body, not_found):
    assert BatchAnswer(status, body, "r-1").not_found is not_found


def scripted_response(content):
    response = requests.Response()
    response._content = content
    response.encoding = "utf-8"
    return response


@pytest.mark.parametrize(
    "content, decoded",
    [
        (b"", {}),
        (b"{}", {}),
        (b'{"id": "x"}', {"id": "x"}),
        (b"[]", None),
        (b'[{"id": "x"}]', None),
        (b'"Not Found"', None),
        (b"404", None),
        (b"null", None),
        (b"<html>Not Found</html>", None),
    ],
)
def test_only_a_json_object_is_read_as_an_answer(content, decoded):
    assert decode_body(scripted_response(content)) == decoded


# --- the session: CA, timeout and User-Agent on every request --------------------------------


@pytest.fixture
def machine_bundle(monkeypatch, tmp_path):
    """The machine points requests at its own CA bundle, as CI machines do."""
    bundle = str(tmp_path / "machine-bundle.pem")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", bundle)
    monkeypatch.setenv("CURL_CA_BUNDLE", bundle)
    return bundle


def test_the_ca_of_the_task_wins_over_requests_ca_bundle(transport, machine_bundle, tmp_path):
    ca = str(tmp_path / "private-ca.pem")
    transport.add("GET", ITEMS)
    session = transport.mount(VerifyingSession(verify=ca, timeout=30))

    session.get(ITEMS)

    assert transport.calls[0].kwargs["verify"] == ca


def test_validate_certs_false_wins_over_requests_ca_bundle(transport, machine_bundle):
    transport.add("GET", ITEMS)
    session = transport.mount(VerifyingSession(verify=False, timeout=30))

    session.get(ITEMS)

    assert transport.calls[0].kwargs["verify"] is False


def test_without_a_ca_path_the_machine_bundle_applies(transport, machine_bundle):
    transport.add("GET", ITEMS)
    session = transport.mount(VerifyingSession(verify=True, timeout=30))

    session.get(ITEMS)

    assert transport.calls[0].kwargs["verify"] == machine_bundle


def test_every_request_gets_the_timeout_unless_it_sets_one(transport):
    transport.add("GET", ITEMS)
    session = transport.mount(VerifyingSession(verify=True, timeout=12))

    session.get(ITEMS)
    session.get(ITEMS, timeout=3)

    assert [call.kwargs["timeout"] for call in transport.calls] == [12, 3]


def test_a_request_to_a_host_that_is_not_allowed_is_refused_before_it_is_sent(transport):
    session = transport.mount(VerifyingSession(allowed_origins={GRAPH, "https://login.example.test"}))

    for url in (
        "https://attacker.example.test/collect",
        "http://graph.example.test/v1.0/directory/deletedItems",
        "https://graph.example.test:8443/v1.0/directory/deletedItems",
        "https://graph.example.test.attacker.example.test/v1.0",
    ):
        with pytest.raises(GraphError) as caught:
            session.post(url, data="client_secret=s3")
        assert caught.value.kind == "foreign_host"
        assert "Refusing to send a request to %s://%s:" % urlsplit(url)[:2] in str(caught.value)

    assert transport.calls == []


def test_an_allowed_host_is_matched_without_regard_to_case(transport):
    transport.add("GET", ITEMS)
    session = transport.mount(VerifyingSession(allowed_origins={GRAPH}))

    session.get(ITEMS.replace("https://graph.example.test", "HTTPS://Graph.Example.TEST"))

    assert len(transport.calls) == 1


def test_a_redirect_is_never_followed_even_when_asked(transport):
    transport.add("GET", ITEMS, status=302, headers={"Location": "https://attacker.example.test/collect"})
    session = transport.mount(VerifyingSession())

    response = session.get(ITEMS, allow_redirects=True)

    assert response.status_code == 302
    assert [call.url for call in transport.calls] == [ITEMS]


def test_every_request_carries_a_client_request_id_and_keeps_one_it_was_given(transport):
    transport.add("GET", ITEMS)
    session = transport.mount(VerifyingSession())

    session.get(ITEMS)
    session.get(ITEMS, headers={"Client-Request-Id": "given-id"})

    first, second = transport.calls
    assert uuid.UUID(first.headers["client-request-id"]).version == 4
    assert second.headers["client-request-id"] == "given-id"
    assert session.last["client_request_id"] == "given-id"


def test_the_session_remembers_the_status_and_ids_of_the_last_exchange(transport):
    refusal = {"error": "invalid_client", "error_codes": [7000215, 7000222]}
    transport.add("POST", ITEMS, status=401, body=refusal, headers={"x-ms-request-id": "answer-1"})
    transport.add("GET", ITEMS, status=200, body={"error_codes": [1]}, headers={"x-ms-request-id": "answer-2"})
    session = transport.mount(VerifyingSession())

    session.post(ITEMS)
    assert session.last == dict(
        status=401,
        request_id="answer-1",
        client_request_id=transport.calls[0].headers["client-request-id"],
        error_codes=[7000215, 7000222],
    )

    session.get(ITEMS)
    assert session.last == dict(
        status=200, request_id="answer-2", client_request_id=transport.calls[1].headers["client-request-id"]
    )


def test_a_failure_that_is_not_json_leaves_no_error_codes(transport):
    transport.add("GET", ITEMS, status=502, text="<html>Bad Gateway</html>")
    session = transport.mount(VerifyingSession())

    session.get(ITEMS)

    assert session.last["status"] == 502
    assert session.last["error_codes"] == []


def test_an_unreadable_ca_bundle_is_reported_as_a_tls_failure(transport):
    # requests raises a bare OSError when the CA bundle it is given cannot be found or read.
    transport.add("GET", ITEMS, raises=OSError("Could not find a suitable TLS CA certificate bundle: /gone/ca.pem"))
    session = transport.mount(VerifyingSession(verify="/gone/ca.pem"))

    with pytest.raises(requests.exceptions.SSLError) as caught:
        session.get(ITEMS)

    assert "CA bundle cannot be used" in str(caught.value)
    assert "/gone/ca.pem" in str(caught.value)


def test_an_unreadable_ca_bundle_fails_a_graph_request_naming_ca_path(transport, graph):
    transport.add("GET", ITEM, raises=OSError("Could not find a suitable TLS CA certificate bundle: /gone/ca.pem"))
    harness = graph()

    with pytest.raises(GraphError) as caught:
        harness.client.request("GET", ITEM_PATH)

    assert caught.value.kind == "tls"
    assert "ca_path" in str(caught.value)
    assert len(transport.calls) == 1


def test_user_agent_names_the_collection_and_its_version(transport, graph):
    version = yaml.safe_load(GALAXY.read_text())["version"]
    transport.add("GET", ITEM, body={"id": "x"})

    graph().client.request("GET", ITEM_PATH)

    assert transport.calls[0].headers["User-Agent"] == "graphops.directory/%s" % version


# --- GraphClient -----------------------------------------------------------------------------


def test_a_request_carries_the_token_and_returns_body_and_request_id(transport, graph):
    transport.add("GET", ITEM, body={"id": "x", "displayName": "Adele"}, headers={"request-id": "req-1"})

    response = graph().client.request("GET", ITEM_PATH)

    assert response.status == 200
    assert response.body == {"id": "x", "displayName": "Adele"}
    assert response.request_id == "req-1"
    call = transport.calls[0]
    assert call.url == ITEM
    assert call.headers["Authorization"] == "Bearer token-1"
    assert call.headers["Accept"] == "application/json"
    assert uuid.UUID(call.headers["client-request-id"]).version == 4


def test_api_version_is_part_of_every_url(transport, graph):
    transport.add("GET", GRAPH + "/beta" + ITEM_PATH, body={})

    graph(api_version="beta").client.request("GET", ITEM_PATH)

    assert transport.calls[0].path == "/beta" + ITEM_PATH


def test_a_body_is_sent_as_json(transport, graph):
    url = ITEM + "/restore"
    transport.add("POST", url, body={"id": "x"})

    graph().client.request("POST", ITEM_PATH + "/restore", body={"autoReconcileProxyConflict": True})

    assert transport.calls[0].headers["Content-Type"] == "application/json"
    assert transport.calls[0].body == '{"autoReconcileProxyConflict": true}'


def test_a_no_content_answer_has_an_empty_body(transport, graph):
    transport.add("DELETE", ITEM, status=204)

    response = graph().client.request("DELETE", ITEM_PATH, ok=(204,))

    assert response.status == 204
    assert response.body == {}


def test_a_success_that_is_not_json_is_an_error(transport, graph):
    transport.add("GET", ITEM, text="<html>proxy login</html>", headers={"Content-Type": "text/html"})

    with pytest.raises(GraphError) as caught:
        graph().client.request("GET", ITEM_PATH)

    assert caught.value.status == 200
    assert "not JSON" in str(caught.value)


def test_each_request_and_each_retry_has_a_fresh_client_request_id(transport, graph):
    transport.add("GET", ITEM, status=503, headers={"Retry-After": "1"})
    transport.add("GET", ITEM, status=503, headers={"Retry-After": "1"})
    transport.add("GET", ITEM, body={})
    client = graph().client

    client.request("GET", ITEM_PATH)
    client.request("GET", ITEM_PATH)

    ids = [call.headers["client-request-id"] for call in transport.calls]
    assert len(ids) == 4
    assert len(set(ids)) == 4
    assert all(uuid.UUID(value).version == 4 for value in ids)


@pytest.mark.parametrize("status", [429, 503, 504])
def test_throttling_and_unavailability_are_retried_after_retry_after(transport, graph, status):
    transport.add_error("GET", ITEM, status, "TooManyRequests", headers={"Retry-After": "7", "request-id": "r-1"})
    transport.add("GET", ITEM, body={"id": "x"})
    harness = graph()

    response = harness.client.request("GET", ITEM_PATH)

    assert response.body == {"id": "x"}
    assert len(transport.calls) == 2
    assert harness.sleeps == [7]
    assert len(harness.logged) == 1
    assert "HTTP %d" % status in harness.logged[0]
    assert "r-1" in harness.logged[0]


def test_retry_after_as_a_date_is_honoured(transport, graph, monkeypatch):
    now = 1700000000.0
    monkeypatch.setattr(_graph.time, "time", lambda: now)
    transport.add("GET", ITEM, status=429, headers={"Retry-After": email.utils.formatdate(now + 20, usegmt=True)})
    transport.add("GET", ITEM, body={})
    harness = graph()

    harness.client.request("GET", ITEM_PATH)

    assert harness.sleeps == [20]


def test_a_long_retry_after_is_capped(transport, graph):
    transport.add("GET", ITEM, status=429, headers={"Retry-After": "3600"})
    transport.add("GET", ITEM, body={})
    harness = graph()

    harness.client.request("GET", ITEM_PATH)

    assert harness.sleeps == [60]


def test_without_retry_after_the_client_backs_off(transport, graph):
    transport.add("GET", ITEM, status=503)
    transport.add("GET", ITEM, status=503)
    transport.add("GET", ITEM, status=503)
    transport.add("GET", ITEM, body={})
    harness = graph()

    harness.client.request("GET", ITEM_PATH)

    assert len(harness.sleeps) == 3
    for attempt, wait in enumerate(harness.sleeps, start=1):
        assert 2 ** (attempt - 1) / 2.0 <= wait <= 2 ** (attempt - 1)


def test_the_client_gives_up_after_max_retries(transport, graph):
    transport.add_error("GET", ITEM, 429, "TooManyRequests", "Too many requests", headers={"Retry-After": "2"})
    harness = graph(max_retries=3)

    with pytest.raises(GraphError) as caught:
        harness.client.request("GET", ITEM_PATH)

    assert len(transport.calls) == 4
    assert harness.sleeps == [2, 2, 2]
    assert caught.value.status == 429
    assert caught.value.error_code == "TooManyRequests"


@pytest.mark.parametrize("status", [400, 403, 404, 409, 500, 502])
def test_other_failures_are_not_retried(transport, graph, status):
    transport.add_error("GET", ITEM, status, "SomeCode", headers={"request-id": "r-5"})
    harness = graph()

    with pytest.raises(GraphError) as caught:
        harness.client.request("GET", ITEM_PATH)

    assert len(transport.calls) == 1
    assert harness.sleeps == []
    assert (caught.value.status, caught.value.error_code, caught.value.request_id) == (status, "SomeCode", "r-5")


def test_a_refused_token_is_refreshed_once(transport, graph):
    transport.add_error("GET", ITEM, 401, "InvalidAuthenticationToken", "Access token has expired.")
    transport.add("GET", ITEM, body={"id": "x"})
    harness = graph()

    assert harness.client.request("GET", ITEM_PATH).body == {"id": "x"}

    assert [call.headers["Authorization"] for call in transport.calls] == ["Bearer token-1", "Bearer token-2"]
    assert harness.credential.refreshes == 1
    assert "InvalidAuthenticationToken" in harness.logged[0]


def test_a_token_refused_twice_fails(transport, graph):
    transport.add_error("GET", ITEM, 401, "InvalidAuthenticationToken", "Access token validation failure.")
    harness = graph()

    with pytest.raises(GraphError) as caught:
        harness.client.request("GET", ITEM_PATH)

    assert caught.value.status == 401
    assert len(transport.calls) == 2
    assert harness.credential.refreshes == 1


def test_a_given_access_token_is_not_refreshed(transport, graph):
    transport.add_error("GET", ITEM, 401, "InvalidAuthenticationToken")
    harness = graph(can_refresh=False)

    with pytest.raises(GraphError):
        harness.client.request("GET", ITEM_PATH)

    assert len(transport.calls) == 1
    assert harness.credential.refreshes == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example.test/v1.0/directory/deletedItems",
        "http://graph.example.test/v1.0/directory/deletedItems",
        "https://graph.example.test:8443/v1.0/directory/deletedItems",
        "https://graph.example.test@attacker.example.test/v1.0/directory/deletedItems",
        "https://graph.example.test.attacker.example.test/v1.0/directory/deletedItems",
    ],
)
def test_a_url_to_another_host_is_refused_before_anything_is_sent(transport, graph, url):
    harness = graph()

    with pytest.raises(GraphError) as caught:
        harness.client.request("GET", url=url)

    assert caught.value.kind == "foreign_host"
    assert GRAPH in str(caught.value)
    assert transport.calls == []
    assert harness.credential.issued == 0


def test_the_graph_host_is_matched_without_regard_to_case(transport, graph):
    transport.add("GET", ITEM, body={})

    graph().client.request("GET", url=ITEM.replace("graph.example.test", "GRAPH.Example.TEST"))

    assert len(transport.calls) == 1


def test_iterate_follows_every_next_link(transport, graph):
    first = {"value": [{"id": "a"}, {"id": "b"}], "@odata.nextLink": ITEMS + "?$skiptoken=page2"}
    second = {"value": [{"id": "c"}], "@odata.nextLink": ITEMS + "?$skiptoken=page3"}
    third = {"value": [{"id": "d"}]}
    for page in (first, second, third):
        transport.add("GET", ITEMS, body=page)
    headers = {"ConsistencyLevel": "eventual"}

    items = list(graph().client.iterate("/directory/deletedItems/microsoft.graph.user", {"$top": 2}, headers))

    assert [item["id"] for item in items] == ["a", "b", "c", "d"]
    assert [call.query for call in transport.calls] == [
        {"$top": ["2"]},
        {"$skiptoken": ["page2"]},
        {"$skiptoken": ["page3"]},
    ]
    assert all(call.headers["ConsistencyLevel"] == "eventual" for call in transport.calls)


def test_iterate_refuses_a_next_link_to_another_host(transport, graph):
    stolen = "https://attacker.example.test/v1.0/directory/deletedItems?$skiptoken=x"
    transport.add("GET", ITEMS, body={"value": [{"id": "a"}], "@odata.nextLink": stolen})
    seen = []

    with pytest.raises(GraphError) as caught:
        for item in graph().client.iterate("/directory/deletedItems/microsoft.graph.user"):
            seen.append(item["id"])

    assert caught.value.kind == "foreign_host"
    assert seen == ["a"]
    assert [call.origin for call in transport.calls] == [GRAPH]


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed(transport, graph, status):
    transport.add("GET", ITEM, status=status, headers={"Location": GRAPH + "/v1.0/elsewhere", "request-id": "r-3"})

    with pytest.raises(GraphError) as caught:
        graph().client.request("GET", ITEM_PATH)

    assert caught.value.kind == "redirect"
    assert caught.value.status == status
    assert caught.value.request_id == "r-3"
    assert len(transport.calls) == 1


@pytest.mark.parametrize(
    "failure, kind",
    [
        (requests.exceptions.SSLError("certificate verify failed"), "tls"),
        (requests.exceptions.ProxyError("407 Proxy Authentication Required"), "proxy"),
        (requests.exceptions.ConnectTimeout("connect timed out"), "timeout"),
        (requests.exceptions.ReadTimeout("read timed out"), "timeout"),
        (requests.exceptions.ConnectionError("connection refused"), "connection"),
    ],
)
def test_transport_failures_are_named_for_what_they_are(transport, graph, failure, kind):
    transport.add("POST", ITEM, raises=failure)

    with pytest.raises(GraphError) as caught:
        graph().client.request("POST", ITEM_PATH, body={})

    assert caught.value.kind == kind
    assert GRAPH in str(caught.value)
    assert "token-1" not in str(caught.value)
    assert len(transport.calls) == 1


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectionError("connection reset by peer"),
        requests.exceptions.ChunkedEncodingError("connection broken: IncompleteRead"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_lost_answer_to_a_safe_request_is_sent_again(transport, graph, failure, method):
    transport.add(method, ITEM, raises=failure)
    transport.add(method, ITEM, status=200, body={"id": "x"})
    harness = graph()

    answer = harness.client.request(method, ITEM_PATH)

    assert answer.body == {"id": "x"} and answer.resent is True
    assert len(transport.calls) == 2
    assert len(harness.sleeps) == 1 and "retry 1 of" in harness.logged[0]


def test_a_lost_answer_is_retried_at_most_max_retries_times(transport, graph):
    transport.add("GET", ITEM, raises=requests.exceptions.ConnectionError("connection reset by peer"))
    harness = graph()

    with pytest.raises(GraphError) as caught:
        harness.client.request("GET", ITEM_PATH)

    assert caught.value.kind == "connection"
    assert len(transport.calls) == harness.client.max_retries + 1


def test_a_lost_answer_to_an_unsafe_request_is_not_sent_again_and_says_so(transport, graph):
    transport.add("POST", ITEM, raises=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(GraphError) as caught:
        graph().client.request("POST", ITEM_PATH, body={})

    assert len(transport.calls) == 1
    assert "not sent again" in caught.value.message


def test_a_body_that_is_not_json_is_fetched_again_when_safe(transport, graph):
    transport.add("GET", ITEM, status=200, text="<html>Bad gateway</html>", headers={"Content-Type": "text/html"})
    transport.add("GET", ITEM, status=200, body={"id": "x"})

    assert graph().client.request("GET", ITEM_PATH).body == {"id": "x"}
    assert len(transport.calls) == 2


@pytest.mark.parametrize(
    "answer",
    [
        dict(status=502, text="<html>Bad Gateway</html>", headers={"Content-Type": "text/html"}),
        dict(status=403, body={"error": {"code": "Authorization_RequestDenied", "message": "Insufficient"}}),
        dict(status=302, headers={"Location": GRAPH + "/v1.0/elsewhere"}),
        dict(raises=requests.exceptions.ReadTimeout("read timed out")),
    ],
)
def test_a_failure_carries_the_client_request_id_it_was_sent_with(transport, graph, answer):
    transport.add("GET", ITEM, **answer)

    with pytest.raises(GraphError) as caught:
        graph().client.request("GET", ITEM_PATH)

    assert caught.value.client_request_id == transport.calls[-1].headers["client-request-id"]


@pytest.mark.parametrize(
    "answer",
    [
        dict(status=404),
        dict(status=404, body={"message": "Not Found"}),
        dict(status=404, body={"error": {"message": "no such route"}}),
    ],
)
def test_a_404_without_graph_error_body_says_graph_endpoint_may_be_wrong(transport, graph, answer):
    transport.add("GET", ITEM, headers={"request-id": "r-404"}, **answer)
    harness = graph()

    with pytest.raises(GraphError) as caught:
        harness.client.request("GET", ITEM_PATH)

    error = caught.value
    assert error.kind == "not_graph"
    assert error.not_found is False
    assert error.status == 404
    assert error.request_id == "r-404"
    assert "graph_endpoint may not point at Microsoft Graph" in error.message
    assert ("GET " + ITEM_PATH) in error.message
    assert len(transport.calls) == 1


def test_a_success_whose_body_is_not_a_json_object_is_fetched_again_when_safe(transport, graph):
    transport.add("GET", ITEM, body=[{"id": "x"}])
    transport.add("GET", ITEM, body={"id": "x"})

    assert graph().client.request("GET", ITEM_PATH).body == {"id": "x"}
    assert len(transport.calls) == 2


def test_a_success_whose_body_is_not_a_json_object_fails_an_unsafe_request(transport, graph):
    transport.add("POST", ITEM + "/restore", body=["restored"])

    with pytest.raises(GraphError) as caught:
        graph().client.request("POST", ITEM_PATH + "/restore", body={})

    assert caught.value.status == 200
    assert "not JSON" in caught.value.message
    assert "not sent again" in caught.value.message
    assert len(transport.calls) == 1


@pytest.mark.parametrize("status, resent", [(503, True), (504, True), (429, False)])
def test_a_delete_answered_after_an_outage_is_marked_resent(transport, graph, status, resent):
    # Graph may have purged the item before it answered 503 or 504; a 429 means it did nothing.
    transport.add_error("DELETE", ITEM, status, "ServiceUnavailable", headers={"Retry-After": "1"})
    transport.add_error("DELETE", ITEM, 404, "Request_ResourceNotFound")

    with pytest.raises(GraphError) as caught:
        graph().client.request("DELETE", ITEM_PATH, ok=(204,))

    assert caught.value.not_found is True
    assert caught.value.resent is resent
    assert len(transport.calls) == 2


def test_a_success_after_an_outage_is_marked_resent_too(transport, graph):
    transport.add_error("DELETE", ITEM, 503, "ServiceUnavailable", headers={"Retry-After": "1"})
    transport.add("DELETE", ITEM, status=204)

    assert graph().client.request("DELETE", ITEM_PATH, ok=(204,)).resent is True


def test_get_optional_turns_not_found_into_none(transport, graph):
    transport.add_error("GET", ITEM, 404, "Request_ResourceNotFound")

    assert graph().client.get_optional(ITEM_PATH) is None


def test_get_optional_raises_a_404_that_graph_did_not_send(transport, graph):
    transport.add("GET", ITEM, status=404, body={})

    with pytest.raises(GraphError) as caught:
        graph().client.get_optional(ITEM_PATH)

    assert caught.value.kind == "not_graph"


def test_get_optional_still_raises_other_failures(transport, graph):
    transport.add_error("GET", ITEM, 403, "Authorization_RequestDenied")

    with pytest.raises(GraphError) as caught:
        graph().client.get_optional(ITEM_PATH)

    assert caught.value.status == 403


# --- path segments ---------------------------------------------------------------------------


@given(st.text())
def test_any_text_quotes_to_exactly_one_path_segment(value):
    segment = quote_segment(value)

    assert "/" not in segment
    assert "?" not in segment
    assert "#" not in segment
    assert unquote(segment) == value


@given(st.text(min_size=1))
def test_a_quoted_segment_stays_one_segment_in_the_url_requests_sends(value):
    # "." and ".." are dot-segments that requests removes however they are quoted.
    assume(value not in (".", ".."))
    prefix = GRAPH + "/v1.0/directory/deletedItems/"

    url = requests.Request("GET", prefix + quote_segment(value)).prepare().url

    assert url.startswith(prefix)
    assert unquote(url[len(prefix) :]) == value


def test_an_id_with_slashes_stays_inside_its_segment(transport, graph):
    sneaky = "x/../../users/y?$select=id#z"
    url = GRAPH + "/v1.0/directory/deletedItems/" + quote_segment(sneaky)
    transport.add("GET", url, body={})

    graph().client.request("GET", "/directory/deletedItems/%s" % quote_segment(sneaky))

    assert transport.calls[0].path.startswith("/v1.0/directory/deletedItems/")
    assert unquote(transport.calls[0].path.rsplit("/", 1)[1]) == sneaky
    assert transport.calls[0].query == {}
