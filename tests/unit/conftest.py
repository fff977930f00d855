# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fakes shared by the unit tests: no test reaches a socket, every HTTP answer is scripted here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import threading
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from ansible.module_utils import _internal as module_utils_internal
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as common_warnings
from ansible.module_utils.testing import patch_module_args
from hypothesis import settings
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from ansible_collections.graphops.directory.plugins.module_utils._auth import ConnectionSettings, graph_argument_spec
from ansible_collections.graphops.directory.plugins.module_utils._graph import GraphClient, VerifyingSession
from ansible_collections.graphops.directory.plugins.plugin_utils._controller import run_in_process

# Examples must not depend on a database left behind by another run, nor on how busy the machine is.
settings.register_profile("graphops_unit", database=None, deadline=None)
settings.load_profile("graphops_unit")

GRAPH = "https://graph.example.test"
LOGIN = "https://login.example.test"

ENVIRONMENT = (
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_AUTHORITY_HOST",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_TENANT",
    "AZURE_SECRET",
    "AZURE_CLOUD_ENVIRONMENT",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "REGION_NAME",
    "MSAL_FORCE_REGION",
)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any name lookup or connection fails the test: unit tests only talk to the fakes below."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("unit tests must not open connections: %r" % (args,))

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield
    assert not attempts, "a test tried to reach the network: %r" % attempts


@pytest.fixture(autouse=True)
def module_side(monkeypatch):
    """Modules run as in a module process, even once a test has imported the controller's side of Ansible
    (which marks the whole process as the controller, and sends module warnings to its display)."""
    monkeypatch.setattr(module_utils_internal, "is_controller", False)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """The machine's AZURE_*, managed identity or msal region variables must not leak into what a test sees."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def graph_params():
    """Module parameters as Ansible fills them from graph_argument_spec, with overrides."""

    def make(**overrides):
        params = dict((name, spec.get("default")) for name, spec in graph_argument_spec().items())
        params.update(overrides)
        return params

    return make


class Call:
    """One request as it reached the transport."""

    def __init__(self, request, kwargs):
        parts = urlsplit(request.url)
        self.method = request.method
        self.url = request.url
        self.origin = "%s://%s" % (parts.scheme, parts.netloc)
        self.path = parts.path
        self.query = parse_qs(parts.query)
        self.headers = CaseInsensitiveDict(request.headers)
        body = request.body
        self.body = body.decode("utf-8") if isinstance(body, bytes) else body
        self.kwargs = kwargs
        self.form = parse_qs(self.body) if self.body and "=" in self.body and not self.body.startswith("{") else {}
        self.response_headers = {}


def graph_error(code, message="", inner=None, details=None):
    """Graph's error envelope; the message defaults to the code."""
    error = {"code": code, "message": message or code}
    if inner is not None:
        error["innerError"] = inner
    if details is not None:
        error["details"] = details
    return {"error": error}


class FakeTransport(BaseAdapter):
    """A requests adapter answering from scripted routes, keyed by method and URL without the query.

    A route answers with its scripted responses in order and repeats the last one. A request to any
    other URL is recorded in `unexpected`, raises, and fails the test at teardown.
    """

    def __init__(self):
        super(FakeTransport, self).__init__()
        self.routes = {}
        self.calls = []
        self.unexpected = []

    def mount(self, session):
        session.mount("https://", self)
        session.mount("http://", self)
        return session

    def add(self, method, url, status=200, body=None, headers=None, text=None, raises=None, handler=None):
        """Script one answer; body is sent as JSON, text as it is, raises is an exception to raise instead.

        handler, when given, is called with the Call and returns the answer's fields (status, body, headers).
        """
        answer = dict(status=status, body=body, headers=dict(headers or {}), text=text, raises=raises, handler=handler)
        self.routes.setdefault((method, url), []).append(answer)
        return self

    def add_error(self, method, url, status, code, message="", headers=None, inner=None):
        """Script a Graph error envelope."""
        return self.add(method, url, status=status, body=graph_error(code, message, inner), headers=headers)

    def requests_to(self, method=None, path=None):
        return [c for c in self.calls if (method is None or c.method == method) and (path is None or c.path == path)]

    def send(self, request, **kwargs):
        call = Call(request, kwargs)
        self.calls.append(call)
        key = (request.method, request.url.split("?", 1)[0])
        queue = self.routes.get(key)
        if not queue:
            self.unexpected.append(key)
            raise AssertionError("no scripted answer for %s %s" % key)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if answer["raises"] is not None:
            raise answer["raises"]
        if answer["handler"] is not None:
            handled = dict(status=200, body=None, headers={}, text=None, raises=None)
            handled.update(answer["handler"](call))
            answer = handled

        response = requests.Response()
        response.request = request
        response.url = request.url
        response.status_code = answer["status"]
        response.reason = "Scripted"
        response.encoding = "utf-8"
        headers = CaseInsensitiveDict({"request-id": str(uuid.uuid4())})
        if answer["body"] is not None:
            headers["Content-Type"] = "application/json"
            response._content = json.dumps(answer["body"]).encode("utf-8")
        else:
            response._content = (answer["text"] or "").encode("utf-8")
        headers.update(answer["headers"])
        response.headers = headers
        call.response_headers = headers
        return response

    def close(self):
        pass


