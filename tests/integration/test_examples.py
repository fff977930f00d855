# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The playbooks in docs/examples do what their comments say, run as written against the demo tenant."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess

from graph_emulator.seeds import CONTOSO_APP_ID, CONTOSO_TENANT_ID, demo_seed

from .playbook import ANSIBLE_PLAYBOOK, Run, read_results

EXAMPLES = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs", "examples"
)


def run_example(playbook, emulator, secret, name, *flags):
    env = playbook.environment(
        {
            "AZURE_TENANT_ID": CONTOSO_TENANT_ID,
            "AZURE_CLIENT_ID": CONTOSO_APP_ID,
            "AZURE_CLIENT_SECRET": secret,
            "GRAPHOPS_RESULT_LOG": str(playbook.tmp_path / ("%s.jsonl" % name)),
        }
    )
    extra = {"entra_authority_host": emulator.url, "graph_endpoint": emulator.url, "graph_ca_path": playbook.ca_path}
    inventory = playbook.tmp_path / "examples.ini"
    inventory.write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n" % env["ANSIBLE_PYTHON_INTERPRETER"]
    )
    command = [ANSIBLE_PLAYBOOK, "-i", str(inventory), os.path.join(EXAMPLES, name), "-e", json.dumps(extra)]
    proc = subprocess.run(command + list(flags), env=env, capture_output=True, text=True, timeout=300, check=False)
    return Run(proc.returncode, proc.stdout, proc.stderr, read_results(playbook.tmp_path / ("%s.jsonl" % name)))


def in_bin(emulator):
    tenant = emulator.tenant(CONTOSO_TENANT_ID)
    return {r.id: r for r in tenant.records.values() if r.deleted}


def test_purge_old_app_registrations(playbook, emulator, secret):
    emulator.reset(demo_seed(secret))
    before = in_bin(emulator)

    run = run_example(playbook, emulator, secret, "purge-old-app-registrations.yml")

    assert run.rc == 0, run.output
    after = in_bin(emulator)
    gone = set(before) - set(after)
    assert gone and all(before[i].type in ("application", "servicePrincipal") for i in gone)
    assert all(r.type not in ("application", "servicePrincipal") or r.obj["deletedDateTime"] for r in after.values())
    assert "applications: {" in run.stdout


def test_report_recycle_bin(playbook, emulator, secret):
    emulator.reset(demo_seed(secret))

    run = run_example(playbook, emulator, secret, "report-recycle-bin.yml")

    assert run.rc == 0, run.output
    assert "user: " in run.stdout and "application: " in run.stdout
    assert "is removed on" in run.stdout


def test_restore_user(playbook, emulator, secret):
    emulator.reset(demo_seed(secret))

    run = run_example(playbook, emulator, secret, "restore-user.yml")

    assert run.rc == 0, run.output
    restored = run.result("Restore the user")["deleted_items"][0]
    assert restored["outcome"] == "restored" and restored["display_name"] == "Nestor Wilke"


def test_purge_by_id_check_then_purge_then_unchanged(playbook, emulator, secret):
    emulator.reset(demo_seed(secret))
    before = len(in_bin(emulator))

    check = run_example(playbook, emulator, secret, "purge-by-id.yml", "--check", "--diff")
    after_check = len(in_bin(emulator))
    purge = run_example(playbook, emulator, secret, "purge-by-id.yml")
    after_purge = len(in_bin(emulator))
    again = run_example(playbook, emulator, secret, "purge-by-id.yml")

    assert check.rc == purge.rc == again.rc == 0, check.output + purge.output + again.output
    assert (before, after_check, after_purge) == (before, before, before - 4)
    assert "changed=1" in check.stdout and "changed=1" in purge.stdout and "changed=0" in again.stdout
