# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import jwt
import pytest
import requests
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ansible_collections.graphops.directory.plugins.module_utils import _auth
from ansible_collections.graphops.directory.plugins.module_utils._auth import (
    AccessTokenCredential,
    ClientCertificateCredential,
    ClientSecretCredential,
    ConnectionSettings,
    OptionsError,
    choose_credential,
    graph_argument_spec,
    load_certificate,
    with_environment,
)
from ansible_collections.graphops.directory.plugins.module_utils._graph import GraphError, VerifyingSession

TENANT = "contoso.onmicrosoft.com"
TENANT_GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "0b5e6f2a-9c43-4d1e-8f7a-3c2b1a0d9e8f"
LOGIN = "https://login.example.test"
GRAPH = "https://graph.example.test"


# --- certificates made for each test ---------------------------------------------------------


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate_for(key, name="graphops unit test"):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )


def key_pem(key, password=None, key_format=serialization.PrivateFormat.PKCS8):
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, key_format, encryption)


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def assert_same_pair(loaded, key, cert):
    """load_certificate hands back the same key, unencrypted, and the same certificate, both as PEM text."""
    loaded_key_pem, loaded_cert_pem = loaded
    assert loaded_key_pem.startswith("-----BEGIN PRIVATE KEY-----")
    loaded_key = serialization.load_pem_private_key(loaded_key_pem.encode("ascii"), password=None)
    assert loaded_key.private_numbers() == key.private_numbers()
    assert x509.load_pem_x509_certificate(loaded_cert_pem.encode("ascii")) == cert


# --- shared options --------------------------------------------------------------------------


def module_params(monkeypatch, args):
    """The parameters AnsibleModule builds from graph_argument_spec for these task arguments."""
    monkeypatch.setattr(basic.AnsibleModule, "log", lambda self, msg, log_args=None: None)
    with patch_module_args(args):
        module = basic.AnsibleModule(argument_spec=graph_argument_spec())
    return module.params


def test_connection_options_fall_back_to_the_azure_environment_variables(monkeypatch, tmp_path):
    pem = str(tmp_path / "app.pem")
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT_GUID)
    monkeypatch.setenv("AZURE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("AZURE_CLIENT_CERTIFICATE_PATH", pem)
    monkeypatch.setenv("AZURE_CLIENT_CERTIFICATE_PASSWORD", "env-password")
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", LOGIN)
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(tmp_path / "token"))

    params, from_environment = with_environment(module_params(monkeypatch, {}))

    assert params["tenant_id"] == TENANT_GUID
    assert params["client_id"] == CLIENT_ID
    assert params["client_secret"] == "env-secret"
    assert params["client_certificate_path"] == pem
    assert params["client_certificate_password"] == "env-password"
    assert params["authority_host"] == LOGIN
    assert params["federated_token_file"] == str(tmp_path / "token")
    assert from_environment == {
        "tenant_id",
        "client_id",
        "client_secret",
        "client_certificate_path",
        "client_certificate_password",
        "authority_host",
        "federated_token_file",
    }


def test_task_options_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT_GUID)
    monkeypatch.setenv("AZURE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "env-secret")
    task = module_params(monkeypatch, {"tenant_id": TENANT, "client_secret": "task-secret"})

    params, from_environment = with_environment(task)

    assert params["tenant_id"] == TENANT
    assert params["client_secret"] == "task-secret"
    assert params["client_id"] == CLIENT_ID
    assert from_environment == {"client_id"}
    assert task["client_id"] is None


def test_an_empty_environment_variable_counts_as_unset(graph_params):
    params, from_environment = with_environment(graph_params(), {"AZURE_CLIENT_SECRET": "", "AZURE_CLIENT_ID": ""})

    assert params["client_secret"] is None
    assert params["client_id"] is None
    assert from_environment == set()


def test_a_certificate_path_from_the_environment_expands_the_home_directory(graph_params, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))

    params, dummy = with_environment(graph_params(), {"AZURE_CLIENT_CERTIFICATE_PATH": "~/certs/app.pem"})

    assert params["client_certificate_path"] == str(tmp_path / "certs" / "app.pem")


