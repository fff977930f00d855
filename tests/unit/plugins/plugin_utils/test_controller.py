# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A module run in the controller's worker process answers as the same module in a process of its own."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys
from types import SimpleNamespace

import pytest
from ansible.errors import AnsibleError

from ansible_collections.graphops.directory.plugins.modules import graph_deleted_item, graph_deleted_item_info
from ansible_collections.graphops.directory.plugins.plugin_utils import _controller

GRAPH = "https://graph.example.test"
LOGIN = "https://login.example.test"
ID = "6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11"
IN_BIN = GRAPH + "/v1.0/directory/deletedItems/" + ID
DELETED_USER = {
    "@odata.type": "#microsoft.graph.user",
    "id": ID,
    "displayName": "Adele Vance",
    "deletedDateTime": "2026-11-20T08:00:00Z",
    "userPrincipalName": ID.replace("-", "") + "AdeleV@contoso.onmicrosoft.com",
}


@pytest.fixture
def both(module_task, transport):
    """The same task run both ways: (result in a module process, result in the controller's process)."""

    def run(module, **args):
        task = module_task(module)
        in_process = task(**args)
        transport.calls.clear()
        return in_process, task.on_controller(**args)

    return run


def comparable(result):
    """A result without what differs between any two runs: the invocation and the ids of each request."""
    result = dict(result)
    result.pop("invocation", None)
    result["deleted_items"] = [
        dict((k, v) for k, v in item.items() if k not in ("request_id", "client_request_id"))
        for item in result.get("deleted_items", [])
    ]
    return result


def test_a_purge_gives_the_same_result_and_sends_the_same_requests(both, transport):
    # Each scripted answer stands for every run: the fake repeats the last answer of a request.
    transport.add("GET", IN_BIN, body=DELETED_USER)
    transport.add("DELETE", IN_BIN, status=204)
    module_result, controller_result = both(graph_deleted_item, id=ID)
    assert controller_result["changed"] is True
    assert controller_result["deleted_items"][0]["outcome"] == "purged"
    assert comparable(controller_result) == comparable(module_result)
    assert [c.method for c in transport.calls] == ["GET", "DELETE"]


def test_check_mode_and_diff_reach_the_module_code(both, transport):
    transport.add("GET", IN_BIN, body=DELETED_USER)
    module_result, controller_result = both(graph_deleted_item, id=ID, check_mode=True, diff=True)
    assert controller_result["deleted_items"][0]["outcome"] == "would_purge"
    assert controller_result["diff"]["after"] == {"recycle_bin": []}
    assert comparable(controller_result) == comparable(module_result)
    assert [c.method for c in transport.calls] == ["GET"]


@pytest.mark.parametrize(
    "args, named",
    [
        (dict(id=ID, ids=[ID]), "id|ids"),
        (dict(id=ID, max_itemz=3), "max_itemz"),
        (dict(id=ID, state="gone"), "state"),
        (dict(id=ID, max_items="many"), "max_items"),
    ],
)
def test_bad_options_fail_with_the_module_s_message_before_any_request(both, transport, args, named):
    module_result, controller_result = both(graph_deleted_item, **args)
    assert controller_result["failed"] is True
    assert named in controller_result["msg"]
    # Run by pytest, AnsibleModule names itself after the file that started Python.
    assert controller_result["msg"] == module_result["msg"].replace("(basic.py)", "(graph_deleted_item)")
    assert transport.calls == []


def test_the_info_module_lists_the_same_items(both, transport):
    transport.add("GET", IN_BIN, body=DELETED_USER)
    module_result, controller_result = both(graph_deleted_item_info, id=ID)
    assert [i["id"] for i in controller_result["deleted_items"]] == [ID]
    assert comparable(controller_result) == comparable(module_result)


