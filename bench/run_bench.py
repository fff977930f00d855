# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The benchmark behind `make bench`.

Starts the Graph emulator in this process, on 127.0.0.1, with a round-trip latency on every answer, seeds N
deleted users, and purges them four ways: one graph_deleted_item task (the bulk path through $batch), the
module in a loop over the ids, ansible.builtin.uri (a token, then a loop of DELETEs), and a plain script that
sends the fewest requests possible. For each run it records how long the purge took, how many requests the
emulator received and the peak memory of the module process. It also runs the bulk path under a write quota
that N exceeds, times single tasks side by side, and profiles the module. Results go to bench/results/.

Playbook durations come from the bench_timing callback (first task start to last task end), so that
ansible-playbook's own start-up is left out; the script's duration is its whole run as a process.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import hashlib
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
sys.path.insert(0, BENCH)

from graph_emulator import Emulator  # noqa: E402
from graph_emulator.seeds import automation_app, user  # noqa: E402
from report import write_outputs  # noqa: E402

TENANT_ID = "5e0b7c1a-9d2f-4b8e-a6c3-1f4d7e9a2b60"
DOMAIN = "bench.onmicrosoft.com"
CLIENT_ID = "7c2e9a4b-3f1d-4e6a-b8c5-0d9f2a7e4b13"
PLAYBOOKS = os.path.join(BENCH, "playbooks")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
PURGE = "graphops.directory.graph_deleted_item"


def bench_seed(secret, count):
    """One tenant whose recycle bin holds `count` users deleted 1 to 5 days ago, and the app that purges them."""
    objects = [user("bench", "Bench", "User%05d" % index, DOMAIN, 1 + index % 5) for index in range(count)]
    return {
        "tenants": [
            {"id": TENANT_ID, "domain": DOMAIN, "apps": [automation_app(CLIENT_ID, secret)], "objects": objects}
        ]
    }


def log_stats(entries):
    """What the emulator received: HTTP requests (a $batch counts once), its inner requests, throttling."""
    outer = [e for e in entries if e["kind"] in ("graph", "identity") and not e.get("batch_of")]
    inner = [e for e in entries if e.get("batch_of")]
    return {
        "http_requests": len(outer),
        "identity_requests": sum(1 for e in outer if e["kind"] == "identity"),
        "graph_requests": sum(1 for e in outer if e["kind"] == "graph"),
        "batch_requests": sum(1 for e in outer if e["path"].endswith("/$batch")),
        "inner_requests": len(inner),
        "throttled": sum(1 for e in outer + inner if e["status"] == 429),
        "purged": sum(1 for e in outer + inner if e.get("write") == "purge" and e["status"] == 204),
    }


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def task_timings(events):
    """Per task: its duration (start to final result), its items' times and its result digest."""
    tasks = []
    current = None
    for event in events:
        if event["event"] == "start":
            current = {"task": event["task"], "start": event["t"], "items": [], "end": None}
            tasks.append(current)
        elif current is not None and event["event"] == "item":
            current["items"].append(event["t"])
        elif current is not None and event["event"] == "end":
            current.update(end=event["t"], status=event["status"], result=event["result"])
    for task in tasks:
        task["seconds"] = (task["end"] - task["start"]) if task["end"] is not None else None
        stamps = [task["start"]] + task["items"]
        task["item_seconds"] = [b - a for a, b in zip(stamps, stamps[1:])]
        del task["items"]
    return tasks


def place_modules(tasks, modules):
    """Put each process that ran module code in the task it ran for. That is the module process when Ansible
    started one, and otherwise the worker process the module ran in. A task's overhead is its time outside
    them: for a module process, the worker, templating, building and starting the payload, and reading its
    result back; for a worker, forking it and handing its result to ansible-playbook."""
    for task in tasks:
        if task["end"] is None:
            continue
        inside = [m for m in modules if task["start"] <= m.get("start_t", -1) and m.get("end_t", 1e18) <= task["end"]]
        mine = [m for m in inside if m.get("kind", "module") == "module"]
        task["ran_in"] = "module process"
        if not mine:
            mine = [m for m in inside if m.get("kind") == "worker"]
            task["ran_in"] = "worker process" if mine else None
        task["module_seconds"] = sum(m["end_t"] - m["start_t"] for m in mine)
        task["module_processes"] = len(mine)
        task["peak_rss_kb"] = max((m["maxrss_kb"] for m in mine), default=0)
        if mine:
            task["before_module_seconds"] = min(m["start_t"] for m in mine) - task["start"]
            task["after_module_seconds"] = task["end"] - max(m["end_t"] for m in mine)


