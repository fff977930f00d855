# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Sign-in and connection options shared by every module of the collection.
    DOCUMENTATION = r"""
attributes:
  platform:
    support: full
    platforms: all
    description:
      - The module runs wherever Python with its requirements runs; it only talks HTTPS.
      - When the task runs on the controller with the controller's own Python (a C(local) connection, no
        C(become), no C(async)), the module runs inside the worker process Ansible forked for the task,
        without a module process of its own. Set the variable C(graphops_directory_in_process=false) to
        have Ansible start a module process as for any other module.
  action_group:
    support: full
    membership:
      - graphops.directory.graph
    description: Use C(group/graphops.directory.graph) in C(module_defaults) to set the connection options once.
options:
  auth_method:
    description:
      - How the module signs in to Microsoft Entra ID.
      - V(auto) uses the first credential that is set, in this order O(access_token),
        O(client_certificate_path), O(client_secret), O(federated_token_file); options set in the task come
        before those inherited from environment variables. With none set, it uses a managed identity when the
        environment offers its endpoint (see O(managed_identity_source)). Options of the other kinds are
        then ignored. The module log says which method was chosen.
      - V(client_secret) signs in as an application with O(tenant_id), O(client_id) and O(client_secret).
      - V(client_certificate) signs in as an application with O(tenant_id), O(client_id) and
        O(client_certificate_path).
      - V(access_token) sends O(access_token) as it is, with no sign-in request.
      - V(workload_identity) signs in as an application with O(tenant_id), O(client_id) and the token in
        O(federated_token_file), with no secret stored.
      - V(managed_identity) uses the managed identity of the Azure resource the module runs on, the
        system-assigned one, or a user-assigned one when O(client_id) names it. See O(managed_identity_source).
    type: str
    default: auto
    choices: [auto, client_secret, client_certificate, access_token, workload_identity, managed_identity]
  tenant_id:
    description:
      - The directory (tenant) id, or a verified domain of the tenant such as V(contoso.onmicrosoft.com).
      - If not set, the value of the E(AZURE_TENANT_ID) environment variable is used, or else that of
        E(AZURE_TENANT), the name AWX's Azure Resource Manager credential uses.
    type: str
  client_id:
    description:
      - The application (client) id of the app registration the module signs in as.
      - If not set, the value of the E(AZURE_CLIENT_ID) environment variable is used.
    type: str
  client_secret:
    description:
      - A client secret of the app registration.
      - If not set, the value of the E(AZURE_CLIENT_SECRET) environment variable is used, or else that of
        E(AZURE_SECRET), the name AWX's Azure Resource Manager credential uses.
    type: str
  client_certificate_path:
    description:
      - Path to the app's certificate on the host that runs the module, either a PEM file holding
        the RSA private key and the certificate, or a PFX (PKCS#12) file.
      - The certificate must be uploaded to the app registration.
      - If not set, the value of the E(AZURE_CLIENT_CERTIFICATE_PATH) environment variable is used.
    type: path
  client_certificate_password:
    description:
      - Password of the private key in O(client_certificate_path), if it has one.
      - If not set, the value of the E(AZURE_CLIENT_CERTIFICATE_PASSWORD) environment variable is used.
    type: str
  access_token:
    description:
      - A Microsoft Graph access token obtained elsewhere. It is sent as it is and cannot be renewed,
        so it must stay valid for the whole task.
    type: str
  cloud:
    description:
      - The Microsoft cloud the tenant lives in. It sets the sign-in authority, the Graph root and
        the token scope together.
      - V(public) is C(login.microsoftonline.com) and C(graph.microsoft.com).
      - V(usgov) is C(login.microsoftonline.us) and C(graph.microsoft.us).
      - V(usgov_dod) is C(login.microsoftonline.us) and C(dod-graph.microsoft.us).
      - V(china) is C(login.chinacloudapi.cn) and C(microsoftgraph.chinacloudapi.cn).
      - An O(authority_host) or O(graph_endpoint) that names a known host of another cloud fails before any
        request, since tokens of one cloud are not valid in another.
      - If not set, the E(AZURE_CLOUD_ENVIRONMENT) environment variable is used (V(AzureCloud),
        V(AzureUSGovernment), V(AzureChinaCloud), as AWX's Azure Resource Manager credential sets it),
        else V(public).
    type: str
    choices: [public, usgov, usgov_dod, china]
  authority_host:
    description:
      - Sign in at this https host instead of the one O(cloud) names, for example a private endpoint
        or a test emulator. A bare host name gets C(https://) in front.
      - With an authority host set, no instance discovery request is made to any other host.
      - If not set, the value of the E(AZURE_AUTHORITY_HOST) environment variable is used.
    type: str
  graph_endpoint:
    description:
      - Send Graph requests to this https root instead of the one O(cloud) names.
      - The token scope follows it (C(<graph_endpoint>/.default)).
    type: str
  api_version:
    description:
      - The Graph API version.
    type: str
    default: v1.0
    choices: [v1.0, beta]
  ca_path:
    description:
      - A PEM bundle of the CA certificates trusted for the sign-in endpoint and Graph.
      - It takes precedence over the E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE) environment variables.
    type: path
  validate_certs:
    description:
      - Whether TLS certificates are verified. Turning this off prints a warning; use it only against
        a test endpoint.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP answer, from 1 to 3600.
    type: int
    default: 30
  federated_token_file:
    description:
      - For V(workload_identity), a file holding the token another identity provider (a CI system such as
        GitHub Actions or GitLab, or Kubernetes) gave this job. It is read at each sign-in, since it rotates,
        and sent as the client assertion; the app registration needs a matching federated credential.
      - If not set, the value of the E(AZURE_FEDERATED_TOKEN_FILE) environment variable is used.
    type: path
  managed_identity_source:
    description:
      - For V(managed_identity), where the token comes from.
      - V(environment) uses the endpoint the Azure service hands its processes in E(IDENTITY_ENDPOINT) and
        E(IDENTITY_HEADER) (App Service, Functions, Automation) or E(MSI_ENDPOINT) and E(MSI_SECRET)
        (Azure Machine Learning), and fails before any request when there is none.
      - V(imds) uses the instance metadata service of an Azure VM (C(169.254.169.254)). It is never used
        unless chosen here.
    type: str
    default: environment
    choices: [environment, imds]
  token_cache_path:
    description:
      - Keep the tokens the modules obtain in this file (msal's token cache, mode 0600), so that the tasks of
        a play reuse one token instead of signing in once per task.
      - A file that another user owns, that others may read, or that is not a token cache is ignored with a
        warning, never trusted. Tokens in it are never printed.
      - Keep it on the host that runs the modules, in a folder only the automation user can read.
    type: path
requirements:
  - msal (for every O(auth_method) but V(access_token))
  - requests
  - cryptography (for V(client_certificate))
notes:
  - Secrets and tokens are marked C(no_log) and never appear in results, logs, diffs or errors.
  - Every request carries a fresh C(client-request-id) and a C(User-Agent) naming the collection and its version.
  - Throttled (HTTP 429) and unavailable (503, 504) answers are retried after their C(Retry-After),
    clamped to 1 to 60 seconds, until 5 retries in a row got nothing through. A lost answer (reset connection,
    timeout, cut-off or non-JSON body) is retried when the request is safe to repeat (a read or a purge), never
    for a restore. An expired token is renewed once. Each retry is written to the module log (the
    system log, for a module process; Ansible's output at C(-vvvv) when the module runs in the worker).
"""
