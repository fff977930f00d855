# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import pytest
import requests

from ansible_collections.graphops.directory.plugins.modules import graph_deleted_item

GRAPH = "https://graph.example.test"
LOGIN = "https://login.example.test"
TENANT = "contoso.onmicrosoft.com"
ID = "6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11"
IN_BIN = GRAPH + "/v1.0/directory/deletedItems/" + ID
LIVE = GRAPH + "/v1.0/directoryObjects/" + ID
TOKEN = "given-access-token-value"
NO_ITEMS = dict(matched=0, purged=0, restored=0, skipped=0, failed=0, unchanged=0)

DELETED_USER = {
    "@odata.context": GRAPH + "/v1.0/$metadata#directoryObjects/$entity",
    "@odata.type": "#microsoft.graph.user",
    "id": ID,
    "displayName": "Adele Vance",
    "deletedDateTime": "2026-11-20T08:00:00Z",
    "userPrincipalName": ID.replace("-", "") + "AdeleV@contoso.onmicrosoft.com",
    "mail": "AdeleV@contoso.com",
}
DELETED_GROUP = {"@odata.type": "#microsoft.graph.group", "id": ID, "displayName": "Sales", "groupTypes": ["Unified"]}
DELETED_UNIT = {"@odata.type": "#microsoft.graph.administrativeUnit", "id": ID, "displayName": "Seattle"}


@pytest.fixture
def run(module_task):
    """graph_deleted_item's main() against the fake transport (the signed-in token is TOKEN)."""
    return module_task(graph_deleted_item)


def not_in_bin(transport, **headers):
    transport.add_error("GET", IN_BIN, 404, "Request_ResourceNotFound", headers=headers)


def only_entry(result):
    assert len(result["deleted_items"]) == 1
    return result["deleted_items"][0]


# --- the recycle bin as the user sees it -----------------------------------------------------


def test_an_id_that_is_nowhere_is_reported_not_found_and_nothing_changes(run, transport):
    not_in_bin(transport, **{"request-id": "lookup-1"})
    transport.add_error("GET", LIVE, 404, "Request_ResourceNotFound")

    result = run(id=ID)

    assert result["changed"] is False
    assert "failed" not in result
    entry = only_entry(result)
    assert entry["outcome"] == "not_found"
    assert entry["id"] == ID
    assert entry["object_type"] is None
    assert entry["request_id"] == "lookup-1"
    assert result["summary"] == dict(matched=1, purged=0, restored=0, skipped=0, failed=0, unchanged=1)
    assert run.sent("DELETE", IN_BIN) == []


def test_an_item_in_the_bin_is_purged(run, transport):
    transport.add("GET", IN_BIN, body=DELETED_USER)
    transport.add("DELETE", IN_BIN, status=204, headers={"request-id": "purge-1"})

    result = run(id=ID, object_type="user")

    assert result["changed"] is True
    entry = only_entry(result)
    assert entry["outcome"] == "purged"
    assert entry["object_type"] == "user"
    assert entry["display_name"] == "Adele Vance"
    assert entry["deleted_date_time"] == "2026-11-20T08:00:00Z"
    assert entry["user_principal_name"] == DELETED_USER["userPrincipalName"]
    assert entry["request_id"] == "purge-1"
    assert not any(key.startswith("@") for key in entry)
    assert result["summary"] == dict(matched=1, purged=1, restored=0, skipped=0, failed=0, unchanged=0)
    deletes = run.sent("DELETE", IN_BIN)
    assert len(deletes) == 1
    assert deletes[0].headers["Authorization"] == "Bearer " + TOKEN


def test_check_mode_only_reads_and_reports_what_would_be_purged(run, transport):
    transport.add("GET", IN_BIN, body=DELETED_USER)

    result = run(check_mode=True, id=ID)

    assert result["changed"] is True
    entry = only_entry(result)
    assert entry["outcome"] == "would_purge"
    assert result["summary"]["purged"] == 1
    assert [call.method for call in transport.calls] == ["GET"]


def test_an_item_of_another_type_fails_and_is_not_purged(run, transport):
    transport.add("GET", IN_BIN, body=DELETED_GROUP)

    result = run(id=ID, object_type="user")

    assert result["failed"] is True
    assert result["msg"] == "%s is a deleted group (Sales), not of object_type user; nothing was changed" % ID
    assert only_entry(result)["outcome"] == "failed"
    assert result["summary"] == dict(NO_ITEMS, matched=1, failed=1)
    assert run.sent("DELETE", IN_BIN) == []