@pytest.fixture
def transport():
    """A fresh fake transport for one test; it fails the test if anything unscripted was requested."""
    fake = FakeTransport()
    yield fake
    assert not fake.unexpected, "requests nobody scripted: %r" % fake.unexpected


@pytest.fixture
def identity(transport):
    """A fake sign-in endpoint at LOGIN for a tenant; returns a function that scripts it.

    The authority is custom, so msal asks only for the tenant's OpenID configuration and the token.
    """

    def script(tenant="contoso.onmicrosoft.com", token_answers=None, token_endpoint=None):
        """token_endpoint, when given, is what the OpenID configuration names instead; it gets no answers."""
        base = "%s/%s" % (LOGIN, tenant)
        transport.add(
            "GET",
            base + "/v2.0/.well-known/openid-configuration",
            body={
                "issuer": base + "/v2.0",
                "authorization_endpoint": base + "/oauth2/v2.0/authorize",
                "token_endpoint": token_endpoint or base + "/oauth2/v2.0/token",
            },
        )
        if token_endpoint:
            return token_endpoint
        for answer in token_answers or [
            dict(body={"access_token": "token-1", "token_type": "Bearer", "expires_in": 3600})
        ]:
            transport.add("POST", base + "/oauth2/v2.0/token", **answer)
        return base + "/oauth2/v2.0/token"

    return script


class FakeBatch:
    """Graph's POST /$batch on the fake transport: each inner request is answered from its own script.

    Inner answers are keyed by method and relative URL (as the client puts them in the batch), given in
    order and repeating the last, and returned in reverse order, as Graph does not promise any. A batch
    can also be scripted to fail as a whole. Safe for the client's concurrent batches.
    """

    def __init__(self, transport, graph=GRAPH, version="v1.0"):
        self.url = "%s/%s/$batch" % (graph, version)
        self.routes = {}
        self.batches = []
        self.whole_failures = {}
        self.unexpected = []
        self.lock = threading.Lock()
        transport.add("POST", self.url, handler=self.answer)

    def add(self, method, url, status=200, body=None, headers=None):
        self.routes.setdefault((method, url), []).append(dict(status=status, body=body, headers=dict(headers or {})))
        return self

    def add_error(self, method, url, status, code, message="", headers=None, inner=None, details=None):
        return self.add(method, url, status=status, body=graph_error(code, message, inner, details), headers=headers)

    def fail_batch(self, number, status, code, message="", headers=None):
        """The number-th $batch request (1 for the first) fails as a whole with this Graph error."""
        self.whole_failures[number] = dict(status=status, body=graph_error(code, message), headers=headers or {})

    def answer(self, call):
        requests_in_batch = json.loads(call.body)["requests"]
        with self.lock:
            self.batches.append(requests_in_batch)
            if len(self.batches) in self.whole_failures:
                return self.whole_failures[len(self.batches)]
            responses = []
            for inner in requests_in_batch:
                key = (inner["method"], inner["url"])
                queue = self.routes.get(key)
                if not queue:
                    self.unexpected.append(key)
                    raise AssertionError("no scripted inner answer for %s %s" % key)
                scripted = queue.pop(0) if len(queue) > 1 else queue[0]
                response = {"id": inner["id"], "status": scripted["status"], "headers": scripted["headers"]}
                if scripted["body"] is not None:
                    response["body"] = scripted["body"]
                responses.append(response)
        return dict(status=200, body={"responses": list(reversed(responses))})

    def inner_requests(self, method=None, url=None):
        """Every inner request sent, over all batches, in the order sent."""
        return [
            inner
            for batch in self.batches
            for inner in batch
            if (method is None or inner["method"] == method) and (url is None or inner["url"] == url)
        ]


