# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""graph_deleted_item with ids, selectors, all, max_items and state: restored."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from datetime import datetime, timezone

import pytest

from ansible_collections.graphops.directory.plugins.module_utils import _recycle_bin
from ansible_collections.graphops.directory.plugins.modules import graph_deleted_item

GRAPH = "https://graph.example.test"
BIN = GRAPH + "/v1.0/directory/deletedItems/"
USERS = BIN + "microsoft.graph.user"
APPLICATIONS = BIN + "microsoft.graph.application"
PRINCIPALS = BIN + "microsoft.graph.servicePrincipal"
UNITS = BIN + "microsoft.graph.administrativeUnit"

ADELE = "6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11"
ALEX = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
MEGAN = "9d8c7b6a-5f4e-4d3c-9b2a-1f0e9d8c7b6a"
APP = "2f9d4c1a-8b7e-4f60-a5d3-1c2b3a4d5e6f"
PRINCIPAL = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
APP_ID = "3f6c2d1e-9a8b-4c7d-8e6f-5a4b3c2d1e0f"


def deleted_user(object_id, name, deleted, upn=None):
    return {
        "@odata.type": "#microsoft.graph.user",
        "id": object_id,
        "displayName": name,
        "deletedDateTime": deleted,
        "userPrincipalName": object_id.replace("-", "") + (upn or name.split()[0].lower() + "@contoso.com"),
    }


ADELE_USER = deleted_user(ADELE, "Adele Vance", "2026-11-21T08:00:00Z")
ALEX_USER = deleted_user(ALEX, "Alex Wilber", "2026-11-20T08:00:00Z")
MEGAN_USER = deleted_user(MEGAN, "Megan Bowen", "2026-11-26T08:00:00Z")
CONFLICT = dict(
    status=400,
    code="Request_BadRequest",
    message="Another object with the same value for property userPrincipalName already exists.",
    details=[{"code": "ObjectConflict", "target": "userPrincipalName"}],
)


@pytest.fixture
def run(module_task):
    return module_task(graph_deleted_item)


def in_bin(graph_batch, *items):
    for item in items:
        graph_batch.add("GET", "/directory/deletedItems/" + item["id"], body=item)


def nowhere(graph_batch, *object_ids):
    for object_id in object_ids:
        graph_batch.add_error("GET", "/directory/deletedItems/" + object_id, 404, "Request_ResourceNotFound")
        graph_batch.add_error("GET", "/directoryObjects/" + object_id, 404, "Request_ResourceNotFound")


def entries_by_id(result):
    return dict((entry["id"], entry) for entry in result["deleted_items"])


def writes(transport, graph_batch):
    """Every purge or restore that was sent, directly or inside a $batch."""
    direct = [
        (call.method, call.path) for call in transport.calls if call.method == "DELETE" or "/restore" in call.path
    ]
    batched = [(inner["method"], inner["url"]) for inner in graph_batch.inner_requests() if inner["method"] != "GET"]
    return direct + batched


