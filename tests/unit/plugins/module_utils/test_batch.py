# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""GraphClient.batch: many requests through POST /$batch, 20 at a time, throttled ones sent again."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

GRAPH = "https://graph.example.test"
BATCH = GRAPH + "/v1.0/$batch"

pure = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)


@pytest.fixture
def graph(graph):
    """The conftest harness with a credential that cannot be renewed."""

    def make(max_retries=5, on=None):
        return graph(max_retries=max_retries, can_refresh=False, on=on)

    return make


def item_url(number):
    return "/directory/deletedItems/item-%03d" % number


def look_up_calls(count):
    return [dict(id=str(number), method="GET", url=item_url(number)) for number in range(count)]


def script_look_ups(graph_batch, count):
    """Each item is in the bin; its answer names it, so a mixed-up answer shows."""
    for number in range(count):
        graph_batch.add("GET", item_url(number), body={"id": "item-%03d" % number})


def names(answers):
    return dict((key, answer.body.get("id")) for key, answer in answers.items())


def expected_names(count):
    return dict((str(number), "item-%03d" % number) for number in range(count))


def purge_calls(count):
    return [dict(id=str(number), method="DELETE", url=item_url(number)) for number in range(count)]


# --- chunks ------------------------------------------------------------------------------------------


def test_forty_five_requests_go_in_three_batches_of_at_most_twenty(graph, graph_batch, transport):
    script_look_ups(graph_batch, 45)

    answers = graph().client.batch(look_up_calls(45), concurrency=1)

    assert [len(batch) for batch in graph_batch.batches] == [20, 20, 5]
    assert len(transport.requests_to("POST", "/v1.0/$batch")) == 3
    assert names(answers) == expected_names(45)
    assert all(answer.status == 200 for answer in answers.values())


def test_each_answer_is_matched_to_its_request_by_id_whatever_the_order(graph, graph_batch):
    script_look_ups(graph_batch, 5)

    answers = graph().client.batch(look_up_calls(5))

    assert names(answers) == expected_names(5)


def test_inner_requests_carry_method_url_and_a_json_body(graph, graph_batch, transport):
    graph_batch.add("POST", item_url(0) + "/restore", body={"id": "item-000"})
    graph_batch.add("DELETE", item_url(1), status=204)
    calls = [
        dict(id="0", method="POST", url=item_url(0) + "/restore", body={"newUserPrincipalName": "a@contoso.com"}),
        dict(id="1", method="DELETE", url=item_url(1)),
    ]

    graph().client.batch(calls)

    sent = transport.requests_to("POST", "/v1.0/$batch")[0]
    assert sent.headers["Authorization"] == "Bearer token-1"
    assert sent.headers["Content-Type"] == "application/json"
    inner = json.loads(sent.body)["requests"]
    assert inner == [
        {
            "id": "0",
            "method": "POST",
            "url": item_url(0) + "/restore",
            "body": {"newUserPrincipalName": "a@contoso.com"},
            "headers": {"Content-Type": "application/json"},
        },
        {"id": "1", "method": "DELETE", "url": item_url(1)},
    ]


def test_no_calls_send_nothing(graph, transport):
    assert graph().client.batch([]) == {}
    assert transport.calls == []


@pure
@given(count=st.integers(min_value=1, max_value=130), concurrency=st.integers(min_value=1, max_value=6))
def test_any_number_of_requests_is_answered_exactly_once_in_batches_of_twenty(graph, fresh_graph, count, concurrency):
    transport, graph_batch = fresh_graph()
    script_look_ups(graph_batch, count)
    harness = graph(on=transport)

    answers = harness.client.batch(look_up_calls(count), concurrency=concurrency)

    assert names(answers) == expected_names(count)
    sent = Counter(inner["url"] for inner in graph_batch.inner_requests())
    assert sent == Counter(item_url(number) for number in range(count))
    assert all(len(batch) <= 20 for batch in graph_batch.batches)
    assert len(graph_batch.batches) == (count + 19) // 20
    assert transport.unexpected == [] and graph_batch.unexpected == []


def test_concurrent_batches_return_every_answer_to_its_own_request(graph, graph_batch):
    script_look_ups(graph_batch, 100)
    harness = graph()

    answers = harness.client.batch(look_up_calls(100), concurrency=4)

    assert names(answers) == expected_names(100)
    assert len(graph_batch.batches) == 5
    assert sorted(int(inner["id"]) for inner in graph_batch.inner_requests()) == list(range(100))


