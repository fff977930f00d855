# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Given a full recycle bin, one graph_deleted_item task purges a whole selection through $batch."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .tenants import (
    ALICE,
    BOB,
    CAROL_LIVE,
    DELETED_AU,
    OLD_APP,
    OWNED_BY_CLIENT_ID,
    TENANT_ID,
    bulk_seed,
)
from .test_purge_by_id import PURGE, in_bin, writes


def bulk_task(**options):
    return {"name": "bulk", PURGE: options, "register": "bulk"}


def deleted_count(emulator, object_type="user"):
    tenant = emulator.tenant(TENANT_ID)
    return sum(1 for r in tenant.records.values() if r.deleted and r.type == object_type)


def test_hundreds_of_items_are_purged_in_one_task_through_batch(playbook, emulator, secret):
    emulator.reset(bulk_seed(secret, users=100, old_users=300))

    run = playbook.run([bulk_task(object_type="user", older_than_days=9, max_items=500)])

    assert run.rc == 0, run.output
    result = run.result("bulk")
    assert result["changed"] is True
    items = result["deleted_items"]
    assert len(items) == 301  # the old users and Bob, deleted 10 days ago
    assert {i["outcome"] for i in items} == {"purged"}
    assert all(i["request_id"] for i in items)
    assert result["summary"] == {
        "matched": 301,
        "purged": 301,
        "restored": 0,
        "skipped": 0,
        "failed": 0,
        "unchanged": 0,
    }
    assert not in_bin(emulator, BOB)
    assert in_bin(emulator, ALICE)
    assert deleted_count(emulator) == 100 + 3  # the newer users, Alice, Dana, Siobhan
    deletes = writes(emulator)
    assert len(deletes) == 301 and all(r["method"] == "DELETE" and r.get("batch_of") for r in deletes)
    batches = [r for r in emulator.requests("graph") if r["path"] == "/v1.0/$batch"]
    assert len(batches) == 16  # 301 items, 20 to a batch
    assert all(r["batch_size"] <= 20 for r in batches)


def test_check_mode_on_a_selection_sends_no_write(playbook, emulator, secret):
    emulator.reset(bulk_seed(secret, old_users=50))

    run = playbook.run([bulk_task(object_type="user", older_than_days=9)], check=True, diff=True)

    assert run.rc == 0, run.output
    result = run.result("bulk")
    assert {i["outcome"] for i in result["deleted_items"]} == {"would_purge"}
    assert result["summary"]["purged"] == result["summary"]["matched"] == 51
    assert len(result["diff"]["before"]["recycle_bin"]) == 51
    assert result["diff"]["after"]["recycle_bin"] == []
    assert writes(emulator) == []
    assert deleted_count(emulator) == 50 + 4


def test_a_selection_larger_than_max_items_changes_nothing(playbook, emulator, secret):
    emulator.reset(bulk_seed(secret, old_users=150))

    run = playbook.run([bulk_task(object_type="user", all=True)])

    assert run.rc != 0
    msg = run.result("bulk")["msg"]
    assert "154 items" in msg and "max_items (100)" in msg and "max_items: 154" in msg
    assert writes(emulator) == []
    assert deleted_count(emulator) == 154


def test_ids_from_a_gitops_list_take_the_bulk_path(playbook, emulator):
    missing = "0a0a0a0a-1b1b-4c2c-8d3d-4e4e4e4e4e4e"

    run = playbook.run([bulk_task(ids=[ALICE["id"], BOB["id"].upper(), missing, ALICE["id"]], object_type="user")])

    assert run.rc == 0, run.output
    outcomes = {i["id"]: i["outcome"] for i in run.result("bulk")["deleted_items"]}
    assert outcomes == {ALICE["id"]: "purged", BOB["id"]: "purged", missing: "not_found"}
    assert run.result("bulk")["summary"]["unchanged"] == 1
    assert not in_bin(emulator, ALICE) and not in_bin(emulator, BOB)
    assert in_bin(emulator, OLD_APP)


def test_ids_with_a_live_object_fail_before_anything_is_purged(playbook, emulator):
    run = playbook.run([bulk_task(ids=[ALICE["id"], CAROL_LIVE["id"]])])

    assert run.rc != 0
    assert "is a live user (Carol Cruz)" in run.result("bulk")["msg"]
    assert writes(emulator) == []
    assert in_bin(emulator, ALICE)


def test_ids_of_another_type_fail_before_anything_is_purged(playbook, emulator):
    run = playbook.run([bulk_task(ids=[ALICE["id"], OLD_APP["id"]], object_type="user")])

    assert run.rc != 0
    assert "is a deleted application" in run.result("bulk")["msg"]
    assert writes(emulator) == []


def test_one_failed_item_does_not_stop_the_others_and_the_totals_add_up(playbook, emulator, secret):
    emulator.reset(bulk_seed(secret, apps=30, owned_apps=12))
    connection = playbook.connection(client_id=OWNED_BY_CLIENT_ID)

    run = playbook.run([bulk_task(object_type="application", display_name=None, all=True)], connection=connection)

    assert run.rc != 0
    result = run.result("bulk")
    outcomes = [i["outcome"] for i in result["deleted_items"]]
    assert outcomes.count("purged") == 12
    assert outcomes.count("failed") == 31 - 12  # the 18 not owned, and the old payroll connector
    summary = result["summary"]
    assert summary["purged"] + summary["failed"] + summary["skipped"] + summary["unchanged"] == summary["matched"]
    assert result["msg"].startswith("19 of 31 items failed")
    failed = [i for i in result["deleted_items"] if i["outcome"] == "failed"]
    assert all(i["error_code"] == "Authorization_RequestDenied" for i in failed)
    assert all(i["id"] in result["msg"] for i in failed)
    assert deleted_count(emulator, "application") == 19


def test_administrative_units_in_a_selection_are_skipped(playbook, emulator):
    run = playbook.run([bulk_task(object_type="administrative_unit", all=True)])

    assert run.rc == 0, run.output
    result = run.result("bulk")
    assert [(i["id"], i["outcome"]) for i in result["deleted_items"]] == [(DELETED_AU["id"], "skipped")]
    assert result["changed"] is False
    assert writes(emulator) == []


def test_a_selection_needs_a_type_and_a_selector(playbook, emulator):
    tasks = [
        {"name": "nothing", PURGE: {}, "ignore_errors": True},
        {"name": "no type", PURGE: {"older_than_days": 3}, "ignore_errors": True},
        {"name": "mixed", PURGE: {"id": ALICE["id"], "display_name": "x"}, "ignore_errors": True},
        {"name": "bad ids", PURGE: {"ids": [ALICE["id"], "../../users"]}, "ignore_errors": True},
    ]

    run = playbook.run(tasks)

    assert "nothing is selected" in run.result("nothing")["msg"]
    assert "object_type is required with older_than_days" in run.result("no type")["msg"]
    assert "id selects items by object id and cannot be combined with display_name" in run.result("mixed")["msg"]
    assert "ids[1] must be an object id" in run.result("bad ids")["msg"]
    assert emulator.requests() == []


def test_a_raw_filter_cannot_widen_what_the_other_selectors_select(playbook, emulator):
    sneaky = "startswith(displayName,'Z')) or (startswith(displayName,'B')"

    run = playbook.run([bulk_task(object_type="user", display_name="Alice Archer", filter=sneaky)])

    assert run.rc != 0
    assert "filter has parentheses that do not balance" in run.result("bulk")["msg"]
    assert emulator.requests() == []
    assert in_bin(emulator, BOB)
