# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Sign-in and connection: each credential kind purges, each bad combination fails before anything is deleted."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from .recorder import RecordingProxy
from .tenants import (
    ALICE,
    BOB,
    CERT_CLIENT_ID,
    CERT_PASSWORD,
    CLIENT_ID,
    OTHER_TENANT_ID,
    OTHER_TENANT_USER,
    READER_CLIENT_ID,
    TENANT_ID,
)
from .test_purge_by_id import in_bin, purge_task, writes

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def purged(run):
    assert run.rc == 0, run.output
    return run.result("purge")["deleted_items"][0]["outcome"] == "purged"


def test_client_secret_from_the_environment(playbook, emulator):
    connection = playbook.connection(tenant_id=None, client_id=None, client_secret=None)
    env = {"AZURE_TENANT_ID": TENANT_ID, "AZURE_CLIENT_ID": CLIENT_ID, "AZURE_CLIENT_SECRET": playbook.secret}

    run = playbook.run([purge_task(ALICE["id"])], connection=connection, env=env)

    assert purged(run)
    tokens = [r for r in emulator.requests("identity") if r["path"].endswith("/token")]
    assert len(tokens) == 1 and tokens[0]["status"] == 200
    assert not in_bin(emulator, ALICE)


def test_certificate_pem_signs_in_and_purges(playbook, emulator, tmp_path):
    connection = playbook.connection(
        client_id=CERT_CLIENT_ID, client_secret=None, client_certificate_path=str(tmp_path / "certs" / "app.pem")
    )

    run = playbook.run([purge_task(ALICE["id"])], connection=connection)

    assert purged(run)
    [token] = [r for r in emulator.requests("identity") if r["path"].endswith("/token")]
    assert token["client_id"] == CERT_CLIENT_ID and token["status"] == 200


def test_certificate_pfx_with_its_password_signs_in_and_purges(playbook, emulator, tmp_path):
    connection = playbook.connection(
        client_id=CERT_CLIENT_ID,
        client_secret=None,
        auth_method="client_certificate",
        client_certificate_path=str(tmp_path / "certs" / "app.pfx"),
        client_certificate_password=CERT_PASSWORD,
    )

    run = playbook.run([purge_task(ALICE["id"])], connection=connection)

    assert purged(run)
    assert CERT_PASSWORD not in run.output


def test_a_wrong_pfx_password_fails_naming_the_option_before_any_request(playbook, emulator, tmp_path):
    connection = playbook.connection(
        client_id=CERT_CLIENT_ID,
        client_secret=None,
        client_certificate_path=str(tmp_path / "certs" / "app.pfx"),
        client_certificate_password="not-the-password",
    )

    run = playbook.run([purge_task(ALICE["id"])], connection=connection)

    assert run.rc != 0
    assert "client_certificate_password" in run.result("purge")["msg"]
    assert emulator.requests() == []


def test_an_access_token_from_elsewhere_is_used_without_a_sign_in(playbook, emulator):
    token = playbook.token()
    emulator.clear_log()
    connection = playbook.connection(tenant_id=None, client_id=None, client_secret=None, access_token=token)

    run = playbook.run([purge_task(ALICE["id"])], connection=connection, verbosity=3)

    assert purged(run)
    assert emulator.requests("identity") == []
    assert token not in run.output


def test_a_wrong_secret_fails_with_the_aadsts_code_and_nothing_is_deleted(playbook, emulator):
    connection = playbook.connection(client_secret="wrong-secret-value")

    run = playbook.run([purge_task(ALICE["id"])], connection=connection, verbosity=3)

    assert run.rc != 0
    result = run.result("purge")
    assert result["error_code"] == "AADSTS7000215"
    assert "Invalid client secret" in result["msg"]
    assert emulator.requests("graph") == []
    assert in_bin(emulator, ALICE)
    assert "wrong-secret-value" not in run.output


def test_an_unknown_client_id_fails_with_the_aadsts_code(playbook, emulator):
    connection = playbook.connection(client_id="0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f")

    run = playbook.run([purge_task(ALICE["id"])], connection=connection)

    assert run.rc != 0
    assert run.result("purge")["error_code"] == "AADSTS700016"
    assert emulator.requests("graph") == []


def test_missing_options_are_all_named_before_any_request(playbook, emulator):
    connection = playbook.connection(tenant_id=None, client_id=None)

    run = playbook.run([purge_task(ALICE["id"])], connection=connection)

    assert run.rc != 0
    msg = run.result("purge")["msg"]
    assert "tenant_id is required" in msg and "client_id is required" in msg
    assert emulator.requests() == []