# --- throttled inner requests ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_only_the_throttled_requests_are_sent_again_after_retry_after(graph, graph_batch, status):
    script_look_ups(graph_batch, 5)
    graph_batch.routes[("GET", item_url(3))] = []
    graph_batch.add_error("GET", item_url(3), status, "TooManyRequests", headers={"Retry-After": "7"})
    graph_batch.add("GET", item_url(3), body={"id": "item-003"})
    harness = graph()

    answers = harness.client.batch(look_up_calls(5))

    assert harness.sleeps == [7]
    assert [[inner["id"] for inner in batch] for batch in graph_batch.batches] == [["0", "1", "2", "3", "4"], ["3"]]
    assert all(answer.status == 200 for answer in answers.values())
    assert names(answers) == expected_names(5)
    assert any("throttled 1 of 5" in line and "HTTP %d" % status in line for line in harness.logged)


def test_the_longest_retry_after_of_a_batch_is_waited(graph, graph_batch):
    for number in range(3):
        graph_batch.add("DELETE", item_url(number), status=204)
    for number, seconds in ((0, "2"), (2, "9")):
        graph_batch.routes[("DELETE", item_url(number))] = []
        graph_batch.add_error("DELETE", item_url(number), 429, "TooManyRequests", headers={"Retry-After": seconds})
        graph_batch.add("DELETE", item_url(number), status=204)
    harness = graph()

    answers = harness.client.batch(purge_calls(3))

    assert harness.sleeps == [9]
    assert [inner["id"] for inner in graph_batch.batches[1]] == ["0", "2"]
    assert all(answer.status == 204 for answer in answers.values())


@pytest.mark.parametrize("status", [400, 403, 404, 409, 500])
def test_other_inner_failures_are_answered_as_they_are_and_not_sent_again(graph, graph_batch, status):
    graph_batch.add_error("DELETE", item_url(0), status, "Some_Code", headers={"Retry-After": "3"})
    harness = graph()

    answers = harness.client.batch(purge_calls(1))

    assert answers["0"].status == status
    assert answers["0"].error().error_code == "Some_Code"
    assert len(graph_batch.batches) == 1
    assert harness.sleeps == []


def test_the_client_gives_up_after_max_retries_and_returns_the_last_answer(graph, graph_batch):
    for attempt in range(1, 4):
        graph_batch.add_error(
            "DELETE",
            item_url(0),
            429,
            "TooManyRequests",
            "throttled, attempt %d" % attempt,
            headers={"Retry-After": "4"},
            inner={"request-id": "throttle-%d" % attempt},
        )
    harness = graph(max_retries=2)

    answers = harness.client.batch(purge_calls(1))

    assert len(graph_batch.batches) == 3
    assert harness.sleeps == [4, 4]
    assert answers["0"].status == 429
    assert answers["0"].request_id == "throttle-3"
    assert answers["0"].error().message == "throttled, attempt 3"
    assert answers["0"].retry_after == 4.0


def test_without_retry_after_a_throttled_batch_backs_off(graph, graph_batch):
    graph_batch.add_error("DELETE", item_url(0), 429, "TooManyRequests")
    graph_batch.add("DELETE", item_url(0), status=204)
    harness = graph()

    answers = harness.client.batch(purge_calls(1))

    assert answers["0"].status == 204
    assert len(harness.sleeps) == 1
    assert 0.5 <= harness.sleeps[0] <= 1.0


@pytest.mark.parametrize("status, resent", [(503, True), (504, True), (429, False)])
def test_an_answer_after_an_inner_outage_is_marked_resent(graph, graph_batch, status, resent):
    # Graph may have acted on a request it answered 503 or 504; a 429 means it did nothing.
    graph_batch.add_error("DELETE", item_url(0), status, "ServiceUnavailable", headers={"Retry-After": "1"})
    graph_batch.add_error("DELETE", item_url(0), 404, "Request_ResourceNotFound")
    graph_batch.add_error("DELETE", item_url(1), 404, "Request_ResourceNotFound")

    answers = graph().client.batch(purge_calls(2))

    assert len(graph_batch.batches) == 2
    assert answers["0"].status == 404 and answers["0"].not_found is True
    assert answers["0"].resent is resent
    assert answers["1"].resent is False


