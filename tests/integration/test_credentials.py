# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Signing in where playbooks run: workload identity, managed identity, sovereign clouds, a shared token cache."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from .recorder import RecordingProxy
from .tenants import (
    ALICE,
    BOB,
    FEDERATED_SUBJECT,
    MI_SYSTEM_ID,
    MI_USER_ID,
    TENANT_ID,
    WORKLOAD_CLIENT_ID,
    credentials_seed,
)
from .test_purge_by_id import PURGE, in_bin, writes


@pytest.fixture
def tenant(emulator, secret):
    emulator.reset(credentials_seed(secret))
    app = emulator.tenant(TENANT_ID).apps[WORKLOAD_CLIENT_ID]
    app.federated = [
        {"issuer": emulator.issuer_url, "subject": FEDERATED_SUBJECT, "audience": "api://AzureADTokenExchange"}
    ]
    return emulator


def purge(object_id=None, **options):
    args = dict(id=object_id or ALICE["id"])
    args.update(options)
    return {"name": "purge", PURGE: args, "register": "purge"}


def token_requests(emulator):
    return [r for r in emulator.requests("identity") if r["path"].endswith("/token") and r.get("token_issued")]


def workload_connection(playbook, token_file):
    return playbook.connection(client_id=WORKLOAD_CLIENT_ID, client_secret=None, federated_token_file=str(token_file))


def test_workload_identity_trades_the_pipeline_token_and_purges(playbook, tenant, tmp_path):
    token_file = tmp_path / "federated-token"
    token_file.write_text(tenant.mint_federated_token(FEDERATED_SUBJECT))

    run = playbook.run([purge()], connection=workload_connection(playbook, token_file))

    assert run.rc == 0, run.output
    assert run.result("purge")["deleted_items"][0]["outcome"] == "purged"
    [token] = token_requests(tenant)
    assert token["client_id"] == WORKLOAD_CLIENT_ID
    assert token_file.read_text() not in run.output


def test_workload_identity_from_the_environment_with_auth_method_auto(playbook, tenant, tmp_path):
    token_file = tmp_path / "federated-token"
    token_file.write_text(tenant.mint_federated_token(FEDERATED_SUBJECT))
    connection = playbook.connection(client_id=None, client_secret=None, tenant_id=None)
    env = {
        "AZURE_FEDERATED_TOKEN_FILE": str(token_file),
        "AZURE_CLIENT_ID": WORKLOAD_CLIENT_ID,
        "AZURE_TENANT_ID": TENANT_ID,
    }

    run = playbook.run([purge()], connection=connection, env=env)

    assert run.rc == 0, run.output
    assert not in_bin(tenant, ALICE)