def test_a_named_method_without_its_credential_is_contradictory(playbook, emulator):
    connection = playbook.connection(auth_method="client_certificate")

    run = playbook.run([purge_task(ALICE["id"])], connection=connection)

    assert run.rc != 0
    msg = run.result("purge")["msg"]
    assert "client_certificate_path is required for auth_method client_certificate" in msg
    assert "client_secret is set" in msg
    assert emulator.requests() == []


def test_no_credential_at_all_is_refused(playbook, emulator):
    connection = playbook.connection(client_secret=None)

    run = playbook.run([purge_task(ALICE["id"])], connection=connection)

    assert run.rc != 0
    assert "no credential was given" in run.result("purge")["msg"]
    assert emulator.requests() == []


def test_plain_http_endpoints_are_refused(playbook, emulator):
    connection = playbook.connection(graph_endpoint=emulator.url.replace("https://", "http://"))

    run = playbook.run([purge_task(ALICE["id"])], connection=connection)

    assert run.rc != 0
    assert "graph_endpoint must be an https:// URL" in run.result("purge")["msg"]
    assert emulator.requests() == []


def test_a_permission_the_app_lacks_is_a_403_with_the_graph_error(playbook, emulator):
    connection = playbook.connection(client_id=READER_CLIENT_ID)

    run = playbook.run([purge_task(ALICE["id"])], connection=connection)

    assert run.rc != 0
    result = run.result("purge")
    assert (result["status"], result["error_code"]) == (403, "Authorization_RequestDenied")
    assert result["request_id"] and result["client_request_id"]
    assert in_bin(emulator, ALICE)


def test_tls_without_the_emulator_ca_is_a_tls_failure_not_a_not_found(playbook, emulator):
    connection = playbook.connection(ca_path=None)

    run = playbook.run([purge_task(ALICE["id"])], connection=connection, env={"REQUESTS_CA_BUNDLE": SYSTEM_BUNDLE})

    assert run.rc != 0
    result = run.result("purge")
    assert result["error_kind"] == "tls"
    assert "TLS verification failed" in result["msg"] and "ca_path" in result["msg"]
    assert result["deleted_items"] == [] and result["summary"]["matched"] == 0
    assert emulator.requests() == []
    assert in_bin(emulator, ALICE)


def test_ca_path_wins_over_requests_ca_bundle(playbook, emulator):
    env = {"REQUESTS_CA_BUNDLE": SYSTEM_BUNDLE, "CURL_CA_BUNDLE": SYSTEM_BUNDLE}

    run = playbook.run([purge_task(ALICE["id"])], env=env)

    assert purged(run)


def test_validate_certs_false_warns_and_connects(playbook, emulator):
    connection = playbook.connection(ca_path=None, validate_certs=False)

    run = playbook.run([purge_task(ALICE["id"])], connection=connection)

    assert purged(run)
    assert any("validate_certs is false" in w for w in run.result("purge")["warnings"])


def test_a_custom_authority_reaches_no_other_host(playbook, emulator):
    with RecordingProxy() as proxy:
        env = {"HTTPS_PROXY": proxy.url, "https_proxy": proxy.url, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
        run = playbook.run([purge_task(ALICE["id"])], env=env)

    assert purged(run)
    assert proxy.seen == []
    paths = [r["path"] for r in emulator.requests("identity")]
    assert paths == [
        "/%s/v2.0/.well-known/openid-configuration" % TENANT_ID,
        "/%s/oauth2/v2.0/token" % TENANT_ID,
    ]


def test_every_request_has_a_fresh_client_request_id_and_names_the_collection(playbook, emulator):
    run = playbook.run([purge_task(ALICE["id"]), purge_task(BOB["id"], name="purge bob")])

    assert run.rc == 0, run.output
    graph = emulator.requests("graph")
    ids = [r["client_request_id"] for r in graph]
    assert len(graph) == 4 and None not in ids and len(set(ids)) == len(ids)
    everything = emulator.requests()
    all_ids = [r["client_request_id"] for r in everything]
    assert None not in all_ids and len(set(all_ids)) == len(all_ids)
    assert all(r["user_agent"].startswith("graphops.directory/") for r in everything)


def test_a_token_sees_only_its_own_tenant(playbook, emulator):
    run = playbook.run([purge_task(OTHER_TENANT_USER["id"])])

    assert run.rc == 0, run.output
    assert run.result("purge")["deleted_items"][0]["outcome"] == "not_found"
    assert writes(emulator) == []
    assert emulator.directory.find(emulator.tenant(OTHER_TENANT_ID), OTHER_TENANT_USER["id"], deleted=True)


def test_secrets_never_reach_the_output_at_any_verbosity(playbook, emulator):
    run = playbook.run([purge_task(ALICE["id"])], verbosity=4, diff=True)

    assert purged(run)
    assert playbook.secret not in run.output
    assert "eyJ" not in run.output