def test_a_live_object_fails_naming_it_and_nothing_is_deleted(run, transport):
    not_in_bin(transport)
    live_user = dict(DELETED_USER, deletedDateTime=None)
    transport.add("GET", LIVE, body=live_user, headers={"request-id": "live-1"})

    result = run(id=ID)

    assert result["failed"] is True
    assert ID in result["msg"]
    assert "live user" in result["msg"]
    assert "Adele Vance" in result["msg"]
    assert "nothing was changed" in result["msg"]
    assert result["request_id"] == "live-1"
    assert result["deleted_items"] == []
    assert result["summary"] == NO_ITEMS
    assert [call.method for call in transport.calls] == ["GET", "GET"]


def test_without_read_permission_on_live_objects_the_id_is_reported_not_found(run, transport):
    not_in_bin(transport)
    transport.add_error("GET", LIVE, 403, "Authorization_RequestDenied", "Insufficient privileges")

    result = run(id=ID)

    assert result["changed"] is False
    assert only_entry(result)["outcome"] == "not_found"
    assert any("Cannot tell whether %s is a live object" % ID in line for line in run.logged)
    assert run.sent("DELETE", IN_BIN) == []


def test_an_item_that_leaves_the_bin_before_the_purge_is_not_found(run, transport):
    transport.add("GET", IN_BIN, body=DELETED_USER)
    transport.add_error("DELETE", IN_BIN, 404, "Request_ResourceNotFound", headers={"request-id": "gone-1"})

    result = run(id=ID)

    assert result["changed"] is False
    assert "failed" not in result
    entry = only_entry(result)
    assert entry["outcome"] == "not_found"
    assert entry["reason"] == "left the recycle bin before the purge"
    assert entry["request_id"] == "gone-1"
    assert result["summary"]["unchanged"] == 1


@pytest.mark.parametrize("status", [503, 504])
def test_a_purge_answered_not_found_after_an_outage_is_reported_purged(run, transport, status):
    # Graph purged the item but answered 503 or 504; the purge sent again then finds it gone.
    transport.add("GET", IN_BIN, body=DELETED_USER)
    transport.add_error("DELETE", IN_BIN, status, "ServiceUnavailable", headers={"Retry-After": "2"})
    transport.add_error("DELETE", IN_BIN, 404, "Request_ResourceNotFound", headers={"request-id": "gone-2"})

    result = run(id=ID)

    assert result["changed"] is True
    assert "failed" not in result
    entry = only_entry(result)
    assert entry["outcome"] == "purged"
    assert entry["reason"] == graph_deleted_item.RESENT_REASON
    assert entry["request_id"] == "gone-2"
    assert result["summary"] == dict(NO_ITEMS, matched=1, purged=1)
    assert len(run.sent("DELETE", IN_BIN)) == 2
    assert run.sleeps == [2]


def test_a_purge_answered_not_found_after_throttling_is_not_found(run, transport):
    # A 429 means Graph did nothing: the item left the bin some other way.
    transport.add("GET", IN_BIN, body=DELETED_USER)
    transport.add_error("DELETE", IN_BIN, 429, "TooManyRequests", headers={"Retry-After": "2"})
    transport.add_error("DELETE", IN_BIN, 404, "Request_ResourceNotFound")

    result = run(id=ID)

    assert result["changed"] is False
    assert only_entry(result)["outcome"] == "not_found"
    assert only_entry(result)["reason"] == "left the recycle bin before the purge"


def test_a_404_without_graph_error_body_fails_instead_of_counting_as_not_found(run, transport):
    transport.add("GET", IN_BIN, status=404, body={"message": "Not Found"}, headers={"request-id": "proxy-1"})

    result = run(id=ID)

    assert result["failed"] is True
    assert result["error_kind"] == "not_graph"
    assert result["status"] == 404
    assert "graph_endpoint may not point at Microsoft Graph" in result["msg"]
    assert result["deleted_items"] == []
    assert run.sent("GET", LIVE) == []
    assert run.sent("DELETE", IN_BIN) == []


def test_a_purge_answered_404_without_graph_error_body_fails(run, transport):
    transport.add("GET", IN_BIN, body=DELETED_USER)
    transport.add("DELETE", IN_BIN, status=404, body={})

    result = run(id=ID)

    assert result["failed"] is True
    assert result["error_kind"] == "not_graph"
    assert "DELETE /directory/deletedItems/%s answered HTTP 404 without Graph's error body" % ID in result["msg"]
    assert not any(entry["outcome"] == "not_found" for entry in result["deleted_items"])


def test_administrative_units_are_skipped_because_graph_cannot_purge_them(run, transport):
    transport.add("GET", IN_BIN, body=DELETED_UNIT)

    result = run(id=ID)

    assert result["changed"] is False
    entry = only_entry(result)
    assert entry["outcome"] == "skipped"
    assert "administrative units cannot be purged" in entry["reason"]
    assert result["summary"]["skipped"] == 1
    assert run.sent("DELETE", IN_BIN) == []


