# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A task run on the controller with its own Python runs in Ansible's worker process; any other task runs as a
module process. Both give the same result and send the same requests."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from .tenants import ALICE, BOB, bulk_seed
from .test_info import INFO
from .test_purge_by_id import PURGE, in_bin, purge_task

IN_WORKER = "Running graph_deleted_item in the worker process of the controller"
AS_PROCESS = "AnsiballZ_graph_deleted_item.py"
# A Python of this machine without requests or msal: a module started with it cannot sign in.
OTHER_PYTHON = "/usr/bin/python3"
WAYS = {"worker": None, "module process": {"graphops_directory_in_process": False}}


def sent(emulator):
    """What reached Graph, in order, without the ids that differ between any two runs."""
    return [(r["method"], r["path"], r.get("write"), r["status"]) for r in emulator.requests("graph")]


@pytest.mark.parametrize("way", sorted(WAYS))
def test_a_purge_by_id_runs_where_it_should_and_answers_the_same(playbook, emulator, way):
    run = playbook.run([purge_task(ALICE["id"], object_type="user")], verbosity=3, play_vars=WAYS[way])

    assert run.rc == 0, run.output
    if way == "worker":
        assert IN_WORKER in run.stdout and AS_PROCESS not in run.stdout
    else:
        assert AS_PROCESS in run.stdout and IN_WORKER not in run.stdout
    result = run.result("purge")
    assert result["changed"] is True
    assert [(i["id"], i["outcome"]) for i in result["deleted_items"]] == [(ALICE["id"], "purged")]
    assert not in_bin(emulator, ALICE) and in_bin(emulator, BOB)
    path = "/v1.0/directory/deletedItems/" + ALICE["id"]
    assert sent(emulator) == [("GET", path, None, 200), ("DELETE", path, "purge", 204)]


def test_both_ways_give_the_same_bulk_result_check_mode_and_diff(playbook, emulator, secret):
    results = {}
    for way in sorted(WAYS):
        emulator.reset(bulk_seed(secret, old_users=45))
        task = {"name": "bulk", PURGE: {"object_type": "user", "older_than_days": 9}, "register": "bulk"}
        checked = playbook.run([task], check=True, diff=True, play_vars=WAYS[way])
        assert checked.rc == 0, checked.output
        assert not [r for r in emulator.requests("graph") if r.get("write")]
        run = playbook.run([task], play_vars=WAYS[way])
        assert run.rc == 0, run.output
        results[way] = (checked.result("bulk"), run.result("bulk"))

    def shape(result):
        items = sorted((i["id"], i["outcome"], i["reason"]) for i in result["deleted_items"])
        diff = result.get("diff")
        if diff:
            diff = [sorted(i["id"] for i in diff[side]["recycle_bin"]) for side in ("before", "after")]
        return result["changed"], result["summary"], items, diff

    worker, process = results["worker"], results["module process"]
    assert shape(worker[0]) == shape(process[0])
    assert shape(worker[1]) == shape(process[1])
    assert worker[1]["summary"]["purged"] == 46  # the 45 old users and Bob, deleted 10 days ago


@pytest.mark.parametrize("way", sorted(WAYS))
def test_bad_options_get_the_same_message_either_way(playbook, emulator, way):
    tasks = [
        {"name": "both", PURGE: {"id": ALICE["id"], "ids": [ALICE["id"]]}, "ignore_errors": True},
        {"name": "unknown", PURGE: {"id": ALICE["id"], "max_itemz": 3}, "ignore_errors": True},
        {"name": "type", PURGE: {"id": ALICE["id"], "max_items": "many"}, "ignore_errors": True},
    ]
    run = playbook.run(tasks, play_vars=WAYS[way])

    assert run.result("both")["msg"] == "parameters are mutually exclusive: id|ids"
    assert run.result("unknown")["msg"].startswith(
        "Unsupported parameters for (graphops.directory.graph_deleted_item) module: max_itemz."
    )
    assert "max_items" in run.result("type")["msg"] and "int" in run.result("type")["msg"]
    assert emulator.requests() == []


@pytest.mark.parametrize("way", sorted(WAYS))
def test_the_task_environment_reaches_the_module_either_way_and_stays_secret(playbook, emulator, secret, way):
    connection = playbook.connection()
    connection.pop("client_secret")
    task = {
        "name": "purge",
        PURGE: {"id": ALICE["id"], "object_type": "user"},
        "environment": {"AZURE_CLIENT_SECRET": secret},
        "register": "outcome",
    }
    # Not above -vv: at -vvv Ansible itself shows the environment it starts a module process with.
    run = playbook.run([task], connection=connection, verbosity=2, play_vars=WAYS[way])

    assert run.rc == 0, run.output
    assert run.result("purge")["deleted_items"][0]["outcome"] == "purged"
    assert secret not in run.output


def test_async_runs_the_module_as_a_process(playbook, emulator):
    task = {
        "name": "purge",
        PURGE: {"id": ALICE["id"], "object_type": "user"},
        "async": 60,
        "poll": 1,
        "register": "outcome",
    }
    run = playbook.run([task], verbosity=3)

    assert run.rc == 0, run.output
    assert IN_WORKER not in run.stdout
    assert run.result("purge")["deleted_items"][0]["outcome"] == "purged"
    assert not in_bin(emulator, ALICE)


def test_a_host_with_another_python_runs_the_module_with_it_unless_delegated_to_localhost(playbook, emulator):
    host = "elsewhere ansible_connection=local ansible_python_interpreter=%s" % OTHER_PYTHON
    tasks = [
        {"name": "there", INFO: {"id": ALICE["id"]}, "ignore_errors": True, "register": "there"},
        {"name": "delegated", INFO: {"id": ALICE["id"]}, "delegate_to": "localhost", "register": "delegated"},
    ]
    run = playbook.run(tasks, hosts=host)

    assert run.failed("there")
    assert "requests" in run.result("there")["msg"] and OTHER_PYTHON in run.result("there")["msg"]
    assert [i["id"] for i in run.result("delegated")["deleted_items"]] == [ALICE["id"]]
    assert [r["method"] for r in emulator.requests("graph")] == ["GET"]
