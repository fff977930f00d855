# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""No credential leaves for another host, and none shows up in anything a run prints."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import sys

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from graph_emulator.server import RecordingHost

from .tenants import ALICE, BOB, CERT_CLIENT_ID, CERT_PASSWORD
from .test_info import INFO
from .test_purge_by_id import PURGE, in_bin


@pytest.fixture
def foreign(emulator):
    with RecordingHost(emulator) as host:
        yield host


def test_a_next_link_to_another_host_is_refused_and_no_token_leaves(playbook, emulator, foreign, secret):
    from .tenants import bulk_seed

    emulator.reset(bulk_seed(secret, old_users=1200))
    emulator.faults.send_next_links_to(foreign.url)

    run = playbook.run([{"name": "list", INFO: {"object_type": ["user"]}, "register": "list"}])

    assert run.rc != 0
    result = run.result("list")
    assert result["error_kind"] == "foreign_host"
    assert "Refusing to follow a link to %s" % foreign.url in result["msg"]
    assert foreign.seen == []


def test_a_redirect_to_another_host_is_not_followed(playbook, emulator, foreign):
    emulator.faults.redirect(foreign.url + "/v1.0/directory/deletedItems/" + ALICE["id"], method="GET")

    run = playbook.run([{"name": "purge", PURGE: {"id": ALICE["id"]}, "register": "purge"}])

    assert run.rc != 0
    result = run.result("purge")
    assert result["error_kind"] == "redirect"
    assert "redirect to %s, which is not followed" % foreign.url in result["msg"]
    assert foreign.seen == []
    assert in_bin(emulator, ALICE)


def test_a_redirected_sign_in_does_not_take_the_secret_along(playbook, emulator, foreign, secret):
    emulator.faults.add(
        "redirect", kind="identity", method="POST", path="/token$", status=307, location=foreign.url + "/token"
    )

    run = playbook.run([{"name": "purge", PURGE: {"id": ALICE["id"]}, "register": "purge"}])

    assert run.rc != 0
    assert foreign.seen == []
    assert secret not in run.output
    assert in_bin(emulator, ALICE)


def secrets_of(emulator, playbook, extra=()):
    return [playbook.secret, CERT_PASSWORD] + list(emulator.issued_tokens) + list(extra)


def assert_nothing_leaked(text, values):
    for value in values:
        assert value not in text, "a secret or token appeared in the output"


def test_no_secret_or_token_in_any_output_at_any_verbosity(playbook, emulator, tmp_path):
    given_token = playbook.token()
    emulator.faults.throttle(count=2, retry_after="1", method="GET")
    emulator.faults.expire_tokens_after(3)
    certificate = playbook.connection(
        client_id=CERT_CLIENT_ID,
        client_secret=None,
        client_certificate_path=str(tmp_path / "certs" / "app.pfx"),
        client_certificate_password=CERT_PASSWORD,
    )
    plays = [
        ([{"name": "check", PURGE: {"id": ALICE["id"]}}], dict(check=True, diff=True)),
        ([{"name": "purge", PURGE: {"ids": [ALICE["id"], BOB["id"]]}}], dict(diff=True)),
        ([{"name": "bad secret", PURGE: {"id": BOB["id"], "client_secret": playbook.secret + "x"}}], {}),
        ([{"name": "cert", INFO: {}}], dict(connection=certificate)),
        ([{"name": "token", INFO: {"access_token": given_token, "auth_method": "access_token"}}], {}),
        ([{"name": "bad token", INFO: {"access_token": given_token + "x", "auth_method": "access_token"}}], {}),
    ]
    everything = []
    for tasks, options in plays:
        for task in tasks:
            task["ignore_errors"] = True
        run = playbook.run(tasks, verbosity=4, **options)
        everything.append(run.output)
        everything.append(json.dumps(run.results))

    assert emulator.issued_tokens, "no token was issued: the test proves nothing"
    assert_nothing_leaked("\n".join(everything), secrets_of(emulator, playbook, [given_token, playbook.secret + "x"]))


def run_in_process(module, args, monkeypatch):
    """Run a module's main() in this process against the emulator, keeping its module.log lines."""
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, "log", lambda self, msg, log_args=None: logged.append(msg))
    stdout = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stdout)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(stdout.getvalue()), logged


def test_retries_and_token_renewals_are_logged_without_secrets(playbook, emulator, monkeypatch):
    from ansible_collections.graphops.directory.plugins.modules import graph_deleted_item

    emulator.faults.throttle(count=1, retry_after="1", method="GET", object_id=ALICE["id"])
    emulator.faults.throttle(count=1, retry_after=None, status=503, method="DELETE", scope="inner")
    emulator.faults.expire_tokens_after(2)
    args = dict(playbook.connection(), ids=[ALICE["id"], BOB["id"]])
    monkeypatch.setenv("NO_PROXY", "127.0.0.0/8")

    result, logged = run_in_process(graph_deleted_item, args, monkeypatch)

    assert not result.get("failed"), result
    assert sorted(i["outcome"] for i in result["deleted_items"]) == ["purged", "purged"]
    text = "\n".join(logged)
    assert "retry 1 of 5" in text
    assert "requesting a new one" in text
    assert "Signed in with client_secret" in text
    assert_nothing_leaked(text + json.dumps(result), secrets_of(emulator, playbook))
