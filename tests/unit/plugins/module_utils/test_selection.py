# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Selecting items of the recycle bin: the $filter sent, what is checked locally, retention, batched look-ups."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ansible_collections.graphops.directory.plugins.module_utils._graph import (
    BatchAnswer,
    GraphError,
    quote_segment,
)
from ansible_collections.graphops.directory.plugins.module_utils._recycle_bin import (
    OBJECT_TYPES,
    Selection,
    add_retention,
    live_objects,
    look_up_many,
    odata_string,
    parse_timestamp,
)

GRAPH = "https://graph.example.test"
ID = "6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11"
OTHER_ID = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
APP_ID = "3f6c2d1e-9a8b-4c7d-8e6f-5a4b3c2d1e0f"
NOW = datetime(2026, 12, 1, 0, 0, 0, tzinfo=timezone.utc)
USERS = GRAPH + "/v1.0/directory/deletedItems/microsoft.graph.user"

pure = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text a user could type; whitespace-only values are refused, so they are tested on their own.
values = st.text(min_size=1).filter(lambda value: value.strip())


def odata_literals(expression):
    """Split a $filter into its string literals and the rest, as an OData parser reads it.

    A literal is '...' in which '' stands for one quote. The rest comes back with each literal replaced
    by {}; an unterminated literal is an error.
    """
    literals = []
    rest = []
    index = 0
    while index < len(expression):
        char = expression[index]
        if char != "'":
            rest.append(char)
            index += 1
            continue
        index += 1
        literal = []
        while True:
            if index >= len(expression):
                raise ValueError("unterminated string literal in %r" % expression)
            if expression[index] == "'":
                if expression[index + 1 : index + 2] == "'":
                    literal.append("'")
                    index += 2
                    continue
                index += 1
                break
            literal.append(expression[index])
            index += 1
        literals.append("".join(literal))
        rest.append("{}")
    return literals, "".join(rest)


def test_the_tokenizer_reads_escaped_quotes_and_refuses_an_open_literal():
    assert odata_literals("displayName eq 'O''Brien' and x eq ''''") == (
        ["O'Brien", "'"],
        "displayName eq {} and x eq {}",
    )
    with pytest.raises(ValueError):
        odata_literals("displayName eq 'open")


def selection(**params):
    object_types = params.pop("object_types", ["user"])
    return Selection(params, object_types, now=NOW)


# --- the $filter a value produces ------------------------------------------------------------


@given(st.text())
def test_any_text_is_one_odata_string_literal(value):
    assert odata_literals(odata_string(value)) == ([value], "{}")


@given(values)
def test_a_display_name_is_only_ever_one_literal_in_the_filter(value):
    params, headers = selection(display_name=value).query("user")

    assert odata_literals(params["$filter"]) == ([value], "displayName eq {}")
    assert headers == {}


@given(values)
def test_a_user_principal_name_is_only_ever_one_literal_in_the_filter(value):
    params, headers = selection(user_principal_name=value).query("user")

    assert odata_literals(params["$filter"]) == ([value], "endswith(userPrincipalName,{})")
    assert headers == {"ConsistencyLevel": "eventual"}
    assert params["$count"] == "true"


@given(values, values)
def test_every_selector_keeps_its_own_literal_when_combined(display_name, user_principal_name):
    params = selection(display_name=display_name, user_principal_name=user_principal_name).query("user")[0]

    assert odata_literals(params["$filter"]) == (
        [display_name, user_principal_name],
        "displayName eq {} and endswith(userPrincipalName,{})",
    )


@pure
@given(values)
def test_the_filter_graph_receives_reads_back_as_the_display_name(transport, client, value):
    transport.add("GET", USERS, body={"value": []})

    assert selection(display_name=value).list(client) == []

    sent = transport.calls[-1]
    assert sent.path == "/v1.0/directory/deletedItems/microsoft.graph.user"
    assert sent.query["$filter"] == ["displayName eq %s" % odata_string(value)]
    assert odata_literals(sent.query["$filter"][0]) == ([value], "displayName eq {}")