@pytest.mark.parametrize(
    "case, code",
    [
        ("wrong subject", "AADSTS70021"),
        ("wrong audience", "AADSTS70021"),
        ("expired", "AADSTS700024"),
        ("badly signed", "AADSTS50013"),
    ],
)
def test_a_bad_federated_token_fails_clearly_and_nothing_is_deleted(playbook, tenant, tmp_path, case, code):
    options = {
        "wrong subject": dict(subject="repo:contoso/other:ref:refs/heads/main"),
        "wrong audience": dict(audience="api://SomethingElse"),
        "expired": dict(lifetime=-600),
        "badly signed": dict(key=rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    }[case]
    subject = options.pop("subject", FEDERATED_SUBJECT)
    token_file = tmp_path / "federated-token"
    token_file.write_text(tenant.mint_federated_token(subject, **options))

    run = playbook.run([purge()], connection=workload_connection(playbook, token_file))

    assert run.rc != 0
    assert run.result("purge")["error_code"] == code
    assert tenant.requests("graph") == []
    assert in_bin(tenant, ALICE)


def managed_identity_env(emulator, header=None):
    return {"IDENTITY_ENDPOINT": emulator.identity_endpoint, "IDENTITY_HEADER": header or emulator.identity_header}


@pytest.mark.parametrize("assigned", ["system", "user"])
def test_a_managed_identity_signs_in_through_the_app_service_endpoint(playbook, tenant, assigned):
    connection = playbook.connection(
        tenant_id=None,
        client_secret=None,
        client_id=MI_USER_ID if assigned == "user" else None,
        auth_method="managed_identity",
    )

    run = playbook.run([purge()], connection=connection, env=managed_identity_env(tenant))

    assert run.rc == 0, run.output
    assert run.result("purge")["deleted_items"][0]["outcome"] == "purged"
    [token] = [r for r in tenant.requests("identity") if r["path"] == "/msi/token"]
    assert token["client_id"] == (MI_USER_ID if assigned == "user" else MI_SYSTEM_ID)


def test_auto_picks_the_managed_identity_the_environment_offers(playbook, tenant):
    connection = playbook.connection(tenant_id=None, client_secret=None, client_id=None)

    run = playbook.run([purge()], connection=connection, env=managed_identity_env(tenant))

    assert run.rc == 0, run.output
    assert [r["path"] for r in tenant.requests("identity")] == ["/msi/token"]


def test_a_wrong_identity_header_fails_and_nothing_is_deleted(playbook, tenant):
    connection = playbook.connection(tenant_id=None, client_secret=None, client_id=None, auth_method="managed_identity")

    run = playbook.run([purge()], connection=connection, env=managed_identity_env(tenant, header="stale"))

    assert run.rc != 0
    result = run.result("purge")
    assert result["error_kind"] == "auth" and result["status"] == 401
    assert "managed identity" in result["msg"]
    assert writes(tenant) == [] and in_bin(tenant, ALICE)


def test_without_an_endpoint_no_request_goes_to_the_instance_metadata_address(playbook, tenant):
    connection = playbook.connection(tenant_id=None, client_secret=None, client_id=None, auth_method="managed_identity")
    with RecordingProxy() as proxy:
        env = {
            "HTTP_PROXY": proxy.url,
            "http_proxy": proxy.url,
            "HTTPS_PROXY": proxy.url,
            "https_proxy": proxy.url,
            "NO_PROXY": "127.0.0.1",
            "no_proxy": "127.0.0.1",
        }
        run = playbook.run([purge()], connection=connection, env=env)

    assert run.rc != 0
    assert "managed_identity_source: imds" in run.result("purge")["msg"]
    assert proxy.seen == []
    assert tenant.requests() == []


def test_an_override_from_another_cloud_fails_naming_both_before_any_request(playbook, tenant):
    connection = playbook.connection(cloud="usgov", graph_endpoint="https://graph.microsoft.com")

    run = playbook.run([purge()], connection=connection)

    assert run.rc != 0
    msg = run.result("purge")["msg"]
    assert "graph_endpoint https://graph.microsoft.com belongs to cloud public, but cloud is usgov" in msg
    assert tenant.requests() == []


def test_a_token_for_another_clouds_graph_is_explained(playbook, tenant):
    token = playbook.token(scope="https://graph.microsoft.us/.default")
    connection = playbook.connection(tenant_id=None, client_id=None, client_secret=None, access_token=token)

    run = playbook.run([purge()], connection=connection)

    assert run.rc != 0
    result = run.result("purge")
    assert result["status"] == 401
    assert "Invalid audience" in result["msg"] and "must name one cloud" in result["msg"]
    assert in_bin(tenant, ALICE)


def twenty_tasks():
    tasks = [
        {"name": "look %d" % n, "graphops.directory.graph_deleted_item_info": {"id": BOB["id"]}} for n in range(19)
    ]
    return tasks + [purge()]


def test_a_token_cache_lets_twenty_tasks_share_one_token(playbook, tenant, tmp_path):
    cache = tmp_path / "cache" / "graph-tokens.json"
    cache.parent.mkdir()
    connection = playbook.connection(token_cache_path=str(cache))

    run = playbook.run(twenty_tasks(), connection=connection)

    assert run.rc == 0, run.output
    assert len(token_requests(tenant)) == 1
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600
    assert not any(token in run.output for token in tenant.issued_tokens)


def test_without_a_token_cache_each_task_signs_in(playbook, tenant):
    run = playbook.run(twenty_tasks())

    assert run.rc == 0, run.output
    assert len(token_requests(tenant)) == 20


def test_a_cache_file_others_can_read_is_ignored_with_a_warning(playbook, tenant, tmp_path):
    cache = tmp_path / "shared-cache.json"
    cache.write_text("{}")
    cache.chmod(0o644)
    connection = playbook.connection(token_cache_path=str(cache))

    run = playbook.run([purge()], connection=connection)

    assert run.rc == 0, run.output
    assert any("token_cache_path" in w and "ignored" in w for w in run.result("purge")["warnings"])
    assert cache.read_text() == "{}"
    assert len(token_requests(tenant)) == 1


def test_a_corrupt_cache_file_is_replaced_with_a_warning(playbook, tenant, tmp_path):
    cache = tmp_path / "cache.json"
    cache.write_text("not a cache")
    cache.chmod(0o600)
    connection = playbook.connection(token_cache_path=str(cache))

    run = playbook.run([purge()], connection=connection)

    assert run.rc == 0, run.output
    assert any("could not be read as a token cache" in w for w in run.result("purge")["warnings"])
    assert "AccessToken" in cache.read_text()


def test_a_cached_token_does_not_outlive_a_changed_secret(playbook, tenant, tmp_path):
    cache = tmp_path / "tokens.json"
    first = playbook.run([purge(BOB["id"])], connection=playbook.connection(token_cache_path=str(cache)))
    wrong = playbook.connection(token_cache_path=str(cache), client_secret="rotated-away-secret")

    second = playbook.run([purge()], connection=wrong)

    assert first.rc == 0, first.output
    assert second.rc != 0
    assert second.result("purge")["error_code"] == "AADSTS7000215"
    assert in_bin(tenant, ALICE)


def test_a_managed_identity_token_refused_mid_run_is_replaced_not_sent_again(playbook, tenant):
    connection = playbook.connection(tenant_id=None, client_secret=None, client_id=None, auth_method="managed_identity")
    tenant.faults.expire_tokens_after(1)

    run = playbook.run([purge()], connection=connection, env=managed_identity_env(tenant))

    assert run.rc == 0, run.output
    assert run.result("purge")["deleted_items"][0]["outcome"] == "purged"
    assert [r["path"] for r in tenant.requests("identity")] == ["/msi/token", "/msi/token"]
    assert not in_bin(tenant, ALICE)
