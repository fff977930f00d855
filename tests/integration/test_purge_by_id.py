# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Given a recycle bin, when graph_deleted_item purges one item by id, then only that item is gone."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .tenants import ALICE, BOB, CAROL_LIVE, DELETED_AU, DELETED_GROUP, OLD_APP, OLD_APP_SP, TENANT_ID

PURGE = "graphops.directory.graph_deleted_item"


def purge_task(object_id, name="purge", **options):
    args = dict(id=object_id, state="absent")
    args.update(options)
    return {"name": name, PURGE: args, "register": "outcome"}


def in_bin(emulator, obj):
    record = emulator.directory.find(emulator.tenant(TENANT_ID), obj["id"], deleted=True)
    return record is not None


def writes(emulator):
    """Every request that changed the directory, inside a $batch or not."""
    return [r for r in emulator.requests("graph") if r.get("write")]


def test_check_mode_with_diff_reports_the_purge_and_sends_no_write(playbook, emulator):
    run = playbook.run([purge_task(ALICE["id"], object_type="user")], check=True, diff=True)

    assert run.rc == 0, run.output
    result = run.result("purge")
    assert result["changed"] is True
    [item] = result["deleted_items"]
    assert item["outcome"] == "would_purge"
    assert item["id"] == ALICE["id"]
    assert item["object_type"] == "user"
    assert item["display_name"] == "Alice Archer"
    assert item["user_principal_name"].startswith(ALICE["id"].replace("-", ""))
    assert result["summary"] == {"matched": 1, "purged": 1, "restored": 0, "skipped": 0, "failed": 0, "unchanged": 0}
    assert result["diff"]["before"]["recycle_bin"][0]["id"] == ALICE["id"]
    assert result["diff"]["after"]["recycle_bin"] == []
    assert "Alice Archer" in run.stdout
    assert writes(emulator) == []
    assert in_bin(emulator, ALICE)


def test_purge_deletes_only_the_selected_item_and_a_rerun_is_unchanged(playbook, emulator):
    first = playbook.run([purge_task(ALICE["id"])])

    assert first.rc == 0, first.output
    result = first.result("purge")
    assert result["changed"] is True
    [item] = result["deleted_items"]
    assert item["outcome"] == "purged"
    assert item["request_id"]
    assert result["summary"]["purged"] == 1
    deletes = writes(emulator)
    assert [(r["method"], r["path"], r["status"]) for r in deletes] == [
        ("DELETE", "/v1.0/directory/deletedItems/%s" % ALICE["id"], 204)
    ]
    assert not in_bin(emulator, ALICE)
    for other in (BOB, OLD_APP, OLD_APP_SP, DELETED_GROUP, DELETED_AU):
        assert in_bin(emulator, other)

    emulator.clear_log()
    second = playbook.run([purge_task(ALICE["id"])])

    assert second.rc == 0, second.output
    again = second.result("purge")
    assert again["changed"] is False
    assert again["deleted_items"][0]["outcome"] == "not_found"
    assert again["summary"]["unchanged"] == 1
    assert writes(emulator) == []


def test_object_type_guard_fails_before_anything_is_deleted(playbook, emulator):
    run = playbook.run([purge_task(OLD_APP["id"], object_type="service_principal")])

    assert run.rc != 0
    assert run.failed("purge")
    result = run.result("purge")
    assert "application" in result["msg"] and "service_principal" in result["msg"]
    assert writes(emulator) == []
    assert in_bin(emulator, OLD_APP)


def test_a_live_object_is_refused_and_left_alone(playbook, emulator):
    run = playbook.run([purge_task(CAROL_LIVE["id"])])

    assert run.rc != 0
    result = run.result("purge")
    assert "live user" in result["msg"]
    assert "Carol Cruz" in result["msg"]
    assert writes(emulator) == []
    assert emulator.directory.find(emulator.tenant(TENANT_ID), CAROL_LIVE["id"], deleted=False) is not None


def test_an_id_that_is_not_a_guid_fails_naming_the_option_before_any_request(playbook, emulator):
    run = playbook.run([purge_task("alice@contoso-test.onmicrosoft.com")])

    assert run.rc != 0
    result = run.result("purge")
    assert result["msg"].startswith("id must be an object id")
    assert emulator.requests() == []


def test_an_unknown_id_is_not_found_and_unchanged(playbook, emulator):
    run = playbook.run([purge_task("11111111-2222-4333-8444-555555555555")])

    assert run.rc == 0, run.output
    result = run.result("purge")
    assert result["changed"] is False
    assert result["deleted_items"][0]["outcome"] == "not_found"
    assert writes(emulator) == []


def test_administrative_units_are_skipped_with_the_reason(playbook, emulator):
    run = playbook.run([purge_task(DELETED_AU["id"])])

    assert run.rc == 0, run.output
    result = run.result("purge")
    assert result["changed"] is False
    [item] = result["deleted_items"]
    assert item["outcome"] == "skipped"
    assert "30 days" in item["reason"]
    assert result["summary"]["skipped"] == 1
    assert writes(emulator) == []
    assert in_bin(emulator, DELETED_AU)


def test_a_service_principal_is_purged_by_its_own_id(playbook, emulator):
    run = playbook.run([purge_task(OLD_APP_SP["id"], object_type="service_principal")])

    assert run.rc == 0, run.output
    [item] = run.result("purge")["deleted_items"]
    assert item["outcome"] == "purged"
    assert item["app_id"] == OLD_APP["appId"]
    assert not in_bin(emulator, OLD_APP_SP)
    assert in_bin(emulator, OLD_APP)


def test_a_group_purge_refused_by_graph_reports_status_code_and_request_id(playbook, emulator):
    run = playbook.run([purge_task(DELETED_GROUP["id"])])

    assert run.rc != 0
    result = run.result("purge")
    assert result["status"] == 403
    assert result["error_code"] == "Authorization_RequestDenied"
    assert result["request_id"]
    assert "Insufficient privileges" in result["msg"]
    assert result["deleted_items"][0]["outcome"] == "failed"
    assert result["summary"]["failed"] == result["summary"]["matched"] == 1
    assert in_bin(emulator, DELETED_GROUP)


def test_a_soft_deleted_live_object_can_then_be_purged(playbook, emulator):
    tasks = [
        {
            "name": "soft delete",
            "ansible.builtin.uri": {
                "url": "%s/v1.0/users/%s" % (emulator.url, CAROL_LIVE["id"]),
                "method": "DELETE",
                "status_code": 204,
                "ca_path": playbook.ca_path,
                "headers": {"Authorization": "Bearer {{ token.json.access_token }}"},
            },
            "no_log": True,
        },
        purge_task(CAROL_LIVE["id"], object_type="user"),
    ]
    token_task = {
        "name": "token",
        "ansible.builtin.uri": {
            "url": "%s/%s/oauth2/v2.0/token" % (emulator.url, TENANT_ID),
            "method": "POST",
            "body_format": "form-urlencoded",
            "body": {
                "grant_type": "client_credentials",
                "client_id": playbook.connection()["client_id"],
                "client_secret": playbook.secret,
                "scope": emulator.url + "/.default",
            },
            "ca_path": playbook.ca_path,
        },
        "register": "token",
        "no_log": True,
    }
    run = playbook.run([token_task] + tasks)

    assert run.rc == 0, run.output
    [item] = run.result("purge")["deleted_items"]
    assert item["outcome"] == "purged"
    assert item["user_principal_name"] == CAROL_LIVE["id"].replace("-", "") + CAROL_LIVE["userPrincipalName"]
    assert emulator.tenant(TENANT_ID).records.get(CAROL_LIVE["id"]) is None
