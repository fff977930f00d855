# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Given Graph that throttles, drops, stalls and breaks its answers, each task still ends with the recycle
bin in the right state and says truthfully what happened."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

import pytest

from .tenants import ALICE, BOB, TENANT_ID, bulk_seed
from .test_info import INFO
from .test_purge_by_id import PURGE, in_bin, writes

# What each fault does to the request it hits.
FAULTS = {
    "429 Retry-After seconds": dict(action="status", status=429, retry_after="1"),
    "429 Retry-After date": dict(action="status", status=429, retry_after="date"),
    "503 burst": dict(action="status", status=503, retry_after=None, count=3),
    "504": dict(action="status", status=504, retry_after="1"),
    "dropped before Graph acts": dict(action="drop"),
    "dropped after Graph acted": dict(action="drop", after=True),
    "truncated answer": dict(action="truncate"),
    "not JSON": dict(action="not_json"),
    "slower than the timeout": dict(action="slow", seconds=4),
}
# The request of each operation the fault hits: the write itself, or the list page.
OPERATIONS = {
    "purge": dict(method="DELETE", path="/deletedItems/"),
    "restore": dict(method="POST", path="/restore$"),
    "list": dict(method="GET", path="microsoft.graph.user$"),
    "bulk purge": dict(method="POST", path=r"/\$batch$", skip=1),
}
# Faults after which a restore, which is not safe to send twice, is reported and not sent again: a 503 or 504
# may come after Graph acted, unlike a 429.
LOST_ANSWERS = (
    "503 burst",
    "504",
    "dropped before Graph acts",
    "dropped after Graph acted",
    "truncated answer",
    "slower than the timeout",
    "not JSON",
)
RESTORE_APPLIED = ("dropped after Graph acted", "truncated answer", "slower than the timeout")


def inject(emulator, fault, operation):
    options = dict(FAULTS[fault])
    options.update(OPERATIONS[operation])
    action = options.pop("action")
    options.setdefault("count", 1)
    if action == "status" and operation == "bulk purge":
        # Throttling inside the $batch: each inner DELETE is answered with the fault.
        options.update(method="DELETE", path="/deletedItems/", scope="inner", skip=0)
    if action != "status":
        options.setdefault("scope", "outer")
    return emulator.faults.add(action, **options)


def task_for(operation):
    timeout = {"timeout": 2}
    if operation == "purge":
        return {"name": "op", PURGE: dict(id=ALICE["id"], **timeout), "register": "op"}
    if operation == "restore":
        return {"name": "op", PURGE: dict(id=BOB["id"], state="restored", **timeout), "register": "op"}
    if operation == "list":
        return {"name": "op", INFO: dict(object_type=["user"], **timeout), "register": "op"}
    return {"name": "op", PURGE: dict(ids=[ALICE["id"], BOB["id"]], **timeout), "register": "op"}


def live(emulator, obj):
    return emulator.directory.find(emulator.tenant(TENANT_ID), obj["id"], deleted=False) is not None


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_matrix(playbook, emulator, fault, operation):
    rule = inject(emulator, fault, operation)

    run = playbook.run([task_for(operation)])

    assert rule.fired >= 1, "the fault never hit"
    result = run.result("op")
    if operation == "purge":
        assert run.rc == 0, run.output
        assert [i["outcome"] for i in result["deleted_items"]] == ["purged"]
        assert result["changed"] is True
        assert not in_bin(emulator, ALICE)
    elif operation == "bulk purge":
        assert run.rc == 0, run.output
        assert sorted(i["outcome"] for i in result["deleted_items"]) == ["purged", "purged"]
        assert result["summary"]["purged"] == result["summary"]["matched"] == 2
        assert not in_bin(emulator, ALICE) and not in_bin(emulator, BOB)
    elif operation == "list":
        assert run.rc == 0, run.output
        assert {i["id"] for i in result["deleted_items"]} == {ALICE["id"], BOB["id"]}
    elif fault in LOST_ANSWERS:
        assert run.rc != 0
        assert "not sent again" in result["msg"]
        assert live(emulator, BOB) is (fault in RESTORE_APPLIED)
        restores = [r for r in emulator.requests("graph") if r["path"].endswith("/restore")]
        assert len(restores) == 1
    else:
        assert run.rc == 0, run.output
        assert [i["outcome"] for i in result["deleted_items"]] == ["restored"]
        assert live(emulator, BOB)


def test_throttling_past_the_retry_cap_fails_the_item_and_never_reports_it_purged(playbook, emulator):
    emulator.faults.throttle(
        count=None, retry_after="1", method="DELETE", path="/deletedItems/", scope="inner", object_id=BOB["id"]
    )

    run = playbook.run([{"name": "op", PURGE: {"ids": [ALICE["id"], BOB["id"]]}, "register": "op"}])

    assert run.rc != 0
    result = run.result("op")
    outcomes = {i["id"]: i for i in result["deleted_items"]}
    assert outcomes[ALICE["id"]]["outcome"] == "purged"
    assert outcomes[BOB["id"]]["outcome"] == "failed"
    assert "throttled" in outcomes[BOB["id"]]["reason"] and "429" in outcomes[BOB["id"]]["reason"]
    assert result["summary"] == {"matched": 2, "purged": 1, "restored": 0, "skipped": 0, "failed": 1, "unchanged": 0}
    assert in_bin(emulator, BOB) and not in_bin(emulator, ALICE)
    attempts = [r for r in emulator.requests("graph") if r["method"] == "DELETE" and BOB["id"] in r["path"]]
    assert len(attempts) == 6  # the first try and five retries


