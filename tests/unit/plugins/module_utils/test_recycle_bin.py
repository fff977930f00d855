# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.graphops.directory.plugins.module_utils._graph import GraphClient, GraphError, VerifyingSession
from ansible_collections.graphops.directory.plugins.module_utils._recycle_bin import (
    OUTCOMES,
    connect,
    describe_item,
    fail_on_graph_error,
    guid_problems,
    object_type_of,
    summarize,
)

ID = "6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11"
GRAPH = "https://graph.example.test"
TENANT = "contoso.onmicrosoft.com"
NO_ITEMS = dict(matched=0, purged=0, restored=0, skipped=0, failed=0, unchanged=0)


class Failed(Exception):
    """What fail_json raised, with its fields."""

    def __init__(self, result):
        super(Failed, self).__init__(result.get("msg"))
        self.result = result


class FakeModule:
    def __init__(self, params=None):
        self.params = params
        self.warnings = []
        self.logged = []
        self.no_log_values = set()

    def fail_json(self, **result):
        raise Failed(result)

    def warn(self, message):
        self.warnings.append(message)

    def log(self, message):
        self.logged.append(message)


# --- items as the modules return them --------------------------------------------------------


def test_a_deleted_user_is_described_in_snake_case_without_odata_keys():
    item = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects/$entity",
        "@odata.type": "#microsoft.graph.user",
        "id": ID,
        "displayName": "Adele Vance",
        "deletedDateTime": "2026-11-20T08:00:00Z",
        "userPrincipalName": ID.replace("-", "") + "AdeleV@contoso.onmicrosoft.com",
        "mail": "AdeleV@contoso.com",
        "jobTitle": "Retail Manager",
    }

    assert describe_item(item) == {
        "id": ID,
        "object_type": "user",
        "display_name": "Adele Vance",
        "deleted_date_time": "2026-11-20T08:00:00Z",
        "user_principal_name": item["userPrincipalName"],
        "mail": "AdeleV@contoso.com",
    }


def test_a_deleted_application_reports_its_app_id_and_nothing_it_does_not_have():
    item = {"@odata.type": "#microsoft.graph.application", "id": ID, "displayName": "Payroll", "appId": "a-1"}

    described = describe_item(item)

    assert described["object_type"] == "application"
    assert described["app_id"] == "a-1"
    assert "user_principal_name" not in described
    assert "mail" not in described


def test_a_deleted_group_reports_its_group_types_and_security_flag():
    item = {
        "@odata.type": "#microsoft.graph.group",
        "id": ID,
        "displayName": "Sales",
        "groupTypes": ["Unified"],
        "securityEnabled": False,
        "mail": None,
    }

    described = describe_item(item)

    assert described["group_types"] == ["Unified"]
    assert described["security_enabled"] is False
    assert described["mail"] is None


graph_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@.", min_size=1, max_size=20)


@given(st.dictionaries(graph_names, st.one_of(st.none(), st.text(), st.booleans()), max_size=12))
def test_described_items_only_have_snake_case_keys(item):
    described = describe_item(item)

    assert all(re.match(r"^[a-z]+(_[a-z]+)*$", key) for key in described)
    assert set(["id", "object_type", "display_name", "deleted_date_time"]) <= set(described)


@pytest.mark.parametrize(
    "odata_type, object_type",
    [
        ("#microsoft.graph.user", "user"),
        ("#microsoft.graph.group", "group"),
        ("#microsoft.graph.application", "application"),
        ("#microsoft.graph.servicePrincipal", "service_principal"),
        ("#microsoft.graph.administrativeUnit", "administrative_unit"),
        ("#microsoft.graph.device", "device"),
        ("", None),
        (None, None),
    ],
)
def test_object_type_comes_from_odata_type(odata_type, object_type):
    assert object_type_of({"@odata.type": odata_type}) == object_type


def test_an_item_without_odata_type_has_no_object_type():
    assert object_type_of({"id": ID}) is None


# --- totals ----------------------------------------------------------------------------------


def test_summary_counts_check_mode_outcomes_as_what_they_would_be():
    entries = [{"outcome": name} for name in ("purged", "would_purge", "not_found", "skipped", "would_restore")]

    assert summarize(entries) == {
        "matched": 5,
        "purged": 2,
        "restored": 1,
        "skipped": 1,
        "failed": 0,
        "unchanged": 1,
    }


def test_an_empty_run_sums_to_zero():
    assert summarize([]) == dict(matched=0, purged=0, restored=0, skipped=0, failed=0, unchanged=0)


@given(st.lists(st.sampled_from(OUTCOMES + ("would_purge", "would_restore", "not_found"))))
def test_the_totals_always_add_up_to_matched(outcomes):
    summary = summarize([{"outcome": name} for name in outcomes])

    assert summary["matched"] == len(outcomes)
    assert sum(summary[name] for name in OUTCOMES) == summary["matched"]


# --- checks before anything is sent ----------------------------------------------------------


@pytest.mark.parametrize("value", [ID, ID.upper(), None])
def test_an_object_id_passes_the_guid_check(value):
    assert guid_problems("id", value) == []


@pytest.mark.parametrize("value", ["Adele Vance", ID[:-1], ID + "0", "{%s}" % ID, ID + "\n", "../" + ID, ""])
@pytest.mark.parametrize("option", ["id", "owner_id"])
def test_anything_else_is_a_problem_naming_the_option(option, value):
    assert guid_problems(option, value) == [
        "%s must be an object id (a GUID such as 6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11)" % option
    ]