def test_an_app_id_selects_by_its_own_literal():
    params, headers = selection(app_id=APP_ID, object_types=["application"]).query("application")

    assert params["$filter"] == "appId eq '%s'" % APP_ID
    assert "appId" in params["$select"].split(",")
    assert headers == {}


def test_a_raw_filter_is_kept_in_parentheses_and_and_ed_with_the_selectors():
    params = selection(display_name="Sales", filter="startswith(mail,'s') or x eq 1").query("group")[0]

    assert params["$filter"] == "displayName eq 'Sales' and (startswith(mail,'s') or x eq 1)"


def test_without_a_selector_nothing_is_filtered_but_every_property_is_selected():
    params, headers = selection(older_than_days=3).query("user")

    assert "$filter" not in params
    assert params["$top"] == "999"
    assert params["$select"].split(",") == ["id", "displayName", "deletedDateTime", "userPrincipalName", "mail"]
    assert headers == {}


@pytest.mark.parametrize("value", ["Payroll", APP_ID[:-1], APP_ID + "0", "'%s'" % APP_ID, APP_ID + "' or 1 eq 1"])
def test_an_app_id_must_be_a_guid(value):
    with pytest.raises(ValueError) as caught:
        selection(app_id=value, object_types=["application"])

    assert "app_id must be an application (client) id, a GUID" in str(caught.value)


@pytest.mark.parametrize("option", ["display_name", "user_principal_name", "app_id", "filter"])
@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_an_empty_selector_is_refused(option, value):
    object_types = ["application"] if option == "app_id" else ["user"]

    with pytest.raises(ValueError) as caught:
        selection(object_types=object_types, **{option: value})

    assert "%s must not be empty" % option in str(caught.value)


def test_every_problem_is_named_at_once():
    with pytest.raises(ValueError) as caught:
        selection(display_name="", older_than_days=-1, deleted_before="soon")

    message = str(caught.value)
    assert "display_name must not be empty" in message
    assert "older_than_days must be 0 or more, got -1" in message
    assert "deleted_before must be an ISO 8601" in message


@pytest.mark.parametrize(
    "option, value, wrong",
    [
        ("user_principal_name", "alice@contoso.com", "group"),
        ("app_id", APP_ID, "user"),
    ],
)
def test_a_selector_on_a_type_without_its_property_is_refused(option, value, wrong):
    with pytest.raises(ValueError) as caught:
        Selection({option: value}, [wrong])

    assert "%s applies only to object_type" % option in str(caught.value)
    assert "not to %s" % wrong in str(caught.value)


def test_with_narrow_a_selector_drops_the_types_without_its_property():
    every_type = sorted(OBJECT_TYPES)

    assert Selection({"app_id": APP_ID}, every_type, narrow=True).object_types == ["application", "service_principal"]
    assert Selection({"user_principal_name": "a@b.c"}, every_type, narrow=True).object_types == ["user"]


# --- path segments -----------------------------------------------------------------------------


class RecordingClient:
    """Stands in for GraphClient.batch: records the calls and answers each with Graph's 404."""

    def __init__(self):
        self.calls = []

    def batch(self, calls):
        self.calls.extend(calls)
        not_found = {"error": {"code": "Request_ResourceNotFound", "message": "does not exist"}}
        return dict((call["id"], BatchAnswer(404, not_found, None)) for call in calls)


def assert_one_segment(segment):
    assert segment
    assert "/" not in segment
    assert "?" not in segment
    assert "#" not in segment
    assert segment not in (".", "..")


@given(st.text())
def test_any_id_text_quotes_to_one_segment_that_is_never_a_dot_segment(value):
    assume(value)
    assert_one_segment(quote_segment(value))


@given(st.lists(st.text(min_size=1), min_size=1, max_size=5))
def test_the_look_up_urls_put_each_id_in_one_segment_of_the_bin(object_ids):
    client = RecordingClient()

    look_up_many(client, object_ids)
    live_objects(client, object_ids)

    urls = [call["url"] for call in client.calls]
    assert len(urls) == 2 * len(object_ids)
    for url in urls[: len(object_ids)]:
        assert url.startswith("/directory/deletedItems/")
        assert_one_segment(url[len("/directory/deletedItems/") :])
    for url in urls[len(object_ids) :]:
        assert url.startswith("/directoryObjects/")
        assert_one_segment(url[len("/directoryObjects/") :])