# --- options that fail before any request ------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(), "nothing is selected: give id, ids, or object_type with a selector"),
        (dict(display_name="Adele Vance"), "object_type is required with display_name"),
        (dict(older_than_days=7), "object_type is required with older_than_days"),
        (dict(all=True), "object_type is required with all"),
        (dict(id=ADELE, display_name="Adele Vance"), "id selects items by object id and cannot be combined with "),
        (dict(ids=[ADELE], object_type="user", all=True), "ids selects items by object id and cannot be combined"),
        (dict(object_type="user", all=True, older_than_days=3), "all selects every user and cannot be combined"),
        (dict(ids=[ADELE, "Adele Vance", ALEX]), "ids[1] must be an object id (a GUID), got 'Adele Vance'"),
        (dict(ids=[ADELE, ALEX, ADELE + "/restore"]), "ids[2] must be an object id (a GUID)"),
        (dict(ids=[]), "ids must list at least one object id"),
        (dict(id=ADELE, max_items=0), "max_items must be 1 or more, got 0"),
        (dict(object_type="user", all=True, max_items=-5), "max_items must be 1 or more, got -5"),
        (
            dict(object_type="user", older_than_days=7, state="restored", new_user_principal_name="a@contoso.com"),
            "new_user_principal_name renames one user: it needs id, not a selection",
        ),
        (
            dict(ids=[ADELE], object_type="user", state="restored", new_user_principal_name="a@contoso.com"),
            "new_user_principal_name renames one user: it needs id",
        ),
        (
            dict(id=ADELE, object_type="group", state="restored", new_user_principal_name="a@contoso.com"),
            "new_user_principal_name apply only to users: set object_type: user",
        ),
        (
            dict(id=ADELE, state="restored", new_user_principal_name="a@contoso.com"),
            "new_user_principal_name apply only to users: set object_type: user",
        ),
        (
            dict(id=ADELE, object_type="user", state="restored", new_user_principal_name="adele"),
            "new_user_principal_name must be a user principal name",
        ),
        (
            dict(id=ADELE, object_type="user", state="restored", restore_service_principal=True),
            "restore_service_principal needs object_type: application",
        ),
        (
            dict(id=ADELE, state="restored", restore_service_principal=True),
            "restore_service_principal needs object_type: application",
        ),
        (
            dict(id=ADELE, object_type="user", new_user_principal_name="a@contoso.com"),
            "new_user_principal_name apply only with state: restored",
        ),
        (
            dict(id=ADELE, object_type="user", auto_reconcile_proxy_conflict=True),
            "auto_reconcile_proxy_conflict apply only with state: restored",
        ),
        (
            dict(id=ADELE, object_type="application", restore_service_principal=True),
            "restore_service_principal apply only with state: restored",
        ),
        (dict(object_type="application", app_id="Payroll"), "app_id must be an application (client) id"),
        (
            dict(object_type="group", user_principal_name="a@contoso.com"),
            "user_principal_name applies only to object_type user, not to group",
        ),
        (dict(object_type="user", app_id=APP_ID), "app_id applies only to object_type application or "),
        (dict(object_type="user", display_name=""), "display_name must not be empty"),
        (dict(object_type="user", deleted_before="last week"), "deleted_before must be an ISO 8601"),
        (dict(object_type="user", older_than_days=-1), "older_than_days must be 0 or more"),
        (dict(object_type="user", older_than_days=10**7), "older_than_days is too large"),
    ],
)
def test_bad_options_fail_before_any_request(run, transport, args, message):
    result = run(**args)

    assert result["failed"] is True
    assert message in result["msg"]
    assert transport.calls == []


def test_every_problem_with_the_options_is_named_at_once(run, transport):
    result = run(ids=["Adele Vance", ADELE, "x"], max_items=0, new_user_principal_name="a@contoso.com")

    for message in (
        "ids[0] must be an object id",
        "ids[2] must be an object id",
        "max_items must be 1 or more",
        "new_user_principal_name renames one user",
        "new_user_principal_name apply only with state: restored",
    ):
        assert message in result["msg"]
    assert transport.calls == []


# --- purging a selection --------------------------------------------------------------------------


def test_a_selection_purges_the_matching_items_oldest_first(run, transport, graph_batch):
    transport.add("GET", USERS, body={"value": [ADELE_USER, MEGAN_USER, ALEX_USER]})
    graph_batch.add("DELETE", "/directory/deletedItems/" + ADELE, status=204)
    graph_batch.add("DELETE", "/directory/deletedItems/" + ALEX, status=204)

    result = run(object_type="user", deleted_before="2026-11-25")

    assert result["changed"] is True
    assert [entry["id"] for entry in result["deleted_items"]] == [ALEX, ADELE]
    assert [entry["outcome"] for entry in result["deleted_items"]] == ["purged", "purged"]
    assert result["summary"] == dict(matched=2, purged=2, restored=0, skipped=0, failed=0, unchanged=0)
    assert sorted(writes(transport, graph_batch)) == sorted(
        [("DELETE", "/directory/deletedItems/" + ADELE), ("DELETE", "/directory/deletedItems/" + ALEX)]
    )
    listing = transport.requests_to("GET", "/v1.0/directory/deletedItems/microsoft.graph.user")[0]
    assert "deletedDateTime" in listing.query["$select"][0].split(",")


def test_older_than_days_counts_back_from_now_in_utc(run, transport, graph_batch, monkeypatch):
    monkeypatch.setattr(_recycle_bin, "utc_now", lambda: datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc))
    transport.add("GET", USERS, body={"value": [ADELE_USER, MEGAN_USER, ALEX_USER]})
    graph_batch.add("DELETE", "/directory/deletedItems/" + ALEX, status=204)

    result = run(object_type="user", older_than_days=7)

    assert [(entry["id"], entry["outcome"]) for entry in result["deleted_items"]] == [(ALEX, "purged")]