def own_environment():
    """This process's environment without the AZURE_* credentials a machine may hold: every run signs in
    with the emulator's app only."""
    return dict((k, v) for k, v in os.environ.items() if not k.startswith("AZURE_"))


def median(values):
    return statistics.median(values) if values else None


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.work)
        self.out = os.path.abspath(args.out)
        os.makedirs(self.work, exist_ok=True)
        self.secret = "bench-" + secrets.token_urlsafe(18)
        self.emulator = None
        self.count = 0
        self.deadline = time.monotonic() + args.budget
        self.inventory = os.path.join(self.work, "inventory.ini")
        with open(self.inventory, "w") as handle:
            handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)

    # -- the emulator ---------------------------------------------------------------------------

    def start(self):
        self.emulator = Emulator(
            seed=bench_seed(self.secret, 0),
            state_dir=os.path.join(self.work, "emulator"),
            latency=self.args.latency_ms / 1000.0,
        ).start()
        if not self.emulator.host.startswith("127."):
            raise SystemExit("the emulator must listen on loopback")
        return self

    def stop(self):
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None

    def prepare(self, count, quota=None):
        """A fresh bin of `count` deleted users; returns their ids."""
        seed = bench_seed(self.secret, count)
        self.emulator.reset(seed)
        if quota:
            self.emulator.faults.write_quota(capacity=quota[0], per_seconds=quota[1])
        return [obj["id"] for obj in seed["tenants"][0]["objects"]]

    def left_in_bin(self):
        with self.emulator.lock:
            return sum(1 for r in self.emulator.tenant(TENANT_ID).records.values() if r.deleted)

    # -- running things -------------------------------------------------------------------------

    def remaining(self):
        return self.deadline - time.monotonic()

    def connection_vars(self, count, ids):
        return {
            "bench_tenant_id": TENANT_ID,
            "bench_client_id": CLIENT_ID,
            "bench_client_secret": self.secret,
            "bench_authority_host": self.emulator.url,
            "bench_graph_endpoint": self.emulator.url,
            "bench_ca_path": self.emulator.ca_path,
            "bench_count": count,
            "bench_ids": ids,
        }

    def write_private(self, name, payload):
        path = os.path.join(self.work, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle)
        return path

    def environment(self, tag, extra=None):
        env = own_environment()
        home = os.path.join(self.work, "ansible")
        env.update(
            ANSIBLE_COLLECTIONS_PATH=self.args.collections,
            ANSIBLE_HOME=os.path.join(home, "home"),
            ANSIBLE_LOCAL_TEMP=os.path.join(home, "local"),
            ANSIBLE_REMOTE_TMP=os.path.join(home, "remote"),
            ANSIBLE_CALLBACK_PLUGINS=os.path.join(BENCH, "callback_plugins"),
            ANSIBLE_CALLBACKS_ENABLED="bench_timing",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_DEPRECATION_WARNINGS="0",
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            # The hook that records each module process's peak memory (bench/hooks/sitecustomize.py).
            PYTHONPATH=os.path.join(BENCH, "hooks"),
            GRAPHOPS_BENCH_TIMING_LOG=os.path.join(self.work, tag + ".timing.jsonl"),
            GRAPHOPS_BENCH_RSS_LOG=os.path.join(self.work, tag + ".rss.jsonl"),
            NO_PROXY="127.0.0.0/8,localhost",
            no_proxy="127.0.0.0/8,localhost",
        )
        env.update(extra or {})
        for name in ("GRAPHOPS_BENCH_TIMING_LOG", "GRAPHOPS_BENCH_RSS_LOG"):
            if os.path.exists(env[name]):
                os.unlink(env[name])
        return env

    def tag(self, name, count):
        self.count += 1
        return "%02d-%s-%d" % (self.count, name, count)

    def run_playbook(self, name, playbook, count, ids, env=None, quota=None):
        tag = self.tag(name, count)
        vars_path = self.write_private(tag + ".vars.json", self.connection_vars(count, ids))
        env = self.environment(tag, env)
        command = [ANSIBLE_PLAYBOOK, "-i", self.inventory, playbook, "-e", "@" + vars_path]
        self.emulator.clear_log()
        started = time.monotonic()
        with open(os.path.join(self.work, tag + ".log"), "w") as log:
            proc = subprocess.run(
                command,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=max(30, min(self.args.run_timeout, self.remaining())),
                check=False,
            )
        wall = time.monotonic() - started
        tasks = task_timings(read_lines(env["GRAPHOPS_BENCH_TIMING_LOG"]))
        modules = read_lines(env["GRAPHOPS_BENCH_RSS_LOG"])
        place_modules(tasks, modules)
        done = [t for t in tasks if t["seconds"] is not None]
        seconds = (max(t["end"] for t in done) - min(t["start"] for t in done)) if done else None
        stats = log_stats(self.emulator.requests())
        left = self.left_in_bin()
        failed_items = 0
        for task in done:
            result = task.get("result") or {}
            failed_items += (result.get("summary") or {}).get("failed", 0) + result.get("items_failed", 0)
        run = {
            "scenario": name,
            "n": count,
            "tag": tag,
            "rc": proc.returncode,
            "seconds": seconds,
            "playbook_wall_seconds": wall,
            "tasks": [
                {
                    "task": t["task"],
                    "seconds": t["seconds"],
                    "status": t.get("status"),
                    "result": t.get("result"),
                    "item_seconds_median": median(t["item_seconds"]) if len(t["item_seconds"]) > 1 else None,
                    "module_seconds": t.get("module_seconds"),
                    "module_processes": t.get("module_processes"),
                    "before_module_seconds": t.get("before_module_seconds"),
                    "after_module_seconds": t.get("after_module_seconds"),
                    "ran_in": t.get("ran_in"),
                }
                for t in tasks
            ],
            "modules": summarize_modules(modules),
            "module_seconds": sum(t.get("module_seconds") or 0 for t in done),
            "ran_in": sorted(set(t["ran_in"] for t in done if t.get("ran_in"))),
            "peak_rss_mb": max((t.get("peak_rss_kb") or 0 for t in done), default=0) / 1024.0,
            "requests": stats,
            "left_in_bin": left,
            "failed_items": failed_items,
            "ok": proc.returncode == 0 and left == 0 and failed_items == 0,
        }
        if quota:
            run["quota"] = {"capacity": quota[0], "per_seconds": quota[1]}
        return run, tasks

    def floor(self, count):
        self.prepare(count)
        tag = self.tag("floor", count)
        env = own_environment()
        env["GRAPHOPS_BENCH_SECRET"] = self.secret
        command = [
            sys.executable,
            os.path.join(BENCH, "floor.py"),
            "--authority",
            self.emulator.url,
            "--graph",
            self.emulator.url,
            "--tenant",
            TENANT_ID,
            "--client-id",
            CLIENT_ID,
            "--ca",
            self.emulator.ca_path,
            "--expect",
            str(count),
        ]
        self.emulator.clear_log()
        started = time.monotonic()
        proc = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=max(30, min(self.args.run_timeout, self.remaining())),
            check=False,
        )
        seconds = time.monotonic() - started
        with open(os.path.join(self.work, tag + ".log"), "w") as log:
            log.write(proc.stdout + proc.stderr)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        report = json.loads(lines[-1]) if lines else {}
        stats = log_stats(self.emulator.requests())
        left = self.left_in_bin()
        return {
            "scenario": "floor",
            "n": count,
            "tag": tag,
            "rc": proc.returncode,
            "seconds": seconds,
            "work_seconds": report.get("work_seconds"),
            "peak_rss_mb": report.get("maxrss_kb", 0) / 1024.0,
            "requests": stats,
            "left_in_bin": left,
            "failed_items": report.get("failed"),
            "ok": proc.returncode == 0 and left == 0 and report.get("failed") == 0,
        }

    # -- scenarios ---------------------------------------------------------------------------------

    def bulk(self, count, quota=None, env=None, name="bulk"):
        ids = self.prepare(count, quota)
        return self.run_playbook(name, os.path.join(PLAYBOOKS, "bulk.yml"), count, ids, env, quota)[0]

    def task_loop(self, count):
        ids = self.prepare(count)
        return self.run_playbook("task_loop", os.path.join(PLAYBOOKS, "task_loop.yml"), count, ids)[0]

    def uri_loop(self, count):
        ids = self.prepare(count)
        return self.run_playbook("uri_loop", os.path.join(PLAYBOOKS, "uri_loop.yml"), count, ids)[0]

    def single_tasks(self, rounds, env=None, name="single_tasks"):
        """In turns, each its own task: a single-id purge, a uri DELETE with a token already in hand, and a
        single-id purge with token_cache_path (its token in hand from the second on); `rounds` of each."""
        ids = self.prepare(3 * rounds)
        cache = os.path.join(self.work, "token-cache.json")
        if os.path.exists(cache):
            os.unlink(cache)
        tasks = [token_task()]
        for index in range(rounds):
            first, second, third = ids[3 * index : 3 * index + 3]
            tasks.append({"name": "single-id purge #%02d" % index, PURGE: {"id": first, "state": "absent"}})
            tasks.append(
                {
                    "name": "uri DELETE #%02d" % index,
                    "ansible.builtin.uri": {
                        "url": "{{ bench_graph_endpoint }}/v1.0/directory/deletedItems/%s" % second,
                        "method": "DELETE",
                        "headers": {"Authorization": "Bearer {{ bench_token.json.access_token }}"},
                        "status_code": 204,
                        "ca_path": "{{ bench_ca_path }}",
                    },
                }
            )
            tasks.append(
                {
                    "name": "single-id purge with token cache #%02d" % index,
                    PURGE: {"id": third, "state": "absent", "token_cache_path": cache},
                }
            )
        play = {
            "name": "Single tasks side by side",
            "hosts": "localhost",
            "gather_facts": False,
            "module_defaults": {"group/graphops.directory.graph": connection_defaults()},
            "tasks": tasks,
        }
        path = os.path.join(self.work, "single_tasks.yml")
        with open(path, "w") as handle:
            json.dump([play], handle, indent=2)
        run, timings = self.run_playbook(name, path, 3 * rounds, ids, env)
        kinds = (
            ("single_id", "single-id purge #"),
            ("uri_delete", "uri DELETE"),
            ("single_id_cached", "single-id purge with token cache #"),
        )
        for key, prefix in kinds:
            mine = [t for t in timings if t["task"].startswith(prefix) and t["seconds"]]
            run[key + "_task_seconds"] = median([t["seconds"] for t in mine])
            run[key + "_task_all"] = [t["seconds"] for t in mine]
            placed = [t for t in mine if t.get("module_processes")]
            run[key + "_module_process_seconds"] = median([t["module_seconds"] for t in placed])
            run[key + "_before_module_seconds"] = median([t["before_module_seconds"] for t in placed])
            run[key + "_after_module_seconds"] = median([t["after_module_seconds"] for t in placed])
            run[key + "_first_task_seconds"] = mine[0]["seconds"] if mine else None
            run[key + "_ran_in"] = sorted(set(t["ran_in"] for t in mine if t.get("ran_in")))
        return run