def test_a_graph_error_fails_the_module_with_its_fields():
    error = GraphError(
        "Insufficient privileges to complete the operation.",
        status=403,
        error_code="Authorization_RequestDenied",
        request_id="r-1",
        client_request_id="c-1",
    )

    with pytest.raises(Failed) as caught:
        fail_on_graph_error(FakeModule(), error, deleted_items=[])

    result = caught.value.result
    assert result["msg"] == str(error)
    assert result["status"] == 403
    assert result["error_code"] == "Authorization_RequestDenied"
    assert result["request_id"] == "r-1"
    assert result["client_request_id"] == "c-1"
    assert result["error_kind"] == "graph"
    assert result["deleted_items"] == []


# --- connecting ------------------------------------------------------------------------------


def test_connect_builds_a_client_for_the_options_without_sending_anything(graph_params, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    ca = str(ca)
    module = FakeModule(graph_params(access_token="t", graph_endpoint=GRAPH, ca_path=ca, timeout=12))

    client = connect(module)

    assert isinstance(client, GraphClient)
    assert client.settings.graph_endpoint == GRAPH
    assert isinstance(client.session, VerifyingSession)
    assert client.session.ca_verify == ca
    assert client.session.default_timeout == 12
    assert client.session.allowed_origins == {GRAPH, "https://login.microsoftonline.com"}
    assert client.credential.name == "access_token"
    assert client.request_count == 0
    assert module.warnings == []
    assert any("access_token (from the task)" in line and GRAPH in line for line in module.logged)


def test_connect_warns_when_certificates_are_not_checked(graph_params):
    module = FakeModule(graph_params(access_token="t", validate_certs=False))

    client = connect(module)

    assert client.session.ca_verify is False
    assert len(module.warnings) == 1
    assert "validate_certs" in module.warnings[0]


def test_connect_fails_on_bad_connection_options(graph_params):
    module = FakeModule(graph_params(access_token="t", graph_endpoint="http://graph.example.test", timeout=-1))

    with pytest.raises(Failed) as caught:
        connect(module)

    assert caught.value.result == dict(
        msg="graph_endpoint must be an https:// URL, got http://...; "
        "timeout must be a number of seconds from 1 to 3600, got -1",
        deleted_items=[],
        summary=NO_ITEMS,
    )


def test_connect_fails_on_a_ca_path_that_does_not_exist(graph_params, tmp_path):
    missing = str(tmp_path / "no-such-ca.pem")

    with pytest.raises(Failed) as caught:
        connect(FakeModule(graph_params(access_token="t", ca_path=missing)))

    assert caught.value.result["msg"] == "ca_path %s does not exist or cannot be read" % missing


def test_connect_reports_every_problem_at_once_the_module_own_first(graph_params):
    params = graph_params(client_secret="s", graph_endpoint="graph.example.test/v1.0", timeout=True)

    with pytest.raises(Failed) as caught:
        connect(FakeModule(params), ["id must be an object id", "max_items must be 1 or more, got 0"])

    assert caught.value.result["msg"].split("; ") == [
        "id must be an object id",
        "max_items must be 1 or more, got 0",
        "graph_endpoint must be a scheme and host with an optional port, such as https://host:8443",
        "timeout must be a number of seconds from 1 to 3600, got True",
        "tenant_id is required for auth_method client_secret",
        "client_id is required for auth_method client_secret",
    ]
    assert caught.value.result["deleted_items"] == []
    assert caught.value.result["summary"] == NO_ITEMS


def test_connect_fails_with_the_module_problems_even_when_the_connection_is_fine(graph_params):
    with pytest.raises(Failed) as caught:
        connect(FakeModule(graph_params(access_token="t")), ["owner_id must be an object id"])

    assert caught.value.result["msg"] == "owner_id must be an object id"


def test_connect_takes_the_credential_from_the_environment_and_hides_its_secrets(graph_params, monkeypatch):
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT)
    monkeypatch.setenv("AZURE_CLIENT_ID", "c-1")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "environment-secret-value")
    monkeypatch.setenv("AZURE_CLIENT_CERTIFICATE_PASSWORD", "environment-password-value")
    module = FakeModule(graph_params(auth_method="client_secret"))

    client = connect(module)

    assert client.credential.name == "client_secret"
    assert client.credential.params["client_secret"] == "environment-secret-value"
    assert module.no_log_values == {"environment-secret-value", "environment-password-value"}
    assert any("client_secret (from the environment)" in line for line in module.logged)


def test_connect_keeps_the_credential_of_the_task_over_one_left_in_the_environment(graph_params, monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_CERTIFICATE_PATH", "/nowhere/leftover.pem")
    module = FakeModule(graph_params(tenant_id=TENANT, client_id="c-1", client_secret="task-secret"))

    client = connect(module)

    assert client.credential.name == "client_secret"
    assert client.credential.params["client_secret"] == "task-secret"


def test_connect_fails_without_a_credential(graph_params):
    with pytest.raises(Failed) as caught:
        connect(FakeModule(graph_params(tenant_id="contoso.onmicrosoft.com", client_id="c")))

    assert "no credential was given" in caught.value.result["msg"]


def test_connect_names_every_missing_option(graph_params):
    with pytest.raises(Failed) as caught:
        connect(FakeModule(graph_params(client_secret="s")))

    message = caught.value.result["msg"]
    assert "tenant_id is required for auth_method client_secret" in message
    assert "client_id is required for auth_method client_secret" in message


def test_connect_fails_on_an_unreadable_certificate(graph_params, tmp_path):
    path = str(tmp_path / "missing.pem")
    params = graph_params(tenant_id="contoso.onmicrosoft.com", client_id="c", client_certificate_path=path)

    with pytest.raises(Failed) as caught:
        connect(FakeModule(params))

    assert path in caught.value.result["msg"]
