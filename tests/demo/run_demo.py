# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The demo behind `make demo`: start the Graph emulator with the Contoso recycle bin, run the example
playbook in check mode with diff, then for real, then again, and show what Graph saw each time."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(ROOT, "docs", "examples", "purge-by-id.yml")
STEPS = (
    ("1. Check mode with diff: what would be purged (nothing is sent but reads)", ["--check", "--diff"]),
    ("2. The purge", []),
    ("3. The same playbook again: nothing left to do, nothing changed", []),
)


def banner(text):
    print("\n" + "=" * 100 + "\n" + text + "\n" + "=" * 100, flush=True)


def start_emulator(state_dir):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tests", "emulator"))
    process = subprocess.Popen(
        [sys.executable, "-m", "graph_emulator", "--state-dir", state_dir, "--seed", "demo"],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=10)
        raise SystemExit("The emulator did not start (exit code %s)" % process.returncode)
    with open(os.path.join(state_dir, "state.json")) as handle:
        state = json.load(handle)
    return process, state


def stop_emulator(process):
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def emulator_log(state):
    answer = requests.get(state["url"] + "/_emulator/requests", verify=state["ca_path"], timeout=10)
    answer.raise_for_status()
    return answer.json()["value"]


def bin_size(state):
    """How many items the demo tenant's recycle bin holds, counted by the emulator's own state."""
    answer = requests.get(state["url"] + "/_emulator/state", verify=state["ca_path"], timeout=10)
    answer.raise_for_status()
    tenant = [t for t in answer.json()["tenants"] if t["id"] == state["demo"]["tenant_id"]][0]
    return tenant["deleted_items"]


def show_requests(entries):
    graph = [e for e in entries if e["kind"] == "graph"]
    identity = [e for e in entries if e["kind"] == "identity"]
    print(
        "\nWhat the emulator received in this step: %d sign-in requests, %d Graph requests"
        % (len(identity), len(graph))
    )
    for entry in graph:
        print("  %-7s %-70s -> %s" % (entry["method"], entry["path"], entry["status"]))
    deletes = [e for e in graph if e["method"] == "DELETE"]
    print("  DELETE requests: %d" % len(deletes))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--collections", required=True, help="a collections path that holds graphops.directory")
    parser.add_argument("--work", required=True, help="a scratch folder for this run")
    args = parser.parse_args()

    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    state_dir = os.path.join(work, "emulator")
    os.makedirs(state_dir)

    banner("Starting the Graph emulator (HTTPS on loopback, throwaway CA) with the Contoso demo tenant")
    process, state = start_emulator(state_dir)
    try:
        demo = state["demo"]
        print("Graph and sign-in at %s, CA %s" % (state["url"], state["ca_path"]))
        print("Tenant %s (%s), app %s" % (demo["domain"], demo["tenant_id"], demo["client_id"]))
        print("Items in the recycle bin: %d" % bin_size(state))

        inventory = os.path.join(work, "inventory.ini")
        with open(inventory, "w") as handle:
            handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith("AZURE_"))
        env.update(
            AZURE_TENANT_ID=demo["tenant_id"],
            AZURE_CLIENT_ID=demo["client_id"],
            AZURE_CLIENT_SECRET=demo["client_secret"],
            ANSIBLE_COLLECTIONS_PATH=os.path.abspath(args.collections),
            ANSIBLE_HOME=os.path.join(work, "ansible"),
            ANSIBLE_LOCAL_TEMP=os.path.join(work, "ansible", "tmp"),
            ANSIBLE_REMOTE_TMP=os.path.join(work, "ansible", "remote"),
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_FORCE_COLOR="0",
            NO_PROXY="127.0.0.0/8,localhost",
            no_proxy="127.0.0.0/8,localhost",
        )
        extra_vars = json.dumps(
            {"entra_authority_host": state["url"], "graph_endpoint": state["url"], "graph_ca_path": state["ca_path"]}
        )
        playbook = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, PLAYBOOK]
        for title, flags in STEPS:
            banner(title)
            before = len(emulator_log(state))
            started = time.time()
            code = subprocess.call(playbook + flags + ["-e", extra_vars], env=env)
            if code != 0:
                raise SystemExit("ansible-playbook failed with exit code %d" % code)
            show_requests(emulator_log(state)[before:])
            print("  Items in the recycle bin now: %d (%.1f s)" % (bin_size(state), time.time() - started))
        banner("Done: four items purged once; the re-run changed nothing")
    finally:
        stop_emulator(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