def token_task():
    return {
        "name": "token",
        "ansible.builtin.uri": {
            "url": "{{ bench_authority_host }}/{{ bench_tenant_id }}/oauth2/v2.0/token",
            "method": "POST",
            "body_format": "form-urlencoded",
            "body": {
                "grant_type": "client_credentials",
                "client_id": "{{ bench_client_id }}",
                "client_secret": "{{ bench_client_secret }}",
                "scope": "{{ bench_graph_endpoint }}/.default",
            },
            "ca_path": "{{ bench_ca_path }}",
            "return_content": True,
        },
        "register": "bench_token",
        "no_log": True,
    }


def connection_defaults():
    return {
        "tenant_id": "{{ bench_tenant_id }}",
        "client_id": "{{ bench_client_id }}",
        "client_secret": "{{ bench_client_secret }}",
        "authority_host": "{{ bench_authority_host }}",
        "graph_endpoint": "{{ bench_graph_endpoint }}",
        "ca_path": "{{ bench_ca_path }}",
    }


def summarize_modules(modules):
    """Per module and kind of process: how many ran, their peak RSS (MB) and median run time."""
    summary = []
    for kind, name in sorted(set((m.get("kind", "module"), m["module"]) for m in modules)):
        mine = [m for m in modules if m.get("kind", "module") == kind and m["module"] == name]
        summary.append(
            {
                "kind": kind,
                "module": name,
                "processes": len(mine),
                "peak_rss_mb": max(m["maxrss_kb"] for m in mine) / 1024.0,
                "seconds_median": median([m["seconds"] for m in mine]),
                "cpu_seconds_median": median([m["cpu_seconds"] for m in mine]),
            }
        )
    return summary