def test_defaults_without_environment(monkeypatch):
    params, from_environment = with_environment(module_params(monkeypatch, {}))

    assert from_environment == set()
    assert params["auth_method"] == "auto"
    assert ConnectionSettings(params).authority_host == "https://login.microsoftonline.com"
    assert ConnectionSettings(params).graph_endpoint == "https://graph.microsoft.com"
    assert params["api_version"] == "v1.0"
    assert params["validate_certs"] is True
    assert params["timeout"] == 30
    assert params["tenant_id"] is None
    assert params["client_secret"] is None


@pytest.mark.parametrize("option", ["client_secret", "client_certificate_password", "access_token"])
def test_secrets_are_never_logged(option):
    assert graph_argument_spec()[option]["no_log"] is True


# --- where to sign in and where Graph is -----------------------------------------------------


@pytest.mark.parametrize(
    "cloud, authority, graph",
    [
        ("public", "https://login.microsoftonline.com", "https://graph.microsoft.com"),
        ("usgov", "https://login.microsoftonline.us", "https://graph.microsoft.us"),
        ("usgov_dod", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us"),
        ("china", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
    ],
)
def test_each_cloud_has_its_own_sign_in_host_graph_root_and_scope(graph_params, cloud, authority, graph):
    settings = ConnectionSettings(graph_params(cloud=cloud))

    assert settings.authority_host == authority
    assert settings.graph_endpoint == graph
    assert settings.scope == graph + "/.default"
    assert settings.custom_authority is False


def test_every_cloud_choice_is_known():
    assert sorted(graph_argument_spec()["cloud"]["choices"]) == sorted(_auth.CLOUDS)


def test_scope_follows_a_custom_graph_endpoint(graph_params):
    settings = ConnectionSettings(graph_params(cloud="usgov", graph_endpoint="https://graph.example.test:8443"))

    assert settings.graph_endpoint == "https://graph.example.test:8443"
    assert settings.scope == "https://graph.example.test:8443/.default"
    assert settings.authority_host == "https://login.microsoftonline.us"


def test_a_custom_authority_host_is_marked_custom(graph_params):
    settings = ConnectionSettings(graph_params(authority_host=LOGIN))

    assert settings.authority_host == LOGIN
    assert settings.custom_authority is True


def test_requests_may_go_only_to_a_custom_sign_in_host_and_graph(graph_params):
    settings = ConnectionSettings(graph_params(authority_host=LOGIN, graph_endpoint=GRAPH))

    assert settings.allowed_origins == {LOGIN, GRAPH}


@pytest.mark.parametrize(
    "cloud, origins",
    [
        ("public", {"https://login.microsoftonline.com", "https://graph.microsoft.com"}),
        (
            "usgov",
            {"https://login.microsoftonline.us", "https://graph.microsoft.us", "https://login.microsoftonline.com"},
        ),
        (
            "china",
            {
                "https://login.chinacloudapi.cn",
                "https://microsoftgraph.chinacloudapi.cn",
                "https://login.microsoftonline.com",
            },
        ),
    ],
)
def test_a_cloud_sign_in_host_also_allows_msal_instance_discovery(graph_params, cloud, origins):
    assert ConnectionSettings(graph_params(cloud=cloud)).allowed_origins == origins


@pytest.mark.parametrize(
    "value, expected",
    [
        ("login.example.test", "https://login.example.test"),
        ("login.example.test:8443", "https://login.example.test:8443"),
        ("https://login.example.test/", "https://login.example.test"),
        ("  HTTPS://Login.Example.TEST  ", "https://login.example.test"),
    ],
)
def test_override_hosts_are_normalised_to_an_https_origin(graph_params, value, expected):
    settings = ConnectionSettings(graph_params(authority_host=value, graph_endpoint=value))

    assert settings.authority_host == expected
    assert settings.graph_endpoint == expected


@pytest.mark.parametrize("option", ["authority_host", "graph_endpoint"])
def test_plain_http_is_refused_naming_the_option(graph_params, option):
    with pytest.raises(OptionsError) as caught:
        ConnectionSettings(graph_params(**{option: "http://%s.example.test" % option.split("_")[0]}))

    assert option in str(caught.value)
    assert "https://" in str(caught.value)


@pytest.mark.parametrize(
    "value",
    [
        "https://graph.example.test/v1.0",
        "https://graph.example.test/?x=1",
        "https://graph.example.test#top",
        "https://user:hunter2@graph.example.test",
        "ftp://graph.example.test",
        "https://",
        "https:///",
        "https://graph.example.test:99999",
        "https://graph.example.test:https",
        "https://graph.example.test:0",
        "   ",
    ],
)
def test_anything_but_scheme_host_and_port_is_refused(graph_params, value):
    with pytest.raises(OptionsError) as caught:
        ConnectionSettings(graph_params(graph_endpoint=value))

    assert "graph_endpoint" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_every_bad_option_is_named_at_once(graph_params):
    params = graph_params(
        authority_host="http://login.example.test", graph_endpoint="graph.example.test/v1.0", timeout=0
    )

    with pytest.raises(OptionsError) as caught:
        ConnectionSettings(params)

    assert len(caught.value.problems) == 3
    message = str(caught.value)
    for option in ("authority_host", "graph_endpoint", "timeout"):
        assert option in message


@pytest.mark.parametrize("timeout", [0, -5, 3601, 10**6])
def test_a_timeout_outside_one_second_to_an_hour_is_refused(graph_params, timeout):
    with pytest.raises(OptionsError) as caught:
        ConnectionSettings(graph_params(timeout=timeout))

    assert caught.value.problems == ["timeout must be a number of seconds from 1 to 3600, got %d" % timeout]


@pytest.mark.parametrize("timeout", [1, 3600])
def test_a_timeout_of_one_second_to_an_hour_is_taken(graph_params, timeout):
    assert ConnectionSettings(graph_params(timeout=timeout)).timeout == timeout


@pytest.mark.parametrize("value", [True, False])
def test_a_timeout_given_as_a_boolean_is_refused(monkeypatch, value):
    # Ansible's int type lets a boolean through, and True would otherwise be taken as one second.
    params = module_params(monkeypatch, {"timeout": value})
    assert params["timeout"] is value

    with pytest.raises(OptionsError, match="timeout must be a number of seconds from 1 to 3600, got %s" % value):
        ConnectionSettings(params)


def test_a_ca_path_that_does_not_exist_is_refused_naming_it(graph_params, tmp_path):
    missing = str(tmp_path / "no-such-ca.pem")

    with pytest.raises(OptionsError) as caught:
        ConnectionSettings(graph_params(ca_path=missing))

    assert caught.value.problems == ["ca_path %s does not exist or cannot be read" % missing]


def test_certificate_checks_follow_validate_certs_and_ca_path(graph_params, tmp_path):
    ca = write(tmp_path, "ca.pem", b"-----BEGIN CERTIFICATE-----\n")

    assert ConnectionSettings(graph_params()).verify is True
    assert ConnectionSettings(graph_params(ca_path=ca)).verify == ca
    assert ConnectionSettings(graph_params(ca_path=ca, validate_certs=False)).verify is False


# --- choosing and checking a credential ------------------------------------------------------


@pytest.mark.parametrize(
    "given, expected",
    [
        ({"access_token": "t", "client_certificate_path": "/c.pem", "client_secret": "s"}, AccessTokenCredential),
        ({"client_certificate_path": "/c.pem", "client_secret": "s"}, ClientCertificateCredential),
        ({"client_secret": "s"}, ClientSecretCredential),
        ({"access_token": "t", "client_secret": "s"}, AccessTokenCredential),
    ],
)
def test_auto_uses_the_first_credential_that_is_set(graph_params, given, expected):
    assert choose_credential(graph_params(**given)) is expected


@pytest.mark.parametrize(
    "method, expected",
    [
        ("client_secret", ClientSecretCredential),
        ("client_certificate", ClientCertificateCredential),
        ("access_token", AccessTokenCredential),
    ],
)
def test_a_named_auth_method_wins_over_whatever_else_is_set(graph_params, method, expected):
    params = graph_params(auth_method=method, access_token="t", client_certificate_path="/c.pem", client_secret="s")

    assert choose_credential(params) is expected


@pytest.mark.parametrize(
    "task, environment, expected",
    [
        # A certificate path left in the environment does not override the secret of the task.
        ({"client_secret": "s"}, {"AZURE_CLIENT_CERTIFICATE_PATH": "/leftover.pem"}, ClientSecretCredential),
        ({"access_token": "t"}, {"AZURE_CLIENT_SECRET": "leftover"}, AccessTokenCredential),
        ({"client_certificate_path": "/c.pem"}, {"AZURE_CLIENT_SECRET": "leftover"}, ClientCertificateCredential),
        # Without a credential in the task, the environment's are taken in the usual order.
        ({}, {"AZURE_CLIENT_SECRET": "s"}, ClientSecretCredential),
        ({}, {"AZURE_CLIENT_SECRET": "s", "AZURE_CLIENT_CERTIFICATE_PATH": "/c.pem"}, ClientCertificateCredential),
    ],
)
def test_auto_prefers_a_credential_of_the_task_to_one_left_in_the_environment(
    graph_params, task, environment, expected
):
    params, from_environment = with_environment(graph_params(**task), environment)

    assert choose_credential(params, from_environment) is expected


def test_a_named_auth_method_may_take_its_credential_from_the_environment(graph_params):
    params, from_environment = with_environment(
        graph_params(auth_method="client_secret", access_token="t"), {"AZURE_CLIENT_SECRET": "s"}
    )

    assert choose_credential(params, from_environment) is ClientSecretCredential


def test_without_any_credential_the_error_names_every_way_to_give_one(graph_params):
    with pytest.raises(OptionsError) as caught:
        choose_credential(graph_params(tenant_id=TENANT, client_id=CLIENT_ID))

    message = str(caught.value)
    for option in ("access_token", "client_certificate_path", "client_secret", "AZURE_"):
        assert option in message


@pytest.mark.parametrize(
    "credential_class, missing",
    [
        (ClientSecretCredential, ["tenant_id", "client_id", "client_secret"]),
        (ClientCertificateCredential, ["tenant_id", "client_id", "client_certificate_path"]),
        (AccessTokenCredential, ["access_token"]),
    ],
)
def test_validate_names_every_missing_option_at_once(graph_params, credential_class, missing):
    settings = ConnectionSettings(graph_params())
    problems = credential_class(graph_params(), settings, None, None).validate()

    assert len(problems) == len(missing)
    for option, problem in zip(missing, problems):
        assert problem == "%s is required for auth_method %s" % (option, credential_class.name)


def test_validate_points_at_a_credential_given_for_another_auth_method(graph_params):
    params = graph_params(
        auth_method="client_secret", tenant_id=TENANT, client_id=CLIENT_ID, client_certificate_path="/etc/app.pem"
    )

    problems = ClientSecretCredential(params, ConnectionSettings(params), None, None).validate()

    assert problems[0] == "client_secret is required for auth_method client_secret"
    assert "client_certificate_path is set, which auth_method client_secret does not use" in problems[1]


@pytest.mark.parametrize("tenant", [TENANT_GUID, TENANT_GUID.upper(), TENANT, "login.contoso.co.uk", "x.io"])
def test_a_tenant_guid_or_domain_is_accepted(graph_params, tenant):
    params = graph_params(tenant_id=tenant, client_id=CLIENT_ID, client_secret="s")

    assert ClientSecretCredential(params, ConnectionSettings(params), None, None).validate() == []


@pytest.mark.parametrize(
    "tenant",
    [
        "contoso",
        "https://login.microsoftonline.com/contoso.onmicrosoft.com",
        "contoso.onmicrosoft.com/v2.0",
        "contoso onmicrosoft.com",
        "72f988bf-86f1-41af-91ab",
        TENANT_GUID + "\n",
        TENANT + "\n",
    ],
)
def test_a_malformed_tenant_is_refused_before_any_request(graph_params, tenant):
    params = graph_params(tenant_id=tenant, client_id=CLIENT_ID, client_secret="s")

    problems = ClientSecretCredential(params, ConnectionSettings(params), None, None).validate()

    assert problems == ["tenant_id must be a tenant GUID or a domain such as contoso.onmicrosoft.com"]


def test_an_access_token_needs_no_tenant(graph_params):
    params = graph_params(access_token="t", tenant_id="not a tenant")

    assert AccessTokenCredential(params, ConnectionSettings(params), None, None).validate() == []


def test_certificate_credential_reports_an_unreadable_file(graph_params, tmp_path):
    missing = str(tmp_path / "missing.pem")
    params = graph_params(tenant_id=TENANT, client_id=CLIENT_ID, client_certificate_path=missing)

    problems = ClientCertificateCredential(params, ConnectionSettings(params), None, None).validate()

    assert len(problems) == 1
    assert missing in problems[0]
    assert "cannot be read" in problems[0]


# --- reading the client certificate ----------------------------------------------------------


@pytest.mark.parametrize(
    "key_format", [serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL]
)
def test_pem_with_rsa_key_and_certificate(tmp_path, key_format):
    key = rsa_key()
    cert = certificate_for(key)
    path = write(tmp_path, "app.pem", key_pem(key, key_format=key_format) + cert_pem(cert))

    assert_same_pair(load_certificate(path, None), key, cert)


def test_pem_with_the_certificate_before_the_key(tmp_path):
    key = rsa_key()
    cert = certificate_for(key)
    path = write(tmp_path, "app.pem", cert_pem(cert) + key_pem(key))

    assert_same_pair(load_certificate(path, None), key, cert)


@pytest.mark.parametrize(
    "key_format", [serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL]
)
def test_encrypted_pem_opens_with_its_password(tmp_path, key_format):
    key = rsa_key()
    cert = certificate_for(key)
    path = write(tmp_path, "app.pem", key_pem(key, b"s3cret pass", key_format) + cert_pem(cert))

    assert_same_pair(load_certificate(path, "s3cret pass"), key, cert)


def test_encrypted_pem_with_a_wrong_password_is_refused(tmp_path):
    key = rsa_key()
    path = write(tmp_path, "app.pem", key_pem(key, b"s3cret pass") + cert_pem(certificate_for(key)))

    with pytest.raises(ValueError) as caught:
        load_certificate(path, "wrong")

    assert str(caught.value) == (
        "client_certificate_path %s: the private key cannot be read (wrong or missing client_certificate_password, "
        "or no PEM private key in the file)" % path
    )


def test_encrypted_pem_without_a_password_asks_for_one(tmp_path):
    key = rsa_key()
    path = write(tmp_path, "app.pem", key_pem(key, b"s3cret pass") + cert_pem(certificate_for(key)))

    with pytest.raises(ValueError) as caught:
        load_certificate(path, None)

    assert str(caught.value) == (
        "client_certificate_path %s: the private key is encrypted: set client_certificate_password" % path
    )


def test_a_password_for_a_pem_whose_key_is_not_encrypted_is_refused(tmp_path):
    key = rsa_key()
    path = write(tmp_path, "app.pem", key_pem(key) + cert_pem(certificate_for(key)))

    with pytest.raises(ValueError) as caught:
        load_certificate(path, "leftover password")

    message = str(caught.value)
    assert message.startswith("client_certificate_password is set, but the private key in client_certificate_path")
    assert path in message
    assert "is not encrypted" in message
    assert "leftover password" not in message


def test_pem_with_an_ec_key_is_refused(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    path = write(tmp_path, "app.pem", key_pem(key) + cert_pem(certificate_for(key)))

    with pytest.raises(ValueError, match="needs an RSA key"):
        load_certificate(path, None)


def test_pem_without_a_certificate_is_refused(tmp_path):
    path = write(tmp_path, "key-only.pem", key_pem(rsa_key()))

    with pytest.raises(ValueError, match="holds no PEM certificate beside the key"):
        load_certificate(path, None)


def test_pem_without_a_key_is_refused(tmp_path):
    path = write(tmp_path, "cert-only.pem", cert_pem(certificate_for(rsa_key())))

    with pytest.raises(ValueError, match="the private key cannot be read"):
        load_certificate(path, None)


def pfx(key, cert, password=None, name=b"graphops"):
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return pkcs12.serialize_key_and_certificates(name, key, cert, None, encryption)


@pytest.mark.parametrize("password", [b"pfx pass", None])
def test_pfx_with_rsa_key_and_certificate(tmp_path, password):
    key = rsa_key()
    cert = certificate_for(key)
    path = write(tmp_path, "app.pfx", pfx(key, cert, password))

    assert_same_pair(load_certificate(path, password.decode("ascii") if password else None), key, cert)


@pytest.mark.parametrize("password", ["wrong", None])
def test_pfx_with_a_wrong_or_missing_password_is_refused(tmp_path, password):
    key = rsa_key()
    path = write(tmp_path, "app.pfx", pfx(key, certificate_for(key), b"pfx pass"))

    with pytest.raises(ValueError, match="neither PEM nor a PFX that client_certificate_password opens"):
        load_certificate(path, password)


def test_pfx_without_a_key_is_refused(tmp_path):
    path = write(tmp_path, "cert-only.pfx", pfx(None, certificate_for(rsa_key())))

    with pytest.raises(ValueError, match="must hold both a private key and its certificate"):
        load_certificate(path, None)


def test_pfx_with_an_ec_key_is_refused(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    path = write(tmp_path, "app.pfx", pfx(key, certificate_for(key)))

    with pytest.raises(ValueError, match="needs an RSA key"):
        load_certificate(path, None)


def test_a_file_that_is_neither_pem_nor_pfx_is_refused(tmp_path):
    path = write(tmp_path, "notes.txt", b"this is not a certificate")

    with pytest.raises(ValueError, match="neither PEM nor a PFX"):
        load_certificate(path, None)


def test_a_missing_file_is_named(tmp_path):
    path = str(tmp_path / "nowhere.pem")

    with pytest.raises(ValueError) as caught:
        load_certificate(path, None)

    assert path in str(caught.value)
    assert "cannot be read" in str(caught.value)


# --- signing in, against a scripted identity endpoint ----------------------------------------


def sign_in_params(graph_params, **options):
    defaults = dict(tenant_id=TENANT, client_id=CLIENT_ID, authority_host=LOGIN, graph_endpoint=GRAPH)
    defaults.update(options)
    return graph_params(**defaults)


def make_credential(credential_class, params, transport, logged=None):
    settings = ConnectionSettings(params)
    session = transport.mount(VerifyingSession.for_settings(settings))
    log = logged.append if logged is not None else (lambda message: None)
    credential = credential_class(params, settings, session, log)
    assert credential.validate() == []
    return credential


def test_client_secret_sign_in_asks_for_the_graph_scope_once(graph_params, transport, identity):
    token_url = identity()
    logged = []
    credential = make_credential(
        ClientSecretCredential, sign_in_params(graph_params, client_secret="s3"), transport, logged
    )

    assert credential.get_token() == "token-1"
    assert credential.get_token() == "token-1"

    posts = transport.requests_to("POST")
    assert len(posts) == 1
    assert posts[0].url == token_url
    assert posts[0].form["client_id"] == [CLIENT_ID]
    assert posts[0].form["client_secret"] == ["s3"]
    assert posts[0].form["scope"] == [GRAPH + "/.default"]
    assert posts[0].form["grant_type"] == ["client_credentials"]
    assert any("client_secret" in message for message in logged)


def test_sign_in_requests_use_the_ca_of_the_task(graph_params, transport, identity, tmp_path, monkeypatch):
    ca = write(tmp_path, "private-ca.pem", b"-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "machine-bundle.pem"))
    identity()
    params = sign_in_params(graph_params, client_secret="s3", ca_path=ca)

    make_credential(ClientSecretCredential, params, transport).get_token()

    assert [call.kwargs["verify"] for call in transport.calls] == [ca, ca]
    assert [call.kwargs["timeout"] for call in transport.calls] == [30, 30]


def test_force_refresh_gets_a_new_token_instead_of_the_cached_one(graph_params, transport, identity):
    second = dict(body={"access_token": "token-2", "token_type": "Bearer", "expires_in": 3600})
    first = dict(body={"access_token": "token-1", "token_type": "Bearer", "expires_in": 3600})
    identity(token_answers=[first, second])
    credential = make_credential(ClientSecretCredential, sign_in_params(graph_params, client_secret="s3"), transport)

    assert credential.get_token() == "token-1"
    assert credential.get_token(force_refresh=True) == "token-2"
    assert len(transport.requests_to("POST")) == 2


def test_a_refused_sign_in_keeps_the_aadsts_code_and_correlation_id(graph_params, transport, identity):
    refusal = {
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided.",
        "error_codes": [7000215],
        "correlation_id": "5f1e2d3c-0000-4000-8000-000000000001",
    }
    identity(token_answers=[dict(status=401, body=refusal)])
    params = sign_in_params(graph_params, client_secret="very-secret-value")
    credential = make_credential(ClientSecretCredential, params, transport)

    with pytest.raises(GraphError) as caught:
        credential.get_token()

    error = caught.value
    assert error.kind == "auth"
    assert error.status == 401
    assert error.error_code == "AADSTS7000215"
    assert error.request_id == "5f1e2d3c-0000-4000-8000-000000000001"
    assert error.client_request_id == transport.requests_to("POST")[0].headers["client-request-id"]
    assert CLIENT_ID in str(error)
    assert TENANT in str(error)
    assert "very-secret-value" not in str(error)


def test_a_refused_sign_in_without_a_correlation_id_is_traced_by_the_answer_request_id(
    graph_params, transport, identity
):
    refusal = {"error": "unauthorized_client", "error_description": "AADSTS700016: Application not found."}
    identity(token_answers=[dict(status=400, body=refusal, headers={"x-ms-request-id": "token-request-1"})])
    credential = make_credential(ClientSecretCredential, sign_in_params(graph_params, client_secret="s3"), transport)

    with pytest.raises(GraphError) as caught:
        credential.get_token()

    assert caught.value.status == 400
    assert caught.value.error_code == "unauthorized_client"
    assert caught.value.request_id == "token-request-1"
    assert caught.value.client_request_id == transport.requests_to("POST")[0].headers["client-request-id"]


def test_an_unknown_tenant_fails_with_the_answer_of_the_sign_in_endpoint(graph_params, transport):
    discovery = "%s/%s/v2.0/.well-known/openid-configuration" % (LOGIN, TENANT)
    unknown = {
        "error": "invalid_tenant",
        "error_description": "AADSTS90002: Tenant 'contoso.onmicrosoft.com' not found.",
        "error_codes": [90002],
    }
    transport.add("GET", discovery, status=400, body=unknown, headers={"x-ms-request-id": "discovery-1"})
    credential = make_credential(ClientSecretCredential, sign_in_params(graph_params, client_secret="s3"), transport)

    with pytest.raises(GraphError) as caught:
        credential.get_token()

    error = caught.value
    assert error.kind == "auth"
    assert error.status == 400
    assert error.error_code == "AADSTS90002"
    assert error.request_id == "discovery-1"
    assert error.client_request_id == transport.calls[0].headers["client-request-id"]
    assert "Could not use the sign-in endpoint %s for tenant_id %s" % (LOGIN, TENANT) in str(error)
    assert transport.requests_to("POST") == []


def test_a_token_endpoint_on_another_host_is_refused_without_sending_the_secret(graph_params, transport, identity):
    identity(TENANT, token_endpoint="https://collector.example.test/token")
    credential = make_credential(ClientSecretCredential, sign_in_params(graph_params, client_secret="s3"), transport)

    with pytest.raises(GraphError) as caught:
        credential.get_token()

    assert caught.value.kind == "foreign_host"
    assert "https://collector.example.test" in str(caught.value)
    assert [call.origin for call in transport.calls] == [LOGIN]


def test_an_unusable_ca_bundle_at_sign_in_is_named_as_a_tls_failure(graph_params, transport):
    discovery = "%s/%s/v2.0/.well-known/openid-configuration" % (LOGIN, TENANT)
    # What requests raises when the CA bundle it is given cannot be found or read.
    unreadable = OSError("Could not find a suitable TLS CA certificate bundle, invalid path: /gone/ca.pem")
    transport.add("GET", discovery, raises=unreadable)
    credential = make_credential(ClientSecretCredential, sign_in_params(graph_params, client_secret="s3"), transport)

    with pytest.raises(GraphError) as caught:
        credential.get_token()

    assert caught.value.kind == "tls"
    assert LOGIN in str(caught.value)
    assert "/gone/ca.pem" in str(caught.value)
    assert "ca_path" in str(caught.value)


def test_a_tls_failure_at_the_sign_in_host_is_named_as_such(graph_params, transport):
    discovery = "%s/%s/v2.0/.well-known/openid-configuration" % (LOGIN, TENANT)
    transport.add("GET", discovery, raises=requests.exceptions.SSLError("certificate verify failed"))
    credential = make_credential(ClientSecretCredential, sign_in_params(graph_params, client_secret="s3"), transport)

    with pytest.raises(GraphError) as caught:
        credential.get_token()

    assert caught.value.kind == "tls"
    assert LOGIN in str(caught.value)
    assert "ca_path" in str(caught.value)


def test_a_connection_failure_while_fetching_the_token_is_named_as_such(graph_params, transport, identity):
    identity(token_answers=[dict(raises=requests.exceptions.ConnectionError("connection refused"))])
    credential = make_credential(ClientSecretCredential, sign_in_params(graph_params, client_secret="s3"), transport)

    with pytest.raises(GraphError) as caught:
        credential.get_token()

    assert caught.value.kind == "connection"
    assert LOGIN in str(caught.value)


def test_certificate_sign_in_sends_an_assertion_signed_by_the_key(graph_params, transport, identity, tmp_path):
    key = rsa_key()
    cert = certificate_for(key)
    path = write(tmp_path, "app.pem", key_pem(key, b"pw") + cert_pem(cert))
    token_url = identity()
    params = sign_in_params(graph_params, client_certificate_path=path, client_certificate_password="pw")
    credential = make_credential(ClientCertificateCredential, params, transport)

    assert credential.get_token() == "token-1"

    form = transport.requests_to("POST")[0].form
    assert "client_secret" not in form
    assert form["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
    assertion = form["client_assertion"][0]
    header = jwt.get_unverified_header(assertion)
    assert "x5c" in header
    claims = jwt.decode(assertion, key.public_key(), algorithms=[header["alg"]], audience=token_url)
    assert claims["iss"] == CLIENT_ID
    assert claims["sub"] == CLIENT_ID


class RecordingApplication:
    """Stands in for msal.ConfidentialClientApplication and records how it was built."""

    built = None

    def __init__(self, client_id, **kwargs):
        type(self).built = dict(kwargs, client_id=client_id)

    def acquire_token_for_client(self, scopes):
        return {"access_token": "recorded", "token_source": "identity_provider", "scopes": scopes}


@pytest.mark.parametrize(
    "cloud, authority", [("public", "https://login.microsoftonline.com"), ("usgov", "https://login.microsoftonline.us")]
)
def test_a_cloud_authority_keeps_msal_instance_discovery_and_never_a_region(
    graph_params, monkeypatch, cloud, authority
):
    class Recorder(RecordingApplication):
        pass

    monkeypatch.setattr(_auth.msal, "ConfidentialClientApplication", Recorder)
    params = graph_params(cloud=cloud, tenant_id=TENANT_GUID, client_id=CLIENT_ID, client_secret="s3")
    credential = ClientSecretCredential(params, ConnectionSettings(params), "session", lambda message: None)

    assert credential.get_token() == "recorded"
    assert Recorder.built["authority"] == "%s/%s" % (authority, TENANT_GUID)
    assert Recorder.built["client_id"] == CLIENT_ID
    assert Recorder.built["http_client"] == "session"
    assert Recorder.built["azure_region"] is None
    assert "instance_discovery" not in Recorder.built


def test_a_custom_authority_turns_off_msal_instance_discovery(graph_params, monkeypatch):
    class Recorder(RecordingApplication):
        pass

    monkeypatch.setattr(_auth.msal, "ConfidentialClientApplication", Recorder)
    params = sign_in_params(graph_params, client_secret="s3")

    ClientSecretCredential(params, ConnectionSettings(params), "session", lambda message: None).get_token()

    assert Recorder.built["authority"] == "%s/%s" % (LOGIN, TENANT)
    assert Recorder.built["instance_discovery"] is False


def test_an_access_token_is_used_as_given_and_cannot_be_refreshed(graph_params):
    params = graph_params(access_token="given-token")
    credential = AccessTokenCredential(params, ConnectionSettings(params), None, None)

    assert credential.get_token() == "given-token"
    assert credential.get_token(force_refresh=True) == "given-token"
    assert credential.can_refresh is False
