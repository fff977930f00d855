# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""graph_deleted_item_info: what is in the recycle bin, oldest first, with when it leaves for good."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from datetime import datetime, timezone

import pytest

from ansible_collections.graphops.directory.plugins.modules import graph_deleted_item_info

GRAPH = "https://graph.example.test"
BIN = GRAPH + "/v1.0/directory/deletedItems/"
LISTS = dict(
    user=BIN + "microsoft.graph.user",
    group=BIN + "microsoft.graph.group",
    application=BIN + "microsoft.graph.application",
    service_principal=BIN + "microsoft.graph.servicePrincipal",
    administrative_unit=BIN + "microsoft.graph.administrativeUnit",
)
OWNED = BIN + "getUserOwnedObjects"
NOW = datetime(2026, 12, 1, 0, 0, 0, tzinfo=timezone.utc)

ADELE = "6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11"
SALES = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
PAYROLL = "2f9d4c1a-8b7e-4f60-a5d3-1c2b3a4d5e6f"
PAYROLL_SP = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
SEATTLE = "9d8c7b6a-5f4e-4d3c-9b2a-1f0e9d8c7b6a"
OWNER = "4c7e3b2a-1d9f-4e8a-b6c5-0f1e2d3c4b5a"
APP_ID = "3f6c2d1e-9a8b-4c7d-8e6f-5a4b3c2d1e0f"

ADELE_USER = {
    "@odata.type": "#microsoft.graph.user",
    "id": ADELE,
    "displayName": "Adele Vance",
    "deletedDateTime": "2026-11-20T08:00:00Z",
    "userPrincipalName": ADELE.replace("-", "") + "adele@contoso.com",
    "mail": "adele@contoso.com",
}
SALES_GROUP = {
    "@odata.type": "#microsoft.graph.group",
    "id": SALES,
    "displayName": "Sales",
    "deletedDateTime": "2026-11-05T12:00:00Z",
    "groupTypes": ["Unified"],
    "securityEnabled": False,
}
PAYROLL_APP = {
    "@odata.type": "#microsoft.graph.application",
    "id": PAYROLL,
    "displayName": "Payroll",
    "deletedDateTime": "2026-11-25T00:00:00Z",
    "appId": APP_ID,
}
PAYROLL_PRINCIPAL = dict(
    PAYROLL_APP,
    id=PAYROLL_SP,
    deletedDateTime="2026-11-25T00:00:01Z",
    **{"@odata.type": "#microsoft.graph.servicePrincipal"},
)
SEATTLE_UNIT = {
    "@odata.type": "#microsoft.graph.administrativeUnit",
    "id": SEATTLE,
    "displayName": "Seattle",
    "deletedDateTime": "2026-11-30T23:00:00Z",
}


@pytest.fixture
def run(module_task, monkeypatch):
    monkeypatch.setattr(graph_deleted_item_info, "utc_now", lambda: NOW)
    return module_task(graph_deleted_item_info)


def bin_holds(transport, **items_by_type):
    for object_type, url in LISTS.items():
        transport.add("GET", url, body={"value": items_by_type.get(object_type, [])})


def listed_types(transport):
    return sorted(call.path.rsplit(".", 1)[-1] for call in transport.calls if call.method == "GET")


def ids_of(result):
    return [entry["id"] for entry in result["deleted_items"]]


# --- the whole bin -----------------------------------------------------------------------------------


def test_the_whole_bin_is_listed_oldest_first_with_when_each_item_leaves(run, transport):
    bin_holds(
        transport,
        user=[ADELE_USER],
        group=[SALES_GROUP],
        application=[PAYROLL_APP],
        service_principal=[PAYROLL_PRINCIPAL],
        administrative_unit=[SEATTLE_UNIT],
    )

    result = run()

    assert result["changed"] is False
    assert ids_of(result) == [SALES, ADELE, PAYROLL, PAYROLL_SP, SEATTLE]
    assert listed_types(transport) == ["administrativeUnit", "application", "group", "servicePrincipal", "user"]
    entries = dict((entry["id"], entry) for entry in result["deleted_items"])
    assert entries[SALES]["days_since_deletion"] == 25
    assert entries[SALES]["permanent_deletion_date"] == "2026-12-05T12:00:00Z"
    assert entries[ADELE]["days_since_deletion"] == 10
    assert entries[ADELE]["permanent_deletion_date"] == "2026-12-20T08:00:00Z"
    assert entries[SEATTLE]["days_since_deletion"] == 0
    assert entries[SEATTLE]["permanent_deletion_date"] == "2026-12-30T23:00:00Z"
    assert entries[ADELE]["object_type"] == "user"
    assert entries[ADELE]["user_principal_name"] == ADELE_USER["userPrincipalName"]
    assert entries[SALES]["group_types"] == ["Unified"]
    assert entries[PAYROLL_SP]["app_id"] == APP_ID
    assert not any(key.startswith("@") for entry in result["deleted_items"] for key in entry)