def test_a_user_principal_name_selects_only_that_user_with_an_advanced_query(run, transport, graph_batch):
    impostor = deleted_user(MEGAN, "Megan Bowen", "2026-11-01T00:00:00Z", upn="xadele@contoso.com")
    transport.add("GET", USERS, body={"value": [ADELE_USER, impostor]})
    graph_batch.add("DELETE", "/directory/deletedItems/" + ADELE, status=204)

    result = run(object_type="user", user_principal_name="Adele@contoso.com")

    assert [(entry["id"], entry["outcome"]) for entry in result["deleted_items"]] == [(ADELE, "purged")]
    listing = transport.requests_to("GET", "/v1.0/directory/deletedItems/microsoft.graph.user")[0]
    assert listing.query["$filter"] == ["endswith(userPrincipalName,'Adele@contoso.com')"]
    assert listing.query["$count"] == ["true"]
    assert listing.headers["ConsistencyLevel"] == "eventual"


def test_a_display_name_with_quotes_stays_one_literal_in_the_query(run, transport):
    transport.add("GET", USERS, body={"value": []})

    result = run(object_type="user", display_name="O'Brien' or displayName ne '")

    assert result["deleted_items"] == []
    assert result["changed"] is False
    listing = transport.requests_to("GET", "/v1.0/directory/deletedItems/microsoft.graph.user")[0]
    assert listing.query["$filter"] == ["displayName eq 'O''Brien'' or displayName ne '''"]


def test_an_empty_selection_changes_nothing(run, transport, graph_batch):
    transport.add("GET", USERS, body={"value": []})

    result = run(object_type="user", all=True)

    assert result["changed"] is False
    assert result["deleted_items"] == []
    assert result["summary"]["matched"] == 0
    assert graph_batch.batches == []


def test_a_selection_larger_than_max_items_fails_with_its_count_and_purges_nothing(run, transport, graph_batch):
    transport.add("GET", USERS, body={"value": [ADELE_USER, MEGAN_USER, ALEX_USER]})

    result = run(object_type="user", all=True, max_items=2)

    assert result["failed"] is True
    assert "the selection holds 3 items, more than max_items (2)" in result["msg"]
    assert "nothing was changed" in result["msg"]
    assert "max_items: 3" in result["msg"]
    assert result["deleted_items"] == []
    # Nothing was acted on, so the totals are all zero and still add up; the selection's size is its own key.
    assert result["summary"] == dict(matched=0, purged=0, restored=0, skipped=0, failed=0, unchanged=0)
    assert result["selected"] == 3
    assert writes(transport, graph_batch) == []
    assert graph_batch.batches == []


def test_ids_beyond_max_items_fail_after_the_look_up_and_purge_nothing(run, transport, graph_batch):
    in_bin(graph_batch, ADELE_USER, ALEX_USER, MEGAN_USER)

    result = run(ids=[ADELE, ALEX, MEGAN], max_items=2)

    assert result["failed"] is True
    assert "holds 3 items, more than max_items (2)" in result["msg"]
    assert writes(transport, graph_batch) == []


def test_a_selection_of_exactly_max_items_is_purged(run, transport, graph_batch):
    transport.add("GET", USERS, body={"value": [ADELE_USER, ALEX_USER]})
    graph_batch.add("DELETE", "/directory/deletedItems/" + ADELE, status=204)
    graph_batch.add("DELETE", "/directory/deletedItems/" + ALEX, status=204)

    result = run(object_type="user", all=True, max_items=2)

    assert result["summary"]["purged"] == 2


@pytest.mark.parametrize("state, would", [("absent", "would_purge"), ("restored", "would_restore")])
def test_check_mode_on_a_selection_only_lists(run, transport, graph_batch, state, would):
    transport.add("GET", USERS, body={"value": [ADELE_USER, ALEX_USER]})

    result = run(check_mode=True, object_type="user", all=True, state=state)

    assert result["changed"] is True
    assert [entry["outcome"] for entry in result["deleted_items"]] == [would, would]
    assert result["summary"]["matched"] == 2
    assert writes(transport, graph_batch) == []
    assert set(run.methods_sent()) == {"GET"}


def test_check_mode_respects_max_items_too(run, transport):
    transport.add("GET", USERS, body={"value": [ADELE_USER, ALEX_USER]})

    result = run(check_mode=True, object_type="user", all=True, max_items=1)

    assert result["failed"] is True
    assert "holds 2 items, more than max_items (1)" in result["msg"]


