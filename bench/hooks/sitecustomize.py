# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Measures the processes that run Ansible's modules, for the benchmark.

The benchmark puts this folder on PYTHONPATH, so that every Python process it starts imports this file at
start-up. It writes one JSON line to GRAPHOPS_BENCH_RSS_LOG for each process that ran a task's module code:
its kind, the module, the process's peak resident set size (getrusage(RUSAGE_SELF).ru_maxrss) and when it
started and ended.

- A module process: Ansible runs a module as `python AnsiballZ_<name>.py`, in a process of its own that
  inherits the controller's environment. The line is written at its exit.
- A worker process: ansible-playbook forks one worker per task and host. This collection's modules run inside
  it when the task runs on the controller with the controller's Python; the worker is then the process that
  did the work, and its peak includes the part of ansible-playbook it was forked from. The line is written
  when the worker's task is done.

With GRAPHOPS_BENCH_PROFILE_DIR set, it also profiles, with pyinstrument, the module processes of the
modules named in GRAPHOPS_BENCH_PROFILE_MODULES and the worker processes whose task runs one of them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import importlib.abc
import importlib.machinery
import json
import os
import resource
import sys
import time

PREFIX = "AnsiballZ_"


def module_name(argv):
    """The module an AnsiballZ payload runs, or None for any other script."""
    script = os.path.basename(argv[0]) if argv else ""
    if script.startswith(PREFIX) and script.endswith(".py"):
        return script[len(PREFIX) : -len(".py")]
    return None


def start_profiler(module):
    folder = os.environ.get("GRAPHOPS_BENCH_PROFILE_DIR")
    wanted = os.environ.get("GRAPHOPS_BENCH_PROFILE_MODULES", "").split(",")
    if not folder or module not in wanted:
        return None, None
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None, None
    profiler = Profiler(interval=0.0005)
    profiler.start()
    return profiler, folder


def report(log, kind, module, started, profiler, folder):
    ended = time.monotonic()
    if profiler is not None:
        profiler.stop()
        base = os.path.join(folder, "%s-%s-%d" % (module, kind, os.getpid()))
        with open(base + ".txt", "w") as handle:
            handle.write(profiler.output_text(unicode=True, color=False, show_all=False))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    entry = {
        "kind": kind,
        "module": module,
        "pid": os.getpid(),
        # Linux reports ru_maxrss in KiB.
        "maxrss_kb": usage.ru_maxrss,
        "seconds": round(ended - started, 4),
        # The system-wide monotonic clock, as the timing callback's: places the process inside its task.
        "start_t": started,
        "end_t": ended,
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 4),
    }
    with open(log, "a") as handle:
        handle.write(json.dumps(entry) + "\n")


def measure_workers(log):
    """Wrap WorkerProcess.run once ansible-playbook imports it (importing it here, first, could change how
    ansible-playbook starts)."""

    def patch(worker_module):
        original = worker_module.WorkerProcess.run

        def run(self):
            started = time.monotonic()
            module = str(self._task.action).rsplit(".", 1)[-1]
            profiler, folder = start_profiler(module)
            try:
                return original(self)
            finally:
                report(log, "worker", module, started, profiler, folder)

        worker_module.WorkerProcess.run = run

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "ansible.executor.process.worker":
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is None or spec.loader is None:
                return spec
            execute = spec.loader.exec_module

            def exec_module(worker_module):
                execute(worker_module)
                patch(worker_module)

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, Finder())


def install():
    log = os.environ.get("GRAPHOPS_BENCH_RSS_LOG")
    if not log:
        return
    if os.path.basename(sys.argv[0] if sys.argv else "") == "ansible-playbook":
        measure_workers(log)
        return
    module = module_name(sys.argv)
    if module is None:
        return
    started = time.monotonic()
    profiler, folder = start_profiler(module)
    # Registered first, so it runs last: after the module's own exit handlers.
    atexit.register(report, log, "module", module, started, profiler, folder)


install()