def test_an_empty_bin_is_an_empty_list(run, transport):
    bin_holds(transport)

    result = run()

    assert result["deleted_items"] == []
    assert result["changed"] is False


def test_every_page_of_a_type_is_read(run, transport):
    transport.add(
        "GET", LISTS["user"], body={"value": [ADELE_USER], "@odata.nextLink": LISTS["user"] + "?$skiptoken=page-2"}
    )
    later = dict(ADELE_USER, id=SEATTLE, displayName="Megan Bowen", deletedDateTime="2026-11-29T00:00:00Z")
    transport.add("GET", LISTS["user"], body={"value": [later]})

    result = run(object_type=["user"])

    assert ids_of(result) == [ADELE, SEATTLE]
    assert transport.calls[1].query == {"$skiptoken": ["page-2"]}


def test_a_cutoff_keeps_only_the_older_items(run, transport):
    bin_holds(transport, user=[ADELE_USER], group=[SALES_GROUP], administrative_unit=[SEATTLE_UNIT])

    assert ids_of(run(older_than_days=20)) == [SALES]
    assert ids_of(run(deleted_before="2026-11-20T09:00:00+01:00")) == [SALES]
    assert ids_of(run(deleted_before="2026-11-20T08:00:01Z")) == [SALES, ADELE]


# --- selectors narrow the default types ----------------------------------------------------------------


def test_an_app_id_lists_only_applications_and_service_principals(run, transport):
    transport.add("GET", LISTS["application"], body={"value": [PAYROLL_APP]})
    transport.add("GET", LISTS["service_principal"], body={"value": [PAYROLL_PRINCIPAL]})

    result = run(app_id=APP_ID)

    assert ids_of(result) == [PAYROLL, PAYROLL_SP]
    assert listed_types(transport) == ["application", "servicePrincipal"]
    assert all(call.query["$filter"] == ["appId eq '%s'" % APP_ID] for call in transport.calls)


def test_a_user_principal_name_lists_only_users_with_an_advanced_query(run, transport):
    impostor = dict(ADELE_USER, id=SEATTLE, userPrincipalName="xadele@contoso.com")
    transport.add("GET", LISTS["user"], body={"value": [ADELE_USER, impostor]})

    result = run(user_principal_name="adele@contoso.com")

    assert ids_of(result) == [ADELE]
    assert listed_types(transport) == ["user"]
    listing = transport.calls[0]
    assert listing.query["$filter"] == ["endswith(userPrincipalName,'adele@contoso.com')"]
    assert listing.query["$count"] == ["true"]
    assert listing.headers["ConsistencyLevel"] == "eventual"


def test_an_owner_lists_only_the_groups_and_applications_they_owned(run, transport):
    owned_group = dict(SALES_GROUP)
    owned_app = dict(PAYROLL_APP)
    transport.add("POST", OWNED, body={"value": [owned_app]})
    transport.add("POST", OWNED, body={"value": [owned_group]})

    result = run(owner_id=OWNER)

    assert ids_of(result) == [SALES, PAYROLL]
    asked = [
        json.loads(call.body)
        for call in transport.requests_to("POST", "/v1.0/directory/deletedItems/getUserOwnedObjects")
    ]
    assert asked == [{"userId": OWNER, "type": "Application"}, {"userId": OWNER, "type": "Group"}]
    assert [call.method for call in transport.calls] == ["POST", "POST"]
    assert result["deleted_items"][0]["days_since_deletion"] == 25


@pytest.mark.parametrize("display_name", ["Sales", "SALES", "sales"])
def test_owned_items_are_matched_by_the_other_selectors_in_the_module(run, transport, display_name):
    other = dict(SALES_GROUP, id=SEATTLE, displayName="Marketing")
    transport.add("POST", OWNED, body={"value": [other, SALES_GROUP]})

    result = run(owner_id=OWNER, object_type=["group"], display_name=display_name, older_than_days=1)

    assert ids_of(result) == [SALES]


@pytest.mark.parametrize("count, warned", [(999, False), (1000, True)])
def test_a_full_answer_of_owned_objects_warns_that_more_may_exist(run, transport, count, warned):
    groups = [dict(SALES_GROUP, id="%08d-0000-4000-8000-000000000000" % number) for number in range(count)]
    transport.add("POST", OWNED, body={"value": groups})

    result = run(owner_id=OWNER, object_type=["group"])

    assert len(result["deleted_items"]) == count
    warnings = [str(warning) for warning in result.get("warnings", [])]
    if warned:
        assert len(warnings) == 1
        assert "Graph returned 1000 deleted group items owned by %s" % OWNER in warnings[0]
        assert "more may exist" in warnings[0]
    else:
        assert warnings == []