def test_a_top_level_throttle_past_the_cap_fails_with_the_reason(playbook, emulator):
    emulator.faults.throttle(count=None, retry_after="1", method="DELETE", path="/deletedItems/")

    run = playbook.run([{"name": "op", PURGE: {"id": ALICE["id"]}, "register": "op"}])

    assert run.rc != 0
    result = run.result("op")
    assert result["deleted_items"][0]["outcome"] == "failed"
    assert result["status"] == 429 and result["error_code"] == "TooManyRequests"
    assert in_bin(emulator, ALICE)


def test_an_expired_token_mid_run_is_renewed_once_and_nothing_is_sent_twice(playbook, emulator, secret):
    emulator.reset(bulk_seed(secret, old_users=120))
    emulator.faults.expire_tokens_after(4)

    run = playbook.run(
        [{"name": "op", PURGE: {"object_type": "user", "older_than_days": 9, "max_items": 500}, "register": "op"}]
    )

    assert run.rc == 0, run.output
    result = run.result("op")
    assert result["summary"]["purged"] == result["summary"]["matched"] == 121
    tokens = [r for r in emulator.requests("identity") if r["path"].endswith("/token")]
    assert len(tokens) == 2
    refused = [r for r in emulator.requests("graph") if r["status"] == 401]
    assert refused
    purged = [r["path"] for r in writes(emulator)]
    assert len(purged) == len(set(purged)) == 121


def test_wait_timeout_rides_out_replication_lag(playbook, emulator):
    emulator.faults.lag(ALICE["id"], seconds=3)
    emulator.faults.lag(BOB["id"], seconds=3)
    tasks = [
        {"name": "no wait", PURGE: {"id": BOB["id"]}, "register": "a"},
        {"name": "wait", PURGE: {"id": ALICE["id"], "wait_timeout": 20}, "register": "b"},
    ]

    run = playbook.run(tasks)

    assert run.rc == 0, run.output
    assert run.result("no wait")["deleted_items"][0]["outcome"] == "not_found"
    assert run.result("wait")["deleted_items"][0]["outcome"] == "purged"
    assert not in_bin(emulator, ALICE)
    assert in_bin(emulator, BOB)


def test_a_write_quota_slows_a_bulk_purge_but_fails_nothing(playbook, emulator, secret):
    emulator.reset(bulk_seed(secret, old_users=60))
    emulator.faults.write_quota(capacity=20, per_seconds=4)

    run = playbook.run([{"name": "op", PURGE: {"object_type": "user", "older_than_days": 9}, "register": "op"}])

    assert run.rc == 0, run.output
    summary = run.result("op")["summary"]
    assert summary["purged"] == summary["matched"] == 61 and summary["failed"] == 0
    throttled = [r for r in emulator.requests("graph") if r["status"] == 429]
    assert throttled, "the quota never throttled: the test proves nothing"
    assert len(writes(emulator)) == 61


def test_check_mode_sends_no_write_whatever_the_fault(playbook, emulator):
    emulator.faults.throttle(count=2, retry_after="1", method="GET")
    emulator.faults.drop(count=1, method="GET")
    emulator.faults.not_json(count=1, method="POST")

    run = playbook.run(
        [
            {"name": "one", PURGE: {"id": ALICE["id"]}},
            {"name": "many", PURGE: {"ids": [ALICE["id"], BOB["id"]]}},
            {"name": "restore", PURGE: {"id": BOB["id"], "state": "restored"}},
        ],
        check=True,
    )

    assert run.rc == 0, run.output
    assert writes(emulator) == []
    assert not [r for r in emulator.requests("graph") if r["method"] in ("DELETE", "PATCH")]
    assert in_bin(emulator, ALICE) and in_bin(emulator, BOB)


def test_a_bulk_run_stopped_half_way_completes_the_rest_when_run_again(playbook, emulator, secret):
    emulator.reset(bulk_seed(secret, old_users=200))
    # A tight write quota keeps the run long enough to stop it part-way.
    emulator.faults.write_quota(capacity=20, per_seconds=2)
    task = {"name": "op", PURGE: {"object_type": "user", "older_than_days": 9, "max_items": 500}, "register": "op"}

    process = playbook.start([task])
    deadline = time.monotonic() + 120
    while len(writes(emulator)) < 40 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    playbook.kill(process)
    time.sleep(1)  # what Graph had already accepted lands
    done_before = len(writes(emulator))
    assert 0 < done_before < 201, "the run was not stopped part-way"

    again = playbook.run([task])

    assert again.rc == 0, again.output
    summary = again.result("op")["summary"]
    assert summary["matched"] == summary["purged"] == 201 - done_before
    assert summary["failed"] == 0
    purged = [r["path"] for r in writes(emulator)]
    assert len(purged) == len(set(purged)) == 201