def test_administrative_units_of_a_selection_are_skipped(run, transport, graph_batch):
    unit = {"@odata.type": "#microsoft.graph.administrativeUnit", "id": ADELE, "displayName": "Seattle"}
    transport.add("GET", UNITS, body={"value": [unit]})

    result = run(object_type="administrative_unit", all=True)

    assert result["changed"] is False
    assert result["deleted_items"][0]["outcome"] == "skipped"
    assert writes(transport, graph_batch) == []


def test_one_refused_item_does_not_stop_the_others_and_the_task_fails_naming_it(run, transport, graph_batch):
    transport.add("GET", USERS, body={"value": [ADELE_USER, ALEX_USER]})
    graph_batch.add("DELETE", "/directory/deletedItems/" + ALEX, status=204)
    graph_batch.add_error(
        "DELETE",
        "/directory/deletedItems/" + ADELE,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
        inner={"request-id": "denied-1"},
    )

    result = run(object_type="user", all=True)

    assert result["failed"] is True
    assert result["changed"] is True
    assert "1 of 2 items failed" in result["msg"]
    assert "%s (Adele Vance): Insufficient privileges" % ADELE in result["msg"]
    assert result["status"] == 403
    assert result["error_code"] == "Authorization_RequestDenied"
    assert result["request_id"] == "denied-1"
    entries = entries_by_id(result)
    assert entries[ALEX]["outcome"] == "purged"
    assert entries[ADELE]["outcome"] == "failed"
    assert result["summary"] == dict(matched=2, purged=1, restored=0, skipped=0, failed=1, unchanged=0)


def test_throttled_purges_in_a_batch_are_sent_again(run, transport, graph_batch):
    transport.add("GET", USERS, body={"value": [ADELE_USER, ALEX_USER]})
    graph_batch.add("DELETE", "/directory/deletedItems/" + ALEX, status=204)
    graph_batch.add_error(
        "DELETE", "/directory/deletedItems/" + ADELE, 429, "TooManyRequests", headers={"Retry-After": "5"}
    )
    graph_batch.add("DELETE", "/directory/deletedItems/" + ADELE, status=204)

    result = run(object_type="user", all=True)

    assert result["summary"]["purged"] == 2
    assert run.sleeps == [5]
    assert len(graph_batch.inner_requests("DELETE", "/directory/deletedItems/" + ALEX)) == 1


@pytest.mark.parametrize("status, outcome", [(503, "purged"), (504, "purged"), (429, "not_found")])
def test_a_purge_in_a_batch_answered_not_found_after_an_outage_counts_as_purged(
    run, transport, graph_batch, status, outcome
):
    # After a 503 or 504 Graph may have purged the item already; after a 429 it did not.
    transport.add("GET", USERS, body={"value": [ADELE_USER, ALEX_USER]})
    graph_batch.add("DELETE", "/directory/deletedItems/" + ALEX, status=204)
    graph_batch.add_error(
        "DELETE", "/directory/deletedItems/" + ADELE, status, "ServiceUnavailable", headers={"Retry-After": "1"}
    )
    graph_batch.add_error("DELETE", "/directory/deletedItems/" + ADELE, 404, "Request_ResourceNotFound")

    result = run(object_type="user", all=True)

    assert "failed" not in result
    entries = entries_by_id(result)
    assert entries[ALEX]["outcome"] == "purged"
    assert entries[ADELE]["outcome"] == outcome
    if outcome == "purged":
        assert entries[ADELE]["reason"] == graph_deleted_item.RESENT_REASON
    assert len(graph_batch.inner_requests("DELETE", "/directory/deletedItems/" + ADELE)) == 2


def test_a_purge_in_a_batch_answered_404_without_graph_error_body_fails(run, transport, graph_batch):
    transport.add("GET", USERS, body={"value": [ADELE_USER]})
    graph_batch.add("DELETE", "/directory/deletedItems/" + ADELE, status=404, body={})

    result = run(object_type="user", all=True)

    assert result["failed"] is True
    assert entries_by_id(result)[ADELE]["outcome"] == "failed"
    assert result["summary"]["unchanged"] == 0


def test_ids_answered_404_without_graph_error_body_fail_the_look_up(run, transport, graph_batch):
    graph_batch.add("GET", "/directory/deletedItems/" + ADELE, status=404, body={"message": "Not Found"})

    result = run(ids=[ADELE])

    assert result["failed"] is True
    assert "Could not look up %s in the recycle bin" % ADELE in result["msg"]
    assert result["status"] == 404
    assert writes(transport, graph_batch) == []