def test_a_graph_failure_reports_status_code_and_request_ids(run, transport):
    transport.add("GET", IN_BIN, body=DELETED_USER)
    transport.add_error(
        "DELETE",
        IN_BIN,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
        headers={"request-id": "denied-1"},
    )

    result = run(id=ID)

    assert result["failed"] is True
    assert "Insufficient privileges to complete the operation." in result["msg"]
    assert result["status"] == 403
    assert result["error_code"] == "Authorization_RequestDenied"
    assert result["request_id"] == "denied-1"
    assert result["client_request_id"] == run.sent("DELETE", IN_BIN)[0].headers["client-request-id"]
    assert result["error_kind"] == "graph"


def test_a_graph_failure_while_looking_up_is_reported_too(run, transport):
    transport.add_error("GET", IN_BIN, 400, "Request_BadRequest", "Invalid object identifier")

    result = run(id=ID)

    assert result["failed"] is True
    assert result["status"] == 400
    assert result["error_code"] == "Request_BadRequest"
    assert run.sent("GET", LIVE) == []


def test_throttling_during_the_lookup_is_waited_out(run, transport):
    transport.add_error("GET", IN_BIN, 429, "TooManyRequests", headers={"Retry-After": "3"})
    transport.add("GET", IN_BIN, body=DELETED_USER)
    transport.add("DELETE", IN_BIN, status=204)

    result = run(id=ID)

    assert only_entry(result)["outcome"] == "purged"
    assert run.sleeps == [3]
    assert any("HTTP 429" in line for line in run.logged)


def test_a_tls_failure_names_ca_path(run, transport):
    transport.add("GET", IN_BIN, raises=requests.exceptions.SSLError("certificate verify failed"))

    result = run(id=ID)

    assert result["failed"] is True
    assert result["error_kind"] == "tls"
    assert "ca_path" in result["msg"]


# --- diff ------------------------------------------------------------------------------------


def diff_items(result):
    return result["diff"]["before"]["recycle_bin"], result["diff"]["after"]["recycle_bin"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_diff_shows_the_item_leaving_the_bin(run, transport, check_mode):
    transport.add("GET", IN_BIN, body=DELETED_USER)
    transport.add("DELETE", IN_BIN, status=204)

    before, after = diff_items(run(check_mode=check_mode, diff=True, id=ID))

    assert before == [
        {
            "id": ID,
            "object_type": "user",
            "display_name": "Adele Vance",
            "deleted_date_time": "2026-11-20T08:00:00Z",
            "user_principal_name": DELETED_USER["userPrincipalName"],
            "mail": "AdeleV@contoso.com",
        }
    ]
    assert after == []


def test_diff_is_empty_when_the_item_is_not_in_the_bin(run, transport):
    not_in_bin(transport)
    transport.add_error("GET", LIVE, 404, "Request_ResourceNotFound")

    assert diff_items(run(diff=True, id=ID)) == ([], [])


def test_diff_keeps_a_skipped_item_in_the_bin(run, transport):
    transport.add("GET", IN_BIN, body=DELETED_UNIT)

    before, after = diff_items(run(diff=True, id=ID))

    assert before == after
    assert [item["object_type"] for item in before] == ["administrative_unit"]


def test_no_diff_unless_asked(run, transport):
    transport.add("GET", IN_BIN, body=DELETED_USER)
    transport.add("DELETE", IN_BIN, status=204)

    assert "diff" not in run(id=ID)


# --- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["Adele Vance", ID + "/../../users", ID + "\n"])
def test_an_id_that_is_not_an_object_id_fails_before_any_request(run, transport, bad_id):
    result = run(id=bad_id)

    assert result["failed"] is True
    assert result["msg"].startswith("id must be an object id")
    assert transport.calls == []


def test_bad_connection_options_fail_before_any_request(run, transport):
    result = run(id=ID, graph_endpoint="http://graph.example.test")

    assert result["failed"] is True
    assert result["msg"] == "graph_endpoint must be an https:// URL, got http://..."
    assert result["deleted_items"] == []
    assert result["summary"] == NO_ITEMS
    assert transport.calls == []


def test_a_missing_ca_path_fails_before_any_request(run, transport, tmp_path):
    missing = str(tmp_path / "corporate-ca.pem")

    result = run(id=ID, ca_path=missing)

    assert result["failed"] is True
    assert result["msg"] == "ca_path %s does not exist or cannot be read" % missing
    assert transport.calls == []


def test_every_problem_of_the_task_is_reported_at_once(run, transport):
    result = run(id="Adele Vance", max_items=0, timeout=7200, graph_endpoint="http://graph.example.test")

    assert result["failed"] is True
    assert result["msg"].split("; ") == [
        "id must be an object id (a GUID such as 6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11)",
        "max_items must be 1 or more, got 0",
        "graph_endpoint must be an https:// URL, got http://...",
        "timeout must be a number of seconds from 1 to 3600, got 7200",
    ]
    assert result["deleted_items"] == []
    assert result["summary"] == NO_ITEMS
    assert transport.calls == []


def test_a_missing_credential_is_reported_with_the_other_problems(run, transport):
    result = run(id="Adele Vance", access_token=None)

    assert result["failed"] is True
    problems = result["msg"].split("; ")
    assert problems[0].startswith("id must be an object id")
    assert problems[1].startswith("no credential was given")
    assert len(problems) == 2
    assert transport.calls == []


def test_the_access_token_never_appears_in_the_output(run, transport):
    transport.add("GET", IN_BIN, body=DELETED_USER)
    transport.add("DELETE", IN_BIN, status=204)

    run(id=ID)

    assert TOKEN not in run.output
    assert not any(TOKEN in line for line in run.logged)


def test_turning_off_certificate_checks_warns(run, transport):
    not_in_bin(transport)
    transport.add_error("GET", LIVE, 404, "Request_ResourceNotFound")

    result = run(id=ID, validate_certs=False)

    assert any("validate_certs" in str(warning) for warning in result["warnings"])
    assert all(call.kwargs["verify"] is False for call in transport.calls)


def test_a_client_secret_from_the_environment_signs_in_and_purges(run, transport, identity, monkeypatch):
    token_url = identity(tenant=TENANT)
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT)
    monkeypatch.setenv("AZURE_CLIENT_ID", "0b5e6f2a-9c43-4d1e-8f7a-3c2b1a0d9e8f")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "environment-secret-value")
    transport.add("GET", IN_BIN, body=DELETED_USER)
    transport.add("DELETE", IN_BIN, status=204)

    result = run(id=ID, access_token=None)

    assert only_entry(result)["outcome"] == "purged"
    posts = [call for call in transport.calls if call.method == "POST"]
    assert [call.url for call in posts] == [token_url]
    assert posts[0].form["client_id"] == ["0b5e6f2a-9c43-4d1e-8f7a-3c2b1a0d9e8f"]
    assert posts[0].form["scope"] == [GRAPH + "/.default"]
    assert all(call.headers["Authorization"] == "Bearer token-1" for call in transport.calls if call.origin == GRAPH)
    assert "environment-secret-value" not in run.output


