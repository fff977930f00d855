# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: result_log
type: notification
short_description: Writes each task result as a JSON line, for the collection's tests
description:
  - Appends one JSON object per task result to the file named by E(GRAPHOPS_RESULT_LOG).
  - Results are written after Ansible has censored C(no_log) values, as a user would see them.
options: {}
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "result_log"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, status, result):
        path = os.environ.get("GRAPHOPS_RESULT_LOG")
        if not path:
            return
        entry = {
            "task": result.task_name,
            "status": status,
            "result": dict(result.result),
        }
        with open(path, "a") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._write("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write("failed", result)

    def v2_runner_on_skipped(self, result):
        self._write("skipped", result)

    def v2_runner_item_on_ok(self, result):
        self._write("item_ok", result)

    def v2_runner_item_on_failed(self, result):
        self._write("item_failed", result)