# --- purging by ids ----------------------------------------------------------------------------------


def test_ids_are_looked_up_once_each_and_the_ones_in_the_bin_purged(run, transport, graph_batch):
    in_bin(graph_batch, ADELE_USER)
    nowhere(graph_batch, ALEX)
    graph_batch.add("DELETE", "/directory/deletedItems/" + ADELE, status=204)

    result = run(ids=[ADELE, ALEX, ADELE.upper()], object_type="user")

    assert result["changed"] is True
    entries = entries_by_id(result)
    assert set(entries) == {ADELE, ALEX}
    assert entries[ADELE]["outcome"] == "purged"
    assert entries[ALEX]["outcome"] == "not_found"
    assert len(graph_batch.inner_requests("GET", "/directory/deletedItems/" + ADELE)) == 1
    assert writes(transport, graph_batch) == [("DELETE", "/directory/deletedItems/" + ADELE)]


def test_a_live_object_among_the_ids_fails_the_purge_before_anything_is_deleted(run, transport, graph_batch):
    in_bin(graph_batch, ADELE_USER)
    graph_batch.add_error("GET", "/directory/deletedItems/" + ALEX, 404, "Request_ResourceNotFound")
    graph_batch.add("GET", "/directoryObjects/" + ALEX, body=dict(ALEX_USER, deletedDateTime=None))

    result = run(ids=[ADELE, ALEX])

    assert result["failed"] is True
    assert "%s is a live user (Alex Wilber)" % ALEX in result["msg"]
    assert "nothing was changed" in result["msg"]
    assert result["deleted_items"] == []
    assert result["summary"] == dict(matched=0, purged=0, restored=0, skipped=0, failed=0, unchanged=0)
    assert writes(transport, graph_batch) == []


def test_an_id_of_another_type_fails_the_whole_list_before_anything_is_deleted(run, transport, graph_batch):
    group = {"@odata.type": "#microsoft.graph.group", "id": ALEX, "displayName": "Sales"}
    in_bin(graph_batch, ADELE_USER, group)

    result = run(ids=[ADELE, ALEX], object_type="user")

    assert result["failed"] is True
    assert result["msg"] == "%s is a deleted group (Sales), not of object_type user; nothing was changed" % ALEX
    assert [(entry["id"], entry["outcome"]) for entry in result["deleted_items"]] == [(ALEX, "failed")]
    assert result["summary"] == dict(matched=1, purged=0, restored=0, skipped=0, failed=1, unchanged=0)
    assert writes(transport, graph_batch) == []


# --- restoring ----------------------------------------------------------------------------------------


def test_restoring_an_id_that_is_already_live_changes_nothing(run, transport):
    transport.add_error("GET", BIN + ADELE, 404, "Request_ResourceNotFound")
    transport.add("GET", GRAPH + "/v1.0/directoryObjects/" + ADELE, body=dict(ADELE_USER, deletedDateTime=None))

    result = run(id=ADELE, object_type="user", state="restored")

    assert result["changed"] is False
    assert "failed" not in result
    entry = result["deleted_items"][0]
    assert entry["outcome"] == "not_found"
    assert "live user (Adele Vance) already" in entry["reason"]
    assert result["summary"]["unchanged"] == 1
    assert [call.method for call in transport.calls] == ["GET", "GET"]


def test_restoring_ids_restores_those_in_the_bin_and_leaves_live_ones_alone(run, transport, graph_batch):
    in_bin(graph_batch, ADELE_USER)
    graph_batch.add_error("GET", "/directory/deletedItems/" + ALEX, 404, "Request_ResourceNotFound")
    graph_batch.add("GET", "/directoryObjects/" + ALEX, body=dict(ALEX_USER, deletedDateTime=None))
    graph_batch.add("POST", "/directory/deletedItems/%s/restore" % ADELE, body=dict(ADELE_USER, deletedDateTime=None))

    result = run(ids=[ADELE, ALEX], state="restored")

    entries = entries_by_id(result)
    assert entries[ADELE]["outcome"] == "restored"
    assert entries[ALEX]["outcome"] == "not_found"
    assert "live user (Alex Wilber) already" in entries[ALEX]["reason"]
    assert writes(transport, graph_batch) == [("POST", "/directory/deletedItems/%s/restore" % ADELE)]