def test_secrets_are_masked_in_the_result_and_the_invocation(module_task, transport):
    secret = "a-token-graph-echoes-back-value"
    transport.add_error("GET", IN_BIN, 400, "Request_BadRequest", message="bad token " + secret)
    result = module_task(graph_deleted_item).on_controller(id=ID, access_token=secret)
    assert result["failed"] is True
    assert "Request_BadRequest" in result["msg"]
    assert secret not in repr(result)
    assert result["invocation"]["module_args"]["access_token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_the_task_environment_is_seen_by_the_module_and_put_back_after(monkeypatch, transport):
    monkeypatch.delenv("AZURE_CLIENT_ID", raising=False)
    monkeypatch.setenv("AZURE_TENANT_ID", "left-by-the-controller.example")
    seen = {}

    def execute(module):
        seen.update(client=os.environ.get("AZURE_CLIENT_ID"), tenant=os.environ.get("AZURE_TENANT_ID"))
        module.exit_json(changed=False)

    monkeypatch.setattr(graph_deleted_item, "execute", execute)
    result = _controller.run_in_process(
        "graph_deleted_item", dict(id=ID), env={"AZURE_CLIENT_ID": "from-the-task", "AZURE_TENANT_ID": "t.example"}
    )
    assert result["changed"] is False
    assert seen == {"client": "from-the-task", "tenant": "t.example"}
    assert "AZURE_CLIENT_ID" not in os.environ
    assert os.environ["AZURE_TENANT_ID"] == "left-by-the-controller.example"


def test_an_unexpected_error_is_a_failed_result_with_the_secrets_masked(monkeypatch):
    secret = "a-secret-the-task-was-given"

    def execute(module):
        raise RuntimeError("broke while holding " + secret)

    monkeypatch.setattr(graph_deleted_item, "execute", execute)
    result = _controller.run_in_process("graph_deleted_item", dict(id=ID, client_secret=secret))
    assert result["failed"] is True
    assert "RuntimeError" in result["msg"]
    assert secret not in result["msg"] and secret not in result["exception"]


def test_an_except_exception_in_module_code_cannot_swallow_the_exit(monkeypatch):
    def execute(module):
        try:
            module.fail_json(msg="stopped here")
        except Exception:
            module.exit_json(changed=True, msg="went on")

    monkeypatch.setattr(graph_deleted_item, "execute", execute)
    result = _controller.run_in_process("graph_deleted_item", dict(id=ID))
    assert result["failed"] is True and result["msg"] == "stopped here"


def test_warnings_are_returned_for_ansible_to_show(monkeypatch):
    def execute(module):
        module.warn("look out")
        module.exit_json(changed=False)

    monkeypatch.setattr(graph_deleted_item, "execute", execute)
    assert _controller.run_in_process("graph_deleted_item", dict(id=ID))["warnings"] == ["look out"]


# -- where the action runs the module ---------------------------------------------------------------------


def action(transport="local", async_val=0, become=False, delegate_to=None, interpreter_template=None):
    plugin = _controller.ControllerAction.__new__(_controller.ControllerAction)
    plugin._connection = SimpleNamespace(transport=transport)
    plugin._task = SimpleNamespace(async_val=async_val, delegate_to=delegate_to)
    plugin._play_context = SimpleNamespace(become=become)

    def template(value):
        return interpreter_template if "{{" in str(value) else value

    plugin._templar = SimpleNamespace(template=template)
    return plugin


HERE = {"ansible_python_interpreter": sys.executable}


def test_a_local_task_with_the_controller_s_python_runs_in_the_worker():
    assert action().runs_here(HERE) is True


@pytest.mark.parametrize(
    "plugin",
    [action(transport="ssh"), action(async_val=60), action(become=True)],
    ids=["another host", "async", "become"],
)
def test_another_host_async_or_become_runs_the_module_as_a_process(plugin):
    assert plugin.runs_here(HERE) is False


def test_another_interpreter_runs_the_module_as_a_process(tmp_path):
    other = tmp_path / "python3"
    other.symlink_to(sys.executable)
    assert action().runs_here({"ansible_python_interpreter": str(other)}) is False
    assert action().runs_here({"ansible_python_interpreter": "python3"}) is False


def test_an_interpreter_not_yet_discovered_runs_the_module_as_a_process():
    assert action().runs_here({"ansible_python_interpreter": "auto_silent"}) is False
    discovered = {
        "ansible_python_interpreter": "auto",
        "ansible_facts": {"discovered_interpreter_python": sys.executable},
    }
    assert action().runs_here(discovered) is True


def test_a_templated_interpreter_is_resolved():
    plugin = action(interpreter_template=sys.executable)
    assert plugin.runs_here({"ansible_python_interpreter": "{{ ansible_playbook_python }}"}) is True


def test_a_delegated_task_follows_the_delegated_host_s_interpreter():
    task_vars = {
        "ansible_python_interpreter": "/usr/bin/python3-on-the-target",
        "ansible_delegated_vars": {"localhost": {"ansible_python_interpreter": sys.executable}},
    }
    assert action(delegate_to="localhost").runs_here(task_vars) is True
    assert action().runs_here(task_vars) is False


def test_the_switch_turns_the_worker_run_off():
    assert action().runs_here(dict(HERE, graphops_directory_in_process=False)) is False
    assert action().runs_here(dict(HERE, graphops_directory_in_process="yes")) is True


def test_a_switch_that_is_not_a_boolean_is_an_error_naming_it():
    with pytest.raises(AnsibleError, match="graphops_directory_in_process must be a boolean"):
        action().runs_here(dict(HERE, graphops_directory_in_process="sometimes"))


def test_masking_matches_what_ansible_module_returns_and_masks_keys_too():
    from ansible.module_utils.common.parameters import remove_values

    secrets = {"hunter2-secret", "42424242"}
    result = {
        "msg": "sign-in with hunter2-secret failed",
        "exact": "hunter2-secret",
        "number": 42424242,
        "flag": True,
        "items": [{"k": ["x hunter2-secret y", None, 1.5]}, ("t", "hunter2-secret")],
        "clean": "nothing here",
    }
    assert _controller.masked(result, secrets) == remove_values(result, secrets)
    # Stricter than Ansible, which leaves keys alone: a secret used as a key is masked too.
    assert _controller.masked({"hunter2-secret": 1}, secrets) == {"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER": 1}
    # An empty option is no secret: nothing is starred.
    assert _controller.masked(result, {None, "", " "}) == result
