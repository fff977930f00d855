# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs real ansible-playbook against the emulator and reads back what each task returned."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal
import subprocess
import sys

import requests

from .tenants import CLIENT_ID, TENANT_ID

HERE = os.path.dirname(os.path.abspath(__file__))
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


class Run:
    def __init__(self, rc, stdout, stderr, results):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.results = results

    @property
    def output(self):
        return self.stdout + self.stderr

    def result(self, task):
        """The result of the named task (the last one, for a task that ran more than once)."""
        found = [r for r in self.results if r["task"] == task]
        assert found, "task %r did not report; output:\n%s" % (task, self.output)
        return found[-1]["result"]

    def failed(self, task):
        return [r for r in self.results if r["task"] == task and r["status"] in ("failed", "item_failed")]


class PlaybookRunner:
    def __init__(self, emulator, secret, tmp_path):
        self.emulator = emulator
        self.secret = secret
        self.tmp_path = tmp_path
        self.ca_path = emulator.write_ca(tmp_path / "emulator-ca.pem")
        self.count = 0

    def connection(self, **overrides):
        """The module options that point a task at the emulator, signed in as the test automation app."""
        options = dict(
            tenant_id=TENANT_ID,
            client_id=CLIENT_ID,
            client_secret=self.secret,
            authority_host=self.emulator.url,
            graph_endpoint=self.emulator.url,
            ca_path=self.ca_path,
        )
        options.update(overrides)
        return dict((k, v) for k, v in options.items() if v is not None)

    def token(self, scope=None):
        """An access token for the test automation app, fetched as a tool other than the modules would."""
        answer = requests.post(
            "%s/%s/oauth2/v2.0/token" % (self.emulator.url, TENANT_ID),
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": self.secret,
                "scope": scope or self.emulator.url + "/.default",
            },
            verify=self.ca_path,
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()["access_token"]

    def environment(self, extra=None):
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith("AZURE_"))
        work = self.tmp_path / "ansible"
        env.update(
            ANSIBLE_COLLECTIONS_PATH=os.environ["GRAPHOPS_COLLECTIONS"],
            ANSIBLE_HOME=str(work / "home"),
            ANSIBLE_LOCAL_TEMP=str(work / "local"),
            ANSIBLE_REMOTE_TMP=str(work / "remote"),
            ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
            ANSIBLE_CALLBACKS_ENABLED="result_log",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_DEPRECATION_WARNINGS="0",
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            NO_PROXY="127.0.0.0/8,localhost",
            no_proxy="127.0.0.0/8,localhost",
        )
        env.update(extra or {})
        return env

    def prepare(
        self, tasks, connection=True, check=False, diff=False, verbosity=0, env=None, play_vars=None, hosts=None
    ):
        """Write the play and return (command, environment, results path) to run it. hosts: more inventory lines,
        and the play runs on the first host they name."""
        self.count += 1
        target = hosts.split()[0] if hosts else "localhost"
        play = {"name": "test play", "hosts": target, "gather_facts": False, "tasks": tasks}
        if connection:
            defaults = self.connection() if connection is True else connection
            play["module_defaults"] = {"group/graphops.directory.graph": defaults}
        if play_vars:
            play["vars"] = play_vars
        path = self.tmp_path / ("play%d.yml" % self.count)
        path.write_text(json.dumps([play], indent=2))
        inventory = self.tmp_path / "inventory.ini"
        inventory.write_text(
            "localhost ansible_connection=local ansible_python_interpreter=%s\n%s\n" % (sys.executable, hosts or "")
        )
        results_path = self.tmp_path / ("results%d.jsonl" % self.count)
        command = [ANSIBLE_PLAYBOOK, "-i", str(inventory), str(path)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * verbosity)
        extra = dict(env or {})
        extra["GRAPHOPS_RESULT_LOG"] = str(results_path)
        return command, self.environment(extra), results_path

    def run(self, tasks, **options):
        """Run one play on localhost. connection=True sets the emulator connection through module_defaults
        of the collection's action group; a dict sets those options instead; False sets none."""
        command, env, results_path = self.prepare(tasks, **options)
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
        return Run(proc.returncode, proc.stdout, proc.stderr, read_results(results_path))

    def start(self, tasks, **options):
        """Start a play, for a test that stops it part-way with kill()."""
        command, env, dummy = self.prepare(tasks, **options)
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(self, process):
        """Stop a started play at once, with the worker and module processes Ansible started for it: they run
        in sessions of their own, so each is found by this test's folder on its command line."""
        marker = str(self.tmp_path).encode()
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % entry, "rb") as handle:
                    if marker in handle.read():
                        os.kill(int(entry), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                continue


def read_results(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