# --- what is checked locally: the deletion date -----------------------------------------------


def deleted_at(when, **extra):
    return dict({"id": ID, "displayName": "Adele Vance", "deletedDateTime": when}, **extra)


@pytest.mark.parametrize(
    "deleted, selected",
    [
        ("2026-11-23T23:59:59Z", True),
        ("2026-11-24T00:00:00Z", False),
        ("2026-11-24T00:00:01Z", False),
        ("2026-11-24T04:59:59+05:00", True),
        ("2026-11-23T20:00:00-05:00", False),
        ("2026-01-01T00:00:00Z", True),
        ("2026-11-23T23:59:59.9999999Z", True),
    ],
)
def test_older_than_days_counts_whole_days_back_from_now_in_utc(deleted, selected):
    assert selection(older_than_days=7).matches(deleted_at(deleted)) is selected


@pytest.mark.parametrize(
    "deleted_before, deleted, selected",
    [
        ("2026-11-30", "2026-11-29T23:59:59Z", True),
        ("2026-11-30", "2026-11-30T00:00:00Z", False),
        ("2026-11-30T18:00:00", "2026-11-30T17:59:59Z", True),
        ("2026-11-30T18:00:00", "2026-11-30T18:00:00Z", False),
        ("2026-11-30T18:00:00Z", "2026-11-30T17:59:59Z", True),
        ("2026-11-30T18:00:00+05:00", "2026-11-30T12:59:59Z", True),
        ("2026-11-30T18:00:00+05:00", "2026-11-30T13:00:00Z", False),
        ("2026-11-30T18:00:00+05:00", "2026-11-30T17:00:00Z", False),
        ("2026-11-30T18:00:00+05:00", "2026-11-30T17:59:00+05:00", True),
    ],
)
def test_deleted_before_is_compared_in_utc_and_a_time_without_offset_is_utc(deleted_before, deleted, selected):
    assert selection(deleted_before=deleted_before).matches(deleted_at(deleted)) is selected


def test_with_both_cutoffs_an_item_must_be_older_than_each():
    both = selection(older_than_days=7, deleted_before="2026-11-20")

    assert both.matches(deleted_at("2026-11-19T23:00:00Z")) is True
    assert both.matches(deleted_at("2026-11-22T00:00:00Z")) is False
    later = selection(older_than_days=7, deleted_before="2026-11-28")
    assert later.matches(deleted_at("2026-11-25T00:00:00Z")) is False


@pytest.mark.parametrize("item", [{"id": ID}, deleted_at(None), deleted_at("")])
def test_an_item_without_a_deletion_date_never_matches_a_cutoff(item):
    assert selection(older_than_days=0).matches(item) is False


def test_without_a_cutoff_every_deletion_date_matches():
    assert selection(display_name="Adele Vance").matches({"id": ID}) is True


offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda minutes: timedelta(minutes=minutes))
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda naive: naive.replace(microsecond=0, tzinfo=timezone.utc)
)


