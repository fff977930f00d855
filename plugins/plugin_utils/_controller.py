# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs the collection's modules on the controller, inside the task's worker process, when Ansible would have
started them there anyway.

A module talks to Graph, never to the host it runs on, and is nearly always run on the controller
(`hosts: localhost` or `delegate_to: localhost`). There, Ansible builds the module's payload for each task,
starts a Python process for it, and reads its result back as JSON: a few tenths of a second a task before
the first request is sent. When the task would run with the controller's own Python, as the same user and
without async, the action plugin runs the same module code in the worker process instead, with the same
options checked the same way, the same environment and the same secrets masked. In any other case
(another host or interpreter, become, async), or with the variable graphops_directory_in_process set to
false, Ansible runs the module as usual.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import os
import sys
import traceback
from collections.abc import Mapping

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.utils.display import Display

display = Display()

MODULES = "ansible_collections.graphops.directory.plugins.modules."
AUTO_INTERPRETERS = ("auto", "auto_legacy", "auto_silent", "auto_legacy_silent")
SWITCH = "graphops_directory_in_process"
NO_LOG_PLACEHOLDER = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
SPEC_RULES = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")


def masked(value, secrets):
    """`value` with every secret replaced, as AnsibleModule returns its result: a string that is a secret
    becomes NO_LOG_PLACEHOLDER, a secret inside a string becomes ********, in dict keys too. Ansible's own
    remove_values does the same, but takes a tenth of a second for a result of 2,000 items."""
    secrets = [str(s) for s in secrets if s is not None and str(s).strip()]
    if not secrets:
        return value
    return _masked(value, set(secrets), sorted(secrets, key=len, reverse=True))


def _masked(value, exact, secrets):
    if isinstance(value, str):
        if value in exact:
            return NO_LOG_PLACEHOLDER
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, "********")
        return value
    if isinstance(value, Mapping):
        return dict((_masked(k, exact, secrets), _masked(v, exact, secrets)) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_masked(v, exact, secrets) for v in value]
    if isinstance(value, (bool, int, float)) and str(value) in exact:
        return NO_LOG_PLACEHOLDER
    return value


class ModuleExit(BaseException):
    """Raised by exit_json and fail_json. A BaseException, as SystemExit is for a module process, so that no
    `except Exception` of the module's code can take it for an error of its own."""

    def __init__(self, result):
        super(ModuleExit, self).__init__()
        self.result = result


