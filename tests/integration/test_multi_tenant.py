# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Many tenants in one run: each inventory host purges its own tenant, in parallel, and nothing crosses."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess

import yaml
from graph_emulator.seeds import automation_app, user

from .playbook import ANSIBLE_PLAYBOOK, Run, read_results

EXAMPLE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "docs",
    "examples",
    "multi-tenant",
    "purge-all-tenants.yml",
)
TENANTS = {
    "northwind": ("11111111-aaaa-4aaa-8aaa-111111111111", "21111111-aaaa-4aaa-8aaa-111111111111"),
    "tailspin": ("12222222-bbbb-4bbb-8bbb-222222222222", "22222222-bbbb-4bbb-8bbb-222222222222"),
    "wingtip": ("13333333-cccc-4ccc-8ccc-333333333333", "23333333-cccc-4ccc-8ccc-333333333333"),
}


def tenants_seed(secrets):
    tenants = []
    for name, (tenant_id, client_id) in TENANTS.items():
        domain = "%s.onmicrosoft.com" % name
        objects = [user(name, "Old", "User%02d" % n, domain, 20 + n) for n in range(12)]
        objects += [user(name, "New", "User%02d" % n, domain, 2) for n in range(3)]
        tenants.append(
            {"id": tenant_id, "domain": domain, "apps": [automation_app(client_id, secrets[name])], "objects": objects}
        )
    return {"tenants": tenants}


def test_each_tenant_is_purged_by_its_own_host_in_parallel(playbook, emulator, tmp_path):
    secrets = dict((name, "secret-of-%s-%s" % (name, os.urandom(6).hex())) for name in TENANTS)
    emulator.reset(tenants_seed(secrets))
    inventory = {
        "entra_tenants": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "hosts": dict(
                (name, {"entra_tenant_id": t, "entra_client_id": c, "entra_client_secret": secrets[name]})
                for name, (t, c) in TENANTS.items()
            ),
        }
    }
    (tmp_path / "tenants.yml").write_text(yaml.safe_dump(inventory))
    extra = {"entra_authority_host": emulator.url, "graph_endpoint": emulator.url, "graph_ca_path": playbook.ca_path}
    results = tmp_path / "tenants.jsonl"
    env = playbook.environment({"GRAPHOPS_RESULT_LOG": str(results)})

    proc = subprocess.run(
        [ANSIBLE_PLAYBOOK, "-i", str(tmp_path / "tenants.yml"), EXAMPLE, "--forks", "3", "-e", json.dumps(extra)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    run = Run(proc.returncode, proc.stdout, proc.stderr, read_results(results))

    assert run.rc == 0, run.output
    for name, ids in TENANTS.items():
        tenant = emulator.tenant(ids[0])
        left = sorted(r.obj["displayName"] for r in tenant.records.values() if r.deleted)
        assert left == ["New User00", "New User01", "New User02"], name
        assert "%s: {" % name in run.stdout
    for entry in emulator.requests():
        if entry.get("tenant"):
            expected_client = dict(TENANTS.values())[entry["tenant"]]
            assert entry.get("client_id") in (None, expected_client), entry
    tokens = [r for r in emulator.requests("identity") if r["path"].endswith("/token")]
    assert sorted(r["tenant"] for r in tokens) == sorted(t for t, c in TENANTS.values())
    assert not any(secret in run.output for secret in secrets.values())