def best(runs):
    """The median run of repetitions, by duration."""
    ordered = sorted(runs, key=lambda r: r["seconds"] if r["seconds"] is not None else float("inf"))
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["repetitions"] = [r["seconds"] for r in runs]
    return chosen


def source_state():
    """Which code was measured: the commit, whether the tree differed, and a digest of plugins/."""

    def git(*args):
        try:
            return subprocess.run(
                ["git", "-C", ROOT] + list(args), capture_output=True, text=True, timeout=30, check=False
            ).stdout.strip()
        except OSError:
            return None

    digest = hashlib.sha256()
    for folder, files in sorted((entry[0], entry[2]) for entry in os.walk(os.path.join(ROOT, "plugins"))):
        for name in sorted(files):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as handle:
                    digest.update(handle.read())
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "plugins_changed_since_commit": bool(git("status", "--porcelain", "--", "plugins")),
        "plugins_sha256": digest.hexdigest()[:16],
    }


def ansible_version():
    try:
        from ansible.release import __version__

        return __version__
    except ImportError:
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--collections", required=True, help="a collections path that holds graphops.directory")
    parser.add_argument("--out", default=os.path.join(BENCH, "results"), help="where results.json and the chart go")
    parser.add_argument("--work", default=os.path.join(BENCH, "results", "work"), help="logs and generated files")
    parser.add_argument("--latency-ms", type=float, default=25.0, help="round trip added to every answer")
    parser.add_argument("--small", type=int, default=200, help="N for all four scenarios")
    parser.add_argument("--medium", type=int, default=2000, help="N for the bulk path and the floor")
    parser.add_argument("--large", type=int, default=10000, help="N for the bulk path's memory")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of the quick runs (the median is kept)")
    parser.add_argument("--rounds", type=int, default=10, help="single tasks of each kind, timed side by side")
    parser.add_argument("--throttle-n", type=int, default=2000, help="N for the run under a write quota")
    parser.add_argument("--quota", type=float, nargs=2, default=(100, 2.5), metavar=("WRITES", "SECONDS"))
    parser.add_argument("--no-profile", dest="profile", action="store_false", help="skip the profiles")
    parser.add_argument("--budget", type=float, default=840, help="seconds; later scenarios are skipped past it")
    parser.add_argument("--run-timeout", type=float, default=600, help="seconds one run may take")
    args = parser.parse_args(argv)

    started = time.monotonic()
    bench = Bench(args).start()
    results = {"runs": [], "skipped": []}
    small, medium, large = args.small, args.medium, args.large
    quota = (int(args.quota[0]), float(args.quota[1]))
    plan = [
        ("bulk", small, lambda: best([bench.bulk(small) for dummy in range(args.repeat)])),
        ("floor", small, lambda: best([bench.floor(small) for dummy in range(args.repeat)])),
        ("bulk", medium, lambda: best([bench.bulk(medium) for dummy in range(args.repeat)])),
        ("floor", medium, lambda: best([bench.floor(medium) for dummy in range(args.repeat)])),
        ("single_tasks", 3 * args.rounds, lambda: bench.single_tasks(args.rounds)),
        ("uri_loop", small, lambda: bench.uri_loop(small)),
        ("task_loop", small, lambda: bench.task_loop(small)),
        ("bulk", large, lambda: bench.bulk(large)),
        ("floor", large, lambda: bench.floor(large)),
        ("throttled", args.throttle_n, lambda: bench.bulk(args.throttle_n, quota=quota, name="throttled")),
    ]
    try:
        for name, count, step in plan:
            if bench.remaining() < 30:
                results["skipped"].append({"scenario": name, "n": count, "why": "time budget spent"})
                continue
            print("-- %s, N=%d" % (name, count), flush=True)
            run = step()
            results["runs"].append(run)
            print(
                "   %.2f s, %d requests, module peak %.1f MB, %s"
                % (
                    run["seconds"] or -1,
                    run["requests"]["http_requests"],
                    run["peak_rss_mb"],
                    "ok" if run["ok"] else "NOT OK (see %s)" % os.path.join(args.work, run["tag"] + ".log"),
                ),
                flush=True,
            )
        if args.profile and bench.remaining() > 30:
            results["profiles"] = profile(bench, args, medium)
    finally:
        bench.stop()

    results["meta"] = {
        "latency_ms": args.latency_ms,
        "quota": {"capacity": quota[0], "per_seconds": quota[1]},
        "repeat": args.repeat,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "ansible_core": ansible_version(),
        "source": source_state(),
        "bench_seconds": time.monotonic() - started,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    write_outputs(results, args.out)
    return 0 if all(r["ok"] for r in results["runs"]) else 1


def profile(bench, args, medium):
    """pyinstrument profiles of the module processes: one single-id purge and one uri DELETE (each its own
    task), and the bulk path at the medium N. Text reports go to results/profiles/."""
    folder = os.path.join(os.path.abspath(args.out), "profiles")
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    env = {"GRAPHOPS_BENCH_PROFILE_DIR": folder, "GRAPHOPS_BENCH_PROFILE_MODULES": "graph_deleted_item,uri"}
    print("-- profiles", flush=True)
    bench.single_tasks(1, env=env, name="profile_single")
    bench.bulk(medium, env=env, name="profile_bulk")
    return sorted(os.listdir(folder))


if __name__ == "__main__":
    sys.exit(main())
