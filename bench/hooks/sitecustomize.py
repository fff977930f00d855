# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Measures Ansible module processes for the benchmark.

The benchmark puts this folder on PYTHONPATH, so that every Python process it starts imports this file at
start-up. In a module process (Ansible runs each module as `python AnsiballZ_<name>.py`, in a process of its
own that inherits the controller's environment), it writes one JSON line at exit to GRAPHOPS_BENCH_RSS_LOG:
the module name, the process's peak resident set size (getrusage(RUSAGE_SELF).ru_maxrss) and its run time.
With GRAPHOPS_BENCH_PROFILE_DIR set, it also profiles the modules named in GRAPHOPS_BENCH_PROFILE_MODULES
with pyinstrument. Other processes (ansible-playbook, its workers) are left alone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
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


def install():
    log = os.environ.get("GRAPHOPS_BENCH_RSS_LOG")
    module = module_name(sys.argv)
    if not log or module is None:
        return
    started = time.monotonic()
    profiler, folder = start_profiler(module)

    def report():
        ended = time.monotonic()
        if profiler is not None:
            profiler.stop()
            base = os.path.join(folder, "%s-%d" % (module, os.getpid()))
            with open(base + ".txt", "w") as handle:
                handle.write(profiler.output_text(unicode=True, color=False, show_all=False))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        entry = {
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

    # Registered first, so it runs last: after the module's own exit handlers.
    atexit.register(report)


install()
