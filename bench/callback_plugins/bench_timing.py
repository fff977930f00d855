# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time
from collections import Counter

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: bench_timing
type: notification
short_description: Writes when each task started and ended, with a digest of its result, for the benchmark
description:
  - The benchmark's counterpart of the tests' result_log callback, with time stamps added.
  - Appends one JSON line per event to the file named by E(GRAPHOPS_BENCH_TIMING_LOG). C(start) when a task
    starts, C(item) for each loop item's result, and C(end) for the task's final result. Each carries C(t),
    a monotonic clock in seconds, so that a task's duration leaves ansible-playbook start-up out.
  - A result is reduced to its status, C(changed), C(msg), the module's C(summary), the outcomes of its
    C(deleted_items) and the HTTP C(status); long lists are counted, not copied.
options: {}
"""


def digest(result):
    """What the benchmark checks of a task result; never the token a uri task may have returned."""
    kept = dict((key, result[key]) for key in ("changed", "failed", "msg", "summary", "status") if key in result)
    items = result.get("deleted_items")
    if isinstance(items, list):
        kept["outcomes"] = dict(Counter(i.get("outcome") for i in items if isinstance(i, dict)))
    loop = result.get("results")
    if isinstance(loop, list):
        kept["items"] = len(loop)
        kept["items_failed"] = sum(1 for r in loop if isinstance(r, dict) and r.get("failed"))
    return kept


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "bench_timing"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, entry):
        path = os.environ.get("GRAPHOPS_BENCH_TIMING_LOG")
        if not path:
            return
        entry["t"] = time.monotonic()
        with open(path, "a") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def _result(self, event, status, result):
        self._write({"event": event, "status": status, "task": result.task_name, "result": digest(result.result)})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._write({"event": "start", "task": task.get_name()})

    def v2_runner_on_ok(self, result):
        self._result("end", "ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result("end", "failed", result)

    def v2_runner_on_skipped(self, result):
        self._result("end", "skipped", result)

    def v2_runner_on_unreachable(self, result):
        self._result("end", "unreachable", result)

    def v2_runner_item_on_ok(self, result):
        self._result("item", "ok", result)

    def v2_runner_item_on_failed(self, result):
        self._result("item", "failed", result)