def iso(when, offset):
    local = when.astimezone(timezone(offset))
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if not offset:
        return text + "Z"
    sign = "+" if offset > timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    return "%s%s%02d:%02d" % (text, sign, minutes // 60, minutes % 60)


@given(moments, offsets, moments, offsets)
def test_deleted_before_selects_exactly_the_earlier_moments_whatever_the_offsets(deleted, d_offset, cutoff, c_offset):
    chosen = selection(deleted_before=iso(cutoff, c_offset))

    assert chosen.matches(deleted_at(iso(deleted, d_offset))) is (deleted < cutoff)


@given(st.integers(min_value=0, max_value=20000), moments)
def test_older_than_days_selects_exactly_what_was_deleted_before_now_minus_the_days(days, deleted):
    assert selection(older_than_days=days).matches(deleted_at(iso(deleted, timedelta(0)))) is (
        deleted < NOW - timedelta(days=days)
    )


@pytest.mark.parametrize("days", [10**6, 10**9, 10**12])
def test_a_huge_older_than_days_is_refused_naming_the_option(days):
    with pytest.raises(ValueError) as caught:
        selection(older_than_days=days)

    assert "older_than_days" in str(caught.value)


# --- what is checked locally: the exact user principal name -----------------------------------


def user(upn, object_id=ID):
    return {
        "id": object_id,
        "displayName": "Alice",
        "userPrincipalName": upn,
        "deletedDateTime": "2026-11-20T08:00:00Z",
    }


PREFIX = ID.replace("-", "")


@pytest.mark.parametrize(
    "upn, selected",
    [
        ("alice@contoso.com", True),
        (PREFIX + "alice@contoso.com", True),
        ("ALICE@Contoso.com", True),
        (PREFIX.upper() + "Alice@contoso.com", True),
        ("xalice@contoso.com", False),
        (PREFIX + "xalice@contoso.com", False),
        (OTHER_ID.replace("-", "") + "alice@contoso.com", False),
        ("x" + PREFIX + "alice@contoso.com", False),
        ("alice@contoso.com.evil", False),
        ("", False),
        (None, False),
    ],
)
def test_the_user_principal_name_matches_exactly_or_with_the_bins_id_prefix(upn, selected):
    assert selection(user_principal_name="alice@contoso.com").matches(user(upn)) is selected


@given(st.text(min_size=1, alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-"))
def test_a_longer_name_that_ends_with_the_wanted_one_never_matches(extra):
    wanted = "alice@contoso.com"
    chosen = selection(user_principal_name=wanted)

    assert chosen.matches(user(extra + wanted)) is (extra == PREFIX)
    assert chosen.matches(user(PREFIX + extra + wanted)) is False


# --- timestamps ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-30", datetime(2026, 11, 30, tzinfo=timezone.utc)),
        ("2026-11-30T18:00:00", datetime(2026, 11, 30, 18, tzinfo=timezone.utc)),
        ("2026-11-30T18:00:00Z", datetime(2026, 11, 30, 18, tzinfo=timezone.utc)),
        ("2026-11-30T18:00:00z", datetime(2026, 11, 30, 18, tzinfo=timezone.utc)),
        (" 2026-11-30T18:00:00+05:00 ", datetime(2026, 11, 30, 13, tzinfo=timezone.utc)),
        ("2026-11-30T18:00:00-02:30", datetime(2026, 11, 30, 20, 30, tzinfo=timezone.utc)),
    ],
)
def test_timestamps_are_read_as_utc(text, expected):
    parsed = parse_timestamp("deleted_before", text)

    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2026-13-01",
        "2026-11-31",
        "30/11/2026",
        "Z",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:00-05:00",
    ],
)
def test_a_bad_timestamp_fails_naming_the_option(text):
    with pytest.raises(ValueError) as caught:
        parse_timestamp("deleted_before", text)

    assert str(caught.value).startswith("deleted_before must be an ISO 8601 date or date-time")
    assert repr(text) in str(caught.value)


@given(st.text())
def test_any_text_is_a_utc_time_or_an_error_naming_the_option(text):
    try:
        parsed = parse_timestamp("deleted_before", text)
    except ValueError as exc:
        assert str(exc).startswith("deleted_before must be an ISO 8601")
    else:
        assert parsed.utcoffset() == timedelta(0)


def test_a_bad_deleted_before_is_refused_by_the_selection():
    with pytest.raises(ValueError) as caught:
        selection(deleted_before="0001-01-01T00:00:00+01:00")

    assert "deleted_before must be an ISO 8601" in str(caught.value)