def test_an_outage_marks_only_its_own_request_resent_across_later_batches(graph, graph_batch):
    graph_batch.add_error("DELETE", item_url(0), 503, "ServiceUnavailable", headers={"Retry-After": "1"})
    graph_batch.add_error("DELETE", item_url(0), 429, "TooManyRequests", headers={"Retry-After": "1"})
    graph_batch.add("DELETE", item_url(0), status=204)
    graph_batch.add_error("DELETE", item_url(1), 429, "TooManyRequests", headers={"Retry-After": "1"})
    graph_batch.add("DELETE", item_url(1), status=204)

    answers = graph().client.batch(purge_calls(2))

    assert len(graph_batch.batches) == 3
    assert (answers["0"].status, answers["0"].resent) == (204, True)
    assert (answers["1"].status, answers["1"].resent) == (204, False)


# --- a batch that fails as a whole ---------------------------------------------------------------


def test_a_batch_refused_as_a_whole_answers_each_of_its_calls_with_the_failure(graph, graph_batch, transport):
    for number in range(25):
        graph_batch.add("DELETE", item_url(number), status=204)
    graph_batch.fail_batch(1, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
    harness = graph()

    answers = harness.client.batch(purge_calls(25), concurrency=1)

    batch_posts = transport.requests_to("POST", "/v1.0/$batch")
    assert len(batch_posts) == 2
    first = batch_posts[0]
    for number in range(20):
        answer = answers[str(number)]
        assert answer.status == 403
        assert answer.error().error_code == "Authorization_RequestDenied"
        assert "Insufficient privileges" in answer.error().message
        assert answer.request_id == first.response_headers["request-id"]
        assert answer.client_request_id == first.headers["client-request-id"]
    assert all(answers[str(number)].status == 204 for number in range(20, 25))


def test_a_batch_that_fails_on_its_retry_keeps_the_answers_already_given(graph, graph_batch):
    graph_batch.add("DELETE", item_url(0), status=204)
    graph_batch.add_error("DELETE", item_url(1), 429, "TooManyRequests", headers={"Retry-After": "1"})
    graph_batch.fail_batch(2, 400, "BadRequest", "Invalid batch payload")

    answers = graph().client.batch(purge_calls(2))

    assert [[inner["id"] for inner in batch] for batch in graph_batch.batches] == [["0", "1"], ["1"]]
    assert answers["0"].status == 204
    assert answers["1"].status == 400
    assert answers["1"].error().error_code == "BadRequest"


def test_a_request_missing_from_the_batch_answer_is_reported_without_a_status(graph, transport):
    def answer_only_the_first(call):
        first = json.loads(call.body)["requests"][0]
        return dict(body={"responses": [{"id": first["id"], "status": 204}]})

    transport.add("POST", BATCH, handler=answer_only_the_first)

    answers = graph().client.batch(purge_calls(2))

    assert answers["0"].status == 204
    assert answers["1"].status is None
    assert "no answer" in answers["1"].error().message


# --- request ids ----------------------------------------------------------------------------------


def test_an_inner_failure_is_traced_by_the_request_id_in_its_inner_error(graph, graph_batch, transport):
    graph_batch.add_error(
        "DELETE",
        item_url(0),
        404,
        "Request_ResourceNotFound",
        inner={"request-id": "inner-404", "date": "2026-11-20T08:00:00"},
    )
    graph_batch.add_error("DELETE", item_url(1), 403, "Authorization_RequestDenied")
    graph_batch.add("DELETE", item_url(2), status=204)

    answers = graph().client.batch(purge_calls(3))

    outer = transport.requests_to("POST", "/v1.0/$batch")[0]
    assert answers["0"].request_id == "inner-404"
    assert answers["0"].error().request_id == "inner-404"
    assert answers["1"].request_id == outer.response_headers["request-id"]
    assert answers["2"].request_id == outer.response_headers["request-id"]
    assert all(answer.client_request_id == outer.headers["client-request-id"] for answer in answers.values())


def test_an_inner_error_spelled_innererror_is_read_too(graph, graph_batch):
    graph_batch.add(
        "DELETE",
        item_url(0),
        status=404,
        body={"error": {"code": "Request_ResourceNotFound", "message": "gone", "innererror": {"request-id": "lc-1"}}},
    )

    answers = graph().client.batch(purge_calls(1))

    assert answers["0"].request_id == "lc-1"
