# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Given items in the recycle bin, graph_deleted_item with state: restored brings them back."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .tenants import ALICE, BOB, CONFLICTING_USER, DOMAIN, OLD_APP, OLD_APP_SP, TENANT_ID, bulk_seed
from .test_purge_by_id import PURGE, in_bin, writes


def restore_task(name="restore", **options):
    options.setdefault("state", "restored")
    return {"name": name, PURGE: options, "register": "restore"}


def live(emulator, obj):
    return emulator.directory.find(emulator.tenant(TENANT_ID), obj["id"], deleted=False)


def test_a_user_is_restored_and_a_rerun_is_unchanged(playbook, emulator):
    run = playbook.run([restore_task(id=ALICE["id"], object_type="user")], diff=True)

    assert run.rc == 0, run.output
    result = run.result("restore")
    assert result["changed"] is True
    assert result["deleted_items"][0]["outcome"] == "restored"
    assert result["summary"]["restored"] == 1
    assert result["diff"]["after"]["recycle_bin"] == []
    record = live(emulator, ALICE)
    assert record.obj["userPrincipalName"] == ALICE["userPrincipalName"]
    [write] = writes(emulator)
    assert (write["method"], write["path"]) == ("POST", "/v1.0/directory/deletedItems/%s/restore" % ALICE["id"])

    again = playbook.run([restore_task(id=ALICE["id"])])

    assert again.rc == 0, again.output
    assert again.result("restore")["changed"] is False
    [item] = again.result("restore")["deleted_items"]
    assert item["outcome"] == "not_found"
    assert "live user" in item["reason"]


def test_check_mode_restore_sends_no_write(playbook, emulator):
    run = playbook.run([restore_task(id=BOB["id"])], check=True)

    assert run.rc == 0, run.output
    assert run.result("restore")["deleted_items"][0]["outcome"] == "would_restore"
    assert writes(emulator) == []
    assert in_bin(emulator, BOB)


def test_a_taken_upn_is_reported_with_how_to_resolve_it(playbook, emulator, secret):
    emulator.reset(bulk_seed(secret))

    run = playbook.run([restore_task(id=CONFLICTING_USER["id"], object_type="user")])

    assert run.rc != 0
    result = run.result("restore")
    [item] = result["deleted_items"]
    assert item["outcome"] == "failed"
    assert "userPrincipalName" in item["reason"] and "new_user_principal_name" in item["reason"]
    assert result["status"] == 400
    assert in_bin(emulator, CONFLICTING_USER)


def test_a_user_restored_under_a_new_upn_with_its_proxy_conflict_reconciled(playbook, emulator, secret):
    emulator.reset(bulk_seed(secret))
    new_upn = "dana.dupont2@" + DOMAIN
    tasks = [
        restore_task(
            name="new upn only", id=CONFLICTING_USER["id"], object_type="user", new_user_principal_name=new_upn
        ),
        restore_task(
            name="reconciled",
            id=CONFLICTING_USER["id"],
            object_type="user",
            new_user_principal_name=new_upn,
            auto_reconcile_proxy_conflict=True,
        ),
    ]
    tasks[0]["ignore_errors"] = True

    run = playbook.run(tasks)

    first = run.result("new upn only")
    assert first["deleted_items"][0]["outcome"] == "failed"
    assert "auto_reconcile_proxy_conflict" in first["deleted_items"][0]["reason"]
    second = run.result("reconciled")
    assert second["deleted_items"][0]["outcome"] == "restored"
    record = live(emulator, CONFLICTING_USER)
    assert record.obj["userPrincipalName"] == new_upn
    assert record.obj["proxyAddresses"] == []
    attempts = [r["status"] for r in emulator.requests("graph") if r["path"].endswith("/restore")]
    assert attempts == [400, 200]


def test_an_application_is_restored_with_its_service_principal_after_it(playbook, emulator):
    run = playbook.run(
        [restore_task(object_type="application", app_id=OLD_APP["appId"], restore_service_principal=True)]
    )

    assert run.rc == 0, run.output
    result = run.result("restore")
    assert [(i["id"], i["outcome"]) for i in result["deleted_items"]] == [
        (OLD_APP["id"], "restored"),
        (OLD_APP_SP["id"], "restored"),
    ]
    assert result["summary"]["restored"] == result["summary"]["matched"] == 2
    assert live(emulator, OLD_APP) and live(emulator, OLD_APP_SP)
    order = [r["path"].split("/")[-2] for r in writes(emulator)]
    assert order == [OLD_APP["id"], OLD_APP_SP["id"]]


def test_an_application_alone_leaves_its_service_principal_in_the_bin(playbook, emulator):
    run = playbook.run([restore_task(id=OLD_APP["id"], object_type="application")])

    assert run.rc == 0, run.output
    assert live(emulator, OLD_APP)
    assert in_bin(emulator, OLD_APP_SP)


def test_user_options_for_another_type_fail_before_any_request(playbook, emulator):
    tasks = [
        restore_task(
            name="upn for app", id=OLD_APP["id"], object_type="application", new_user_principal_name="x@" + DOMAIN
        ),
        restore_task(name="sp for user", id=ALICE["id"], object_type="user", restore_service_principal=True),
        restore_task(
            name="upn for many", ids=[ALICE["id"], BOB["id"]], object_type="user", new_user_principal_name="x@" + DOMAIN
        ),
    ]
    for task in tasks:
        task["ignore_errors"] = True

    run = playbook.run(tasks)

    assert "apply only to users" in run.result("upn for app")["msg"]
    assert "restore_service_principal needs object_type: application" in run.result("sp for user")["msg"]
    assert "new_user_principal_name renames one user" in run.result("upn for many")["msg"]
    assert emulator.requests() == []


def test_a_rerun_with_restore_service_principal_brings_back_the_principal_it_left(playbook, emulator):
    first = playbook.run([restore_task(id=OLD_APP["id"], object_type="application")])
    again = playbook.run([restore_task(id=OLD_APP["id"], object_type="application", restore_service_principal=True)])

    assert first.rc == 0 and again.rc == 0, again.output
    outcomes = {i["id"]: i["outcome"] for i in again.result("restore")["deleted_items"]}
    assert outcomes == {OLD_APP["id"]: "not_found", OLD_APP_SP["id"]: "restored"}
    assert again.result("restore")["changed"] is True
    assert live(emulator, OLD_APP_SP)


def test_service_principals_count_toward_max_items(playbook, emulator):
    run = playbook.run([restore_task(object_type="application", all=True, restore_service_principal=True, max_items=1)])

    assert run.rc != 0
    assert "holds 2 items, more than max_items (1)" in run.result("restore")["msg"]
    assert writes(emulator) == []