# --- retention ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "deleted, now, days, permanent",
    [
        ("2026-11-20T08:00:00Z", datetime(2026, 12, 4, 7, 59, 59, tzinfo=timezone.utc), 13, "2026-12-20T08:00:00Z"),
        ("2026-11-20T08:00:00Z", datetime(2026, 12, 4, 8, 0, 0, tzinfo=timezone.utc), 14, "2026-12-20T08:00:00Z"),
        ("2026-11-20T09:00:00+01:00", datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc), 0, "2026-12-20T08:00:00Z"),
        ("2026-11-20T23:30:00-02:00", datetime(2026, 11, 22, 1, 0, tzinfo=timezone.utc), 0, "2026-12-21T01:30:00Z"),
        ("2026-02-01T00:00:00Z", datetime(2026, 2, 1, tzinfo=timezone.utc), 0, "2026-03-03T00:00:00Z"),
        ("2026-11-20T08:00:00Z", datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc), 0, "2026-12-20T08:00:00Z"),
    ],
)
def test_retention_counts_whole_days_and_adds_thirty_days_in_utc(deleted, now, days, permanent):
    entry = add_retention({"id": ID, "deleted_date_time": deleted}, now)

    assert entry["days_since_deletion"] == days
    assert entry["permanent_deletion_date"] == permanent
    assert entry["deleted_date_time"] == deleted


def test_an_item_without_a_deletion_date_has_no_retention():
    entry = add_retention({"id": ID, "deleted_date_time": None}, NOW)

    assert entry["days_since_deletion"] is None
    assert entry["permanent_deletion_date"] is None


@given(moments, offsets, st.integers(min_value=0, max_value=10**8))
def test_permanent_deletion_is_thirty_days_after_the_deletion(deleted, offset, seconds_later):
    now = deleted + timedelta(seconds=seconds_later)

    entry = add_retention({"deleted_date_time": iso(deleted, offset)}, now)

    assert entry["permanent_deletion_date"] == (deleted + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert entry["days_since_deletion"] == seconds_later // 86400


# --- looking ids up through $batch ----------------------------------------------------------------


@pytest.fixture
def client(graph):
    return graph(can_refresh=False).client


def test_look_up_many_finds_each_id_in_the_bin_or_none(client, graph_batch):
    in_bin = {"@odata.type": "#microsoft.graph.user", "id": ID, "displayName": "Adele Vance"}
    graph_batch.add("GET", "/directory/deletedItems/" + ID, body=in_bin)
    graph_batch.add_error("GET", "/directory/deletedItems/" + OTHER_ID, 404, "Request_ResourceNotFound")

    found = look_up_many(client, [ID, OTHER_ID])

    assert found == {ID: in_bin, OTHER_ID: None}
    assert len(graph_batch.batches) == 1


def test_look_up_many_raises_a_failure_other_than_not_found_naming_the_id(client, graph_batch):
    graph_batch.add("GET", "/directory/deletedItems/" + ID, body={"id": ID})
    graph_batch.add_error(
        "GET",
        "/directory/deletedItems/" + OTHER_ID,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
        inner={"request-id": "denied-1"},
    )

    with pytest.raises(GraphError) as caught:
        look_up_many(client, [ID, OTHER_ID])

    error = caught.value
    assert error.status == 403
    assert error.error_code == "Authorization_RequestDenied"
    assert error.request_id == "denied-1"
    assert OTHER_ID in error.message
    assert "Insufficient privileges" in error.message


@pytest.mark.parametrize("body", [None, {}, {"message": "Not Found"}])
def test_look_up_many_does_not_take_a_404_without_graph_error_body_for_not_found(client, graph_batch, body):
    graph_batch.add("GET", "/directory/deletedItems/" + ID, body={"id": ID})
    graph_batch.add("GET", "/directory/deletedItems/" + OTHER_ID, status=404, body=body)

    with pytest.raises(GraphError) as caught:
        look_up_many(client, [ID, OTHER_ID])

    assert caught.value.status == 404
    assert caught.value.not_found is False
    assert OTHER_ID in caught.value.message


def test_live_objects_reports_only_the_ids_that_are_live(client, graph_batch):
    live_user = {"@odata.type": "#microsoft.graph.user", "id": ID, "displayName": "Adele Vance"}
    graph_batch.add("GET", "/directoryObjects/" + ID, body=live_user)
    graph_batch.add_error("GET", "/directoryObjects/" + OTHER_ID, 404, "Request_ResourceNotFound")

    live = live_objects(client, [ID, OTHER_ID])

    assert list(live) == [ID]
    assert live[ID]["object_type"] == "user"
    assert live[ID]["display_name"] == "Adele Vance"


def test_live_objects_of_no_ids_sends_nothing(client, transport):
    assert live_objects(client, []) == {}
    assert transport.calls == []