class ControllerModule:
    """What the modules' code uses of AnsibleModule, for a run in the controller's worker process.

    The options are checked by Ansible's ArgumentSpecValidator, the code AnsibleModule uses, and a failed check
    ends the run with the message AnsibleModule gives.
    """

    def __init__(self, name, spec, args, check_mode=False, diff=False, log=None):
        self._name = name
        self.check_mode = check_mode
        self._diff = diff
        self._log = log
        self.warnings = []
        self.deprecations = []
        self.no_log_values = set()
        rules = dict((key, spec[key]) for key in SPEC_RULES if key in spec)
        validation = ArgumentSpecValidator(spec["argument_spec"], **rules).validate(args)
        self.params = validation.validated_parameters
        self.no_log_values.update(validation._no_log_values)
        for alias in validation._warnings:
            self.warn("Both option %s and its alias %s are set." % (alias["option"], alias["alias"]))
        for deprecation in validation._deprecations:
            self.deprecations.append({"msg": deprecation["msg"]})
        if validation.error_messages:
            msg = validation.errors.msg
            if isinstance(validation.errors.errors[0], UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (name, msg)
            self.fail_json(msg=msg)
        if check_mode and not spec.get("supports_check_mode"):
            self.exit_json(skipped=True, msg="module (%s) does not support check mode" % name)

    def warn(self, warning):
        self.warnings.append(warning)

    def log(self, msg):
        if self._log is not None:
            self._log(self.mask(msg))

    def mask(self, value):
        return masked(value, self.no_log_values)

    def finish(self, result):
        result.setdefault("invocation", {"module_args": self.params})
        if self.warnings:
            result["warnings"] = list(result.get("warnings") or []) + self.warnings
        if self.deprecations:
            result["deprecations"] = list(result.get("deprecations") or []) + self.deprecations
        return self.mask(result)

    def exit_json(self, **result):
        raise ModuleExit(self.finish(result))

    def fail_json(self, msg, **result):
        result.update(failed=True, msg=msg)
        raise ModuleExit(self.finish(result))


class environment:
    """The task's environment, as a module process on the controller would get it, for the time of one run."""

    def __init__(self, values):
        self.values = dict((str(k), str(v)) for k, v in values.items())
        self.saved = {}

    def __enter__(self):
        for name, value in self.values.items():
            self.saved[name] = os.environ.get(name)
            os.environ[name] = value
        return self

    def __exit__(self, *exc_info):
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        return False


def run_in_process(name, args, check_mode=False, diff=False, env=None, log=None, action=None):
    """Run the collection's module `name` with `args` in this process and return its result. `action` is the
    name the task gave (its messages name it, as a module process's do)."""
    implementation = importlib.import_module(MODULES + name)
    module = None
    with environment(env or {}):
        try:
            module = ControllerModule(action or name, implementation.module_spec(), args, check_mode, diff, log)
            implementation.execute(module)
        except ModuleExit as done:
            return done.result
        except Exception as exc:
            # What a module process would print as a traceback; the secrets the task was given are masked.
            masked = module.mask if module is not None else (lambda value: value)
            return {
                "failed": True,
                "msg": masked("%s failed unexpectedly: %s: %s" % (name, type(exc).__name__, exc)),
                "exception": masked(traceback.format_exc()),
            }
    return module.finish({"failed": True, "msg": "%s ended without a result" % name})


def same_python(interpreter, executable):
    """True when `interpreter` starts the same Python environment as `executable`: the same file, named from the
    same folder (a virtual environment is found from the folder of the name a Python is started by)."""
    if not interpreter or not os.path.isabs(interpreter):
        return False
    try:
        return os.path.dirname(interpreter) == os.path.dirname(executable) and os.path.samefile(interpreter, executable)
    except OSError:
        return False


class ControllerAction(NormalAction):
    """The action of a module of this collection: in the worker process when the task would run on the
    controller with its own Python, as a module process otherwise."""

    MODULE = None

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars if task_vars is not None else {}
        if not self.runs_here(task_vars):
            return super(ControllerAction, self).run(tmp, task_vars)
        result = super(NormalAction, self).run(tmp, task_vars)
        del tmp
        env = {}
        self._compute_environment_string(env)
        host = task_vars.get("inventory_hostname")

        def log(msg):
            display.vvvv("%s: %s" % (self.MODULE, msg), host=host)

        display.vvv("Running %s in the worker process of the controller" % self.MODULE, host=host)
        result.update(
            run_in_process(
                self.MODULE,
                dict(self._task.args),
                check_mode=bool(self._task.check_mode),
                diff=bool(self._task.diff),
                env=env,
                log=log,
                action=self._task.action,
            )
        )
        return result

    def runs_here(self, task_vars):
        """True when Ansible would run the module on this machine, with this Python, as this user, now, and
        the variable graphops_directory_in_process does not turn this off."""
        try:
            wanted = boolean(self._templar.template(task_vars.get(SWITCH, True)), strict=True)
        except Exception as exc:
            raise AnsibleError("%s must be a boolean: %s" % (SWITCH, exc)) from None
        if not wanted:
            return False
        if getattr(self._connection, "transport", None) != "local":
            return False
        if self._task.async_val or self._play_context.become:
            return False
        return same_python(self.interpreter(task_vars), sys.executable)

    def interpreter(self, task_vars):
        """The Python Ansible would run the module with, or None when it is not known before it runs."""
        host_vars = task_vars
        if self._task.delegate_to:
            host_vars = (task_vars.get("ansible_delegated_vars") or {}).get(self._task.delegate_to) or {}
        try:
            interpreter = host_vars.get("ansible_python_interpreter")
            if interpreter is None:
                interpreter = C.config.get_config_value("INTERPRETER_PYTHON", variables=host_vars)
            interpreter = self._templar.template(interpreter)
        except Exception:  # a template that cannot be resolved here: let Ansible resolve it as usual
            return None
        if interpreter in AUTO_INTERPRETERS:
            interpreter = (host_vars.get("ansible_facts") or {}).get("discovered_interpreter_python")
        return str(interpreter) if interpreter else None