@pytest.fixture
def fresh_graph():
    """Makes a new fake transport with a fake $batch on it, for hypothesis examples that each need their own."""

    def make():
        fake_transport = FakeTransport()
        return fake_transport, FakeBatch(fake_transport)

    return make


@pytest.fixture
def graph_batch(transport):
    """A fake $batch endpoint on the transport; it fails the test if an unscripted inner request was sent."""
    fake = FakeBatch(transport)
    yield fake
    assert not fake.unexpected, "inner requests nobody scripted: %r" % fake.unexpected


class FakeCredential:
    """Hands out token-1, then token-2 after a refresh, and counts what it was asked."""

    name = "fake"

    def __init__(self, can_refresh=True):
        self.can_refresh = can_refresh
        self.issued = 0
        self.refreshes = 0

    def get_token(self, force_refresh=False, stale=None):
        if force_refresh:
            self.refreshes += 1
        if force_refresh or not self.issued:
            self.issued += 1
        return "token-%d" % self.issued


class GraphHarness:
    """A GraphClient on a fake transport, with its credential, waits and log lines."""

    def __init__(self, params, transport, credential, max_retries):
        self.settings = ConnectionSettings(params)
        self.credential = credential
        self.sleeps = []
        self.logged = []
        session = transport.mount(VerifyingSession.for_settings(self.settings))
        self.client = GraphClient(
            self.settings,
            credential,
            session,
            log=self.logged.append,
            max_retries=max_retries,
            sleep=self.sleeps.append,
        )


@pytest.fixture
def graph(graph_params, transport):
    """Returns a maker of GraphHarness: on the fake transport (or `on`), signed in with a FakeCredential."""

    def make(credential=None, max_retries=5, can_refresh=True, on=None, **options):
        params = graph_params(graph_endpoint=GRAPH, **options)
        return GraphHarness(params, on or transport, credential or FakeCredential(can_refresh), max_retries)

    return make


class ModuleTask:
    """Runs a module's main() as Ansible would, against the fake transport, and reads its result."""

    def __init__(self, monkeypatch, capsys, transport, module):
        self.capsys = capsys
        self.transport = transport
        self.module = module
        self.logged = []
        self.sleeps = []
        self.output = None
        monkeypatch.setattr(basic.AnsibleModule, "log", lambda module, msg, log_args=None: self.logged.append(msg))
        monkeypatch.setattr(common_warnings, "_global_warnings", {})
        monkeypatch.setattr(common_warnings, "_global_deprecations", {})

        real_connect = module.connect

        def connect_to_fake_graph(ansible_module, problems=()):
            client = real_connect(ansible_module, problems)
            transport.mount(client.session)
            client.sleep = self.sleeps.append
            return client

        monkeypatch.setattr(module, "connect", connect_to_fake_graph)

    @staticmethod
    def task(args):
        """The task's options: a token and the fake endpoints, then `args`; an option set to None is left out."""
        task = dict(access_token="given-access-token-value", graph_endpoint=GRAPH, authority_host=LOGIN)
        task.update(args)
        return dict((name, value) for name, value in task.items() if value is not None)

    def __call__(self, check_mode=False, diff=False, **args):
        task = self.task(args)
        if check_mode:
            task["_ansible_check_mode"] = True
        if diff:
            task["_ansible_diff"] = True

        with patch_module_args(task):
            with pytest.raises(SystemExit) as caught:
                self.module.main()

        self.output = self.capsys.readouterr().out
        result = json.loads(self.output.strip().splitlines()[-1])
        assert caught.value.code == (1 if result.get("failed") else 0)
        return result

    def on_controller(self, check_mode=False, diff=False, env=None, **args):
        """The same task run as the action plugin runs it in Ansible's worker process; its log goes to logged."""
        name = self.module.__name__.rsplit(".", 1)[-1]
        return run_in_process(name, self.task(args), check_mode, diff, env, self.logged.append)

    def methods_sent(self):
        return [call.method for call in self.transport.calls]

    def sent(self, method, url):
        return [call for call in self.transport.calls if call.method == method and call.url == url]


@pytest.fixture
def module_task(monkeypatch, capsys, transport):
    """Returns a runner for the given module's main(), wired to the fake transport."""

    def make(module):
        return ModuleTask(monkeypatch, capsys, transport, module)

    return make
