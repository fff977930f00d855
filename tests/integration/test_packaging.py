# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection as users get it: built and installed by ansible-galaxy, in an execution environment's
requirements, and run by ansible-runner as AWX runs a job with its Azure credential."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess
import sys
import tarfile

import pytest
from graph_emulator.seeds import CONTOSO_APP_ID, CONTOSO_TENANT_ID, demo_seed

from .tenants import ALICE

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
PURGED_BY_EXAMPLE = 4


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(out), ROOT],
        check=True,
        capture_output=True,
    )
    [built] = list(out.glob("graphops-directory-*.tar.gz"))
    return built


@pytest.fixture(scope="module")
def installed(tarball, tmp_path_factory):
    path = tmp_path_factory.mktemp("collections")
    subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "-p", str(path), str(tarball)],
        check=True,
        capture_output=True,
        env=dict(os.environ, **only(path)),
    )
    assert (path / "ansible_collections" / "graphops" / "directory" / "MANIFEST.json").is_file()
    return path


def only(installed_path):
    """An environment that finds the collection in the installed copy and nowhere else."""
    return {
        "ANSIBLE_COLLECTIONS_PATH": str(installed_path),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False",
        "PYTHONPATH": "",
    }


def test_the_tarball_is_small_and_carries_no_build_output(tarball):
    with tarfile.open(tarball) as archive:
        names = archive.getnames()

    assert os.path.getsize(tarball) < 400 * 1024
    assert "MANIFEST.json" in names and "plugins/modules/graph_deleted_item.py" in names
    for unwanted in (".venv/", ".build/", "tests/output/", "bench/results/", ".hypothesis/", ".git/"):
        assert not any(name.startswith(unwanted) for name in names), unwanted


def test_a_playbook_runs_from_the_installed_copy(playbook, emulator, installed):
    run = playbook.run(
        [{"name": "purge", "graphops.directory.graph_deleted_item": {"id": ALICE["id"]}, "register": "purge"}],
        env=only(installed),
        verbosity=1,
    )

    assert run.rc == 0, run.output
    assert run.result("purge")["deleted_items"][0]["outcome"] == "purged"
    module_file = os.path.join(str(installed), "ansible_collections", "graphops", "directory")
    listing = subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "list", "graphops.directory", "-p", str(installed)],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, **only(installed)),
    )
    assert "0.1.0" in listing.stdout and os.path.isdir(module_file)


def test_an_execution_environment_gets_the_python_requirements(installed):
    answer = subprocess.run(
        [os.path.join(BIN, "ansible-builder"), "introspect", "--sanitize", str(installed)],
        capture_output=True,
        text=True,
        check=True,
    )

    for package in ("msal", "requests", "cryptography"):
        assert package in answer.stdout
    assert "graphops.directory" in answer.stdout


def test_ansible_runner_runs_the_example_with_the_awx_azure_credential(emulator, secret, installed, tmp_path, playbook):
    import ansible_runner

    emulator.reset(demo_seed(secret))
    private = tmp_path / "runner"
    project = private / "project"
    project.mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, "docs", "examples", "purge-by-id.yml"), project / "purge-by-id.yml")
    (private / "inventory").mkdir()
    (private / "inventory" / "hosts").write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable
    )
    # What AWX's Microsoft Azure Resource Manager credential injects, in its own names.
    envvars = {
        "AZURE_CLIENT_ID": CONTOSO_APP_ID,
        "AZURE_SECRET": secret,
        "AZURE_TENANT": CONTOSO_TENANT_ID,
        "AZURE_CLOUD_ENVIRONMENT": "AzureCloud",
        "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
        "ANSIBLE_REMOTE_TMP": str(tmp_path / "remote"),
        "ANSIBLE_HOME": str(tmp_path / "home"),
        "NO_PROXY": "127.0.0.0/8",
        "no_proxy": "127.0.0.0/8",
    }
    envvars.update(only(installed))
    extravars = {
        "entra_authority_host": emulator.url,
        "graph_endpoint": emulator.url,
        "graph_ca_path": playbook.ca_path,
    }
    for name in [n for n in os.environ if n.startswith("AZURE_")]:
        envvars.setdefault(name, "")

    result = ansible_runner.run(
        private_data_dir=str(private),
        playbook="purge-by-id.yml",
        envvars=envvars,
        extravars=extravars,
        quiet=True,
    )

    assert result.status == "successful", result.stdout.read()
    items = [
        e["event_data"]["res"]
        for e in result.events
        if e["event"] == "runner_item_on_ok"
        and e["event_data"].get("task") == "Purge each listed item from the recycle bin"
    ]
    assert len(items) == PURGED_BY_EXAMPLE
    assert all(item["deleted_items"][0]["outcome"] == "purged" for item in items)
    assert all(item["changed"] for item in items)
    assert not any(secret in str(e) for e in result.events)
    tokens = [r for r in emulator.requests("identity") if r["path"].endswith("/token")]
    assert tokens and all(r["client_id"] == CONTOSO_APP_ID for r in tokens)