# --- options that fail before any request ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(object_type=["group"], app_id=APP_ID), "app_id applies only to object_type application or "),
        (dict(object_type=["user"], app_id=APP_ID), "not to user"),
        (
            dict(object_type=["group", "user"], user_principal_name="adele@contoso.com"),
            "user_principal_name applies only to object_type user, not to group",
        ),
        (dict(object_type=["user"], owner_id=OWNER), "owner_id lists groups and applications only, not user"),
        (
            dict(object_type=["group", "service_principal"], owner_id=OWNER),
            "owner_id lists groups and applications only, not service_principal",
        ),
        (dict(owner_id=OWNER, filter="startswith(displayName,'S')"), "filter cannot be combined with owner_id"),
        (dict(owner_id="Adele Vance"), "owner_id must be an object id"),
        (dict(id="Adele Vance"), "id must be an object id"),
        (dict(id=ADELE, owner_id=OWNER), "mutually exclusive"),
        (dict(object_type=[]), "object_type must name at least one type"),
        (dict(app_id="Payroll"), "app_id must be an application (client) id"),
        (dict(deleted_before="2026-11-31"), "deleted_before must be an ISO 8601"),
        (dict(display_name=" "), "display_name must not be empty"),
    ],
)
def test_bad_options_fail_naming_the_option_before_any_request(run, transport, args, message):
    result = run(**args)

    assert result["failed"] is True
    assert message in result["msg"]
    assert transport.calls == []


def test_every_problem_of_the_task_is_reported_at_once(run, transport, tmp_path):
    missing = str(tmp_path / "corporate-ca.pem")

    result = run(owner_id="Adele Vance", object_type=["user"], ca_path=missing, access_token=None)

    assert result["failed"] is True
    problems = result["msg"].split("; ")
    assert problems[:3] == [
        "owner_id must be an object id (a GUID such as 6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11)",
        "owner_id lists groups and applications only, not user",
        "ca_path %s does not exist or cannot be read" % missing,
    ]
    assert problems[3].startswith("no credential was given")
    assert len(problems) == 4
    assert result["deleted_items"] == []
    assert transport.calls == []


def test_a_bad_id_is_reported_with_the_bad_selectors(run, transport):
    result = run(id="Adele Vance", app_id="Payroll", display_name="")

    assert result["msg"].split("; ") == [
        "id must be an object id (a GUID such as 6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11)",
        "display_name must not be empty",
        "app_id must be an application (client) id, a GUID",
    ]
    assert transport.calls == []


# --- one id -----------------------------------------------------------------------------------------------


def test_one_id_in_the_bin_is_listed_with_its_retention(run, transport):
    transport.add("GET", BIN + ADELE, body=ADELE_USER)

    result = run(id=ADELE.upper())

    assert ids_of(result) == [ADELE]
    assert result["deleted_items"][0]["permanent_deletion_date"] == "2026-12-20T08:00:00Z"


def test_one_id_not_in_the_bin_is_an_empty_list(run, transport):
    transport.add_error("GET", BIN + ADELE, 404, "Request_ResourceNotFound")

    result = run(id=ADELE)

    assert "failed" not in result
    assert result["deleted_items"] == []


def test_one_id_answered_404_without_graph_error_body_fails_instead_of_listing_nothing(run, transport):
    transport.add("GET", BIN + ADELE, status=404, body={}, headers={"request-id": "proxy-1"})

    result = run(id=ADELE)

    assert result["failed"] is True
    assert result["error_kind"] == "not_graph"
    assert result["request_id"] == "proxy-1"
    assert "graph_endpoint may not point at Microsoft Graph" in result["msg"]
    assert result["deleted_items"] == []


@pytest.mark.parametrize(
    "selectors",
    [
        dict(object_type=["group"]),
        dict(display_name="Megan Bowen"),
        dict(user_principal_name="megan@contoso.com"),
        dict(deleted_before="2026-11-01"),
    ],
)
def test_one_id_that_does_not_match_the_selectors_is_not_listed(run, transport, selectors):
    transport.add("GET", BIN + ADELE, body=ADELE_USER)

    result = run(id=ADELE, **selectors)

    assert result["deleted_items"] == []


def test_a_graph_failure_fails_with_its_status_and_code(run, transport):
    transport.add_error(
        "GET",
        LISTS["user"],
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
        headers={"request-id": "denied-1"},
    )

    result = run(object_type=["user"])

    assert result["failed"] is True
    assert result["status"] == 403
    assert result["error_code"] == "Authorization_RequestDenied"
    assert result["request_id"] == "denied-1"
    assert result["deleted_items"] == []
