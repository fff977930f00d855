# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Integration fixtures: a Graph emulator per test worker, a fresh directory per test, and a runner
that drives the real ansible-playbook against it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import secrets

import pytest
from graph_emulator import Emulator

from .playbook import PlaybookRunner
from .tenants import test_seed


@pytest.fixture(scope="session")
def emulator_instance(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("emulator")
    emulator = Emulator(seed=test_seed("placeholder"), state_dir=state_dir).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def secret():
    return "secret-" + secrets.token_urlsafe(18)


@pytest.fixture
def emulator(emulator_instance, secret, tmp_path):
    """The emulator, reset to the test directory, with this test's client secret."""
    emulator_instance.reset(test_seed(secret, certificates_dir=tmp_path / "certs"))
    return emulator_instance


@pytest.fixture
def playbook(emulator, secret, tmp_path):
    return PlaybookRunner(emulator, secret, tmp_path)


def pytest_configure(config):
    if not os.environ.get("GRAPHOPS_COLLECTIONS"):
        raise pytest.UsageError("GRAPHOPS_COLLECTIONS must name the collections path (make integration sets it)")