def test_a_secret_of_the_task_wins_over_a_certificate_left_in_the_environment(run, transport, identity, monkeypatch):
    token_url = identity(tenant=TENANT)
    monkeypatch.setenv("AZURE_CLIENT_CERTIFICATE_PATH", "/nowhere/leftover.pem")
    monkeypatch.setenv("AZURE_CLIENT_CERTIFICATE_PASSWORD", "leftover-password")
    transport.add("GET", IN_BIN, body=DELETED_USER)
    transport.add("DELETE", IN_BIN, status=204)

    result = run(id=ID, access_token=None, tenant_id=TENANT, client_id="c-1", client_secret="task-secret-value")

    assert only_entry(result)["outcome"] == "purged"
    posts = [call for call in transport.calls if call.method == "POST"]
    assert [call.url for call in posts] == [token_url]
    assert posts[0].form["client_secret"] == ["task-secret-value"]
    assert "client_assertion" not in posts[0].form


def test_a_secret_from_the_environment_is_masked_wherever_it_shows(run, transport, identity, monkeypatch):
    # An endpoint that echoes what it was sent puts the secret into the failure message.
    echo = {"error": "invalid_client", "error_description": "bad secret environment-secret-value"}
    identity(tenant=TENANT, token_answers=[dict(status=401, body=echo)])
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT)
    monkeypatch.setenv("AZURE_CLIENT_ID", "c-1")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "environment-secret-value")

    result = run(id=ID, access_token=None)

    assert result["failed"] is True
    assert "bad secret ********" in result["msg"]
    assert "environment-secret-value" not in run.output


def test_a_refused_sign_in_fails_with_the_aadsts_code_and_sends_nothing_to_graph(run, transport, identity):
    refusal = {
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided.",
        "error_codes": [7000215],
        "correlation_id": "corr-1",
    }
    identity(tenant=TENANT, token_answers=[dict(status=401, body=refusal)])

    result = run(id=ID, access_token=None, tenant_id=TENANT, client_id="c-1", client_secret="wrong-secret-value")

    assert result["failed"] is True
    assert result["status"] == 401
    assert result["error_code"] == "AADSTS7000215"
    assert result["error_kind"] == "auth"
    assert result["request_id"] == "corr-1"
    token_post = [call for call in transport.calls if call.method == "POST"][0]
    assert result["client_request_id"] == token_post.headers["client-request-id"]
    assert [call for call in transport.calls if call.origin == GRAPH] == []
    assert "wrong-secret-value" not in run.output
