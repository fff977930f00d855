# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Odd endpoints, odd options and leftovers in the environment: clear answers, and only true ones."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from graph_emulator.server import RecordingHost

from .tenants import ALICE, CLIENT_ID
from .test_purge_by_id import PURGE, in_bin, writes


def purge(**options):
    args = dict(id=ALICE["id"])
    args.update(options)
    return {"name": "purge", PURGE: args, "register": "purge"}


def test_a_404_that_is_not_graphs_is_an_error_not_a_green_run(playbook, emulator):
    emulator.faults.raw(404, '{"error": "nf"}', method="GET")

    run = playbook.run([purge()])

    assert run.rc != 0
    result = run.result("purge")
    assert result["error_kind"] == "not_graph"
    assert "may not point at Microsoft Graph" in result["msg"]
    assert in_bin(emulator, ALICE)


def test_a_purge_whose_answer_was_a_504_after_graph_acted_is_reported_purged(playbook, emulator):
    emulator.faults.add("status", status=504, retry_after="1", after=True, method="DELETE", scope="outer")

    run = playbook.run([purge()])

    assert run.rc == 0, run.output
    result = run.result("purge")
    assert result["changed"] is True
    assert result["deleted_items"][0]["outcome"] == "purged"
    assert not in_bin(emulator, ALICE)


@pytest.mark.parametrize("timeout", [True, 0, 99999999999])
def test_a_timeout_out_of_range_names_the_option_before_any_request(playbook, emulator, timeout):
    run = playbook.run([purge(timeout=timeout)])

    assert run.rc != 0
    assert "timeout must be a number of seconds from 1 to 3600" in run.result("purge")["msg"]
    assert emulator.requests() == []


def test_a_missing_ca_path_names_the_option_before_any_request(playbook, emulator, tmp_path):
    connection = playbook.connection(ca_path=str(tmp_path / "no-such-ca.pem"))

    run = playbook.run([purge()], connection=connection)

    assert run.rc != 0
    assert "ca_path" in run.result("purge")["msg"] and "does not exist" in run.result("purge")["msg"]
    assert emulator.requests() == []


def test_an_unreadable_requests_ca_bundle_is_a_tls_failure(playbook, emulator, tmp_path):
    connection = playbook.connection(ca_path=None)
    env = {"REQUESTS_CA_BUNDLE": str(tmp_path / "gone.pem"), "CURL_CA_BUNDLE": str(tmp_path / "gone.pem")}

    run = playbook.run([purge()], connection=connection, env=env)

    assert run.rc != 0
    result = run.result("purge")
    assert result["error_kind"] == "tls" and "CA bundle" in result["msg"]
    assert in_bin(emulator, ALICE)


def test_all_problems_are_reported_at_once(playbook, emulator):
    connection = playbook.connection(tenant_id=None, graph_endpoint="http://127.0.0.1:1")

    run = playbook.run([purge(id="not-a-guid")], connection=connection)

    assert run.rc != 0
    msg = run.result("purge")["msg"]
    assert "id must be an object id" in msg
    assert "graph_endpoint must be an https:// URL" in msg
    assert "tenant_id is required" in msg
    assert run.result("purge")["deleted_items"] == []
    assert emulator.requests() == []


def test_a_task_option_beats_a_credential_left_in_the_environment(playbook, emulator):
    env = {"AZURE_CLIENT_CERTIFICATE_PATH": "/etc/hostname", "AZURE_CLIENT_ID": "not-this-one"}

    run = playbook.run([purge()], env=env)

    assert run.rc == 0, run.output
    assert run.result("purge")["deleted_items"][0]["outcome"] == "purged"
    [token] = [r for r in emulator.requests("identity") if r["path"].endswith("/token")]
    assert token["client_id"] == CLIENT_ID


def test_a_failed_sign_in_reports_the_status_and_the_ids_it_was_sent_with(playbook, emulator):
    run = playbook.run([purge(client_secret="wrong-secret-value")])

    assert run.rc != 0
    result = run.result("purge")
    [token] = [r for r in emulator.requests("identity") if r["path"].endswith("/token")]
    assert result["status"] == 401
    assert result["client_request_id"] == token["client_request_id"]


def test_an_unknown_tenant_is_named_with_its_aadsts_code(playbook, emulator):
    run = playbook.run([purge(tenant_id="00000000-1111-4222-8333-444444444444")])

    assert run.rc != 0
    result = run.result("purge")
    assert result["error_code"] == "AADSTS90002"
    assert result["status"] == 400
    assert "tenant_id 00000000-1111-4222-8333-444444444444" in result["msg"]


def test_a_token_endpoint_on_another_host_never_gets_the_secret(playbook, emulator, secret):
    with RecordingHost(emulator) as foreign:
        emulator.faults.token_endpoint_origin = foreign.url

        run = playbook.run([purge()])

    assert run.rc != 0
    assert run.result("purge")["error_kind"] == "foreign_host"
    assert foreign.seen == []
    assert secret not in run.output
    assert writes(emulator) == []