def test_a_restore_blocked_by_a_taken_upn_names_new_user_principal_name(run, transport):
    transport.add("GET", BIN + ADELE, body=ADELE_USER)
    transport.add(
        "POST",
        BIN + ADELE + "/restore",
        status=400,
        body={
            "error": {
                "code": CONFLICT["code"],
                "message": CONFLICT["message"],
                "details": CONFLICT["details"],
                "innerError": {"request-id": "conflict-1"},
            }
        },
    )

    result = run(id=ADELE, object_type="user", state="restored")

    assert result["failed"] is True
    assert result["changed"] is False
    assert "new_user_principal_name" in result["msg"]
    assert result["status"] == 400
    assert result["error_code"] == "Request_BadRequest"
    entry = result["deleted_items"][0]
    assert entry["outcome"] == "failed"
    assert "new_user_principal_name" in entry["reason"]
    assert CONFLICT["message"] in entry["reason"]


def test_a_restore_conflict_inside_a_batch_names_new_user_principal_name_too(run, transport, graph_batch):
    transport.add("GET", USERS, body={"value": [ADELE_USER]})
    graph_batch.add_error(
        "POST",
        "/directory/deletedItems/%s/restore" % ADELE,
        CONFLICT["status"],
        CONFLICT["code"],
        CONFLICT["message"],
        details=CONFLICT["details"],
    )

    result = run(object_type="user", display_name="Adele Vance", state="restored")

    assert result["failed"] is True
    assert "new_user_principal_name" in result["deleted_items"][0]["reason"]


def test_a_proxy_address_conflict_names_auto_reconcile_proxy_conflict(run, transport):
    transport.add("GET", BIN + ADELE, body=ADELE_USER)
    transport.add_error(
        "POST",
        BIN + ADELE + "/restore",
        400,
        "Request_BadRequest",
        "Another object with the same value for property proxyAddresses already exists.",
    )

    result = run(id=ADELE, object_type="user", state="restored")

    assert result["failed"] is True
    assert "auto_reconcile_proxy_conflict: true" in result["msg"]


def test_a_new_user_principal_name_is_sent_with_the_restore(run, transport):
    transport.add("GET", BIN + ADELE, body=ADELE_USER)
    transport.add("POST", BIN + ADELE + "/restore", body=dict(ADELE_USER, deletedDateTime=None))

    result = run(
        id=ADELE,
        object_type="user",
        state="restored",
        new_user_principal_name="adele.vance2@contoso.com",
        auto_reconcile_proxy_conflict=True,
    )

    assert result["deleted_items"][0]["outcome"] == "restored"
    restore = transport.requests_to("POST", "/v1.0/directory/deletedItems/%s/restore" % ADELE)[0]
    assert json.loads(restore.body) == {
        "newUserPrincipalName": "adele.vance2@contoso.com",
        "autoReconcileProxyConflict": True,
    }


def test_restoring_an_application_brings_back_its_service_principal(run, transport, graph_batch):
    application = {
        "@odata.type": "#microsoft.graph.application",
        "id": APP,
        "displayName": "Payroll",
        "appId": APP_ID,
        "deletedDateTime": "2026-11-20T08:00:00Z",
    }
    principal = dict(application, id=PRINCIPAL, **{"@odata.type": "#microsoft.graph.servicePrincipal"})
    transport.add("GET", APPLICATIONS, body={"value": [application]})
    transport.add("GET", PRINCIPALS, body={"value": [principal]})
    graph_batch.add("POST", "/directory/deletedItems/%s/restore" % APP, body=application)
    graph_batch.add("POST", "/directory/deletedItems/%s/restore" % PRINCIPAL, body=principal)

    result = run(object_type="application", app_id=APP_ID, state="restored", restore_service_principal=True)

    assert [(entry["object_type"], entry["outcome"]) for entry in result["deleted_items"]] == [
        ("application", "restored"),
        ("service_principal", "restored"),
    ]
    assert [inner["url"] for inner in graph_batch.inner_requests("POST")] == [
        "/directory/deletedItems/%s/restore" % APP,
        "/directory/deletedItems/%s/restore" % PRINCIPAL,
    ]
    assert all("body" not in inner for inner in graph_batch.inner_requests("POST"))
    lookup = transport.requests_to("GET", "/v1.0/directory/deletedItems/microsoft.graph.servicePrincipal")[0]
    assert lookup.query["$filter"] == ["appId eq '%s'" % APP_ID]
