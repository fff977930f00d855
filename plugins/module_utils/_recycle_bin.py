# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection. Breaking changes can occur any time.

"""What the modules share about the recycle bin: object types, item shape, connecting and failing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.graphops.directory.plugins.module_utils._auth import (
    GUID_RE,
    HAS_MSAL,
    MSAL_IMPORT_ERROR,
    ConnectionSettings,
    OptionsError,
    choose_credential,
)
from ansible_collections.graphops.directory.plugins.module_utils._graph import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    GraphClient,
    VerifyingSession,
)

# object_type option value -> Graph type name (the OData cast and @odata.type)
OBJECT_TYPES = {
    "user": "user",
    "group": "group",
    "application": "application",
    "service_principal": "servicePrincipal",
    "administrative_unit": "administrativeUnit",
}
GRAPH_TYPES = dict((graph, option) for option, graph in OBJECT_TYPES.items())

# Graph property -> returned key, for the properties a deleted item reports when Graph has them
ITEM_FIELDS = (
    ("userPrincipalName", "user_principal_name"),
    ("mail", "mail"),
    ("appId", "app_id"),
    ("groupTypes", "group_types"),
    ("securityEnabled", "security_enabled"),
)

OUTCOMES = ("purged", "restored", "skipped", "failed", "unchanged")


def object_type_of(item):
    """The object_type value for a Graph object, from its @odata.type."""
    odata_type = (item.get("@odata.type") or "").rsplit(".", 1)[-1]
    return GRAPH_TYPES.get(odata_type, odata_type or None)


def describe_item(item):
    """A Graph directory object as the snake_case dict the modules return; no @odata keys."""
    described = dict(
        id=item.get("id"),
        object_type=object_type_of(item),
        display_name=item.get("displayName"),
        deleted_date_time=item.get("deletedDateTime"),
    )
    for graph_name, key in ITEM_FIELDS:
        if graph_name in item:
            described[key] = item[graph_name]
    return described


def summarize(entries):
    """Totals per outcome; would_* outcomes of check mode count as what they would be. They add up to matched."""
    summary = dict((name, 0) for name in OUTCOMES)
    buckets = {"would_purge": "purged", "would_restore": "restored", "not_found": "unchanged"}
    for entry in entries:
        summary[buckets.get(entry["outcome"], entry["outcome"])] += 1
    summary["matched"] = len(entries)
    return summary


def check_guid(module, option, value):
    """Fail naming the option when a value is not an object id; nothing has been sent yet."""
    if value is not None and not GUID_RE.match(value):
        module.fail_json(msg="%s must be an object id (a GUID such as 6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11)" % option)


def connect(module):
    """Check the sign-in options offline, then return a GraphClient; fail the module on bad options."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
    params = module.params

    try:
        settings = ConnectionSettings(params)
        credential_class = choose_credential(params)
    except OptionsError as exc:
        module.fail_json(msg="Invalid connection options: %s" % exc)

    if credential_class.name != "access_token" and not HAS_MSAL:
        module.fail_json(msg=missing_required_lib("msal"), exception=str(MSAL_IMPORT_ERROR))
    if not settings.validate_certs:
        module.warn("validate_certs is false: TLS certificates of the sign-in endpoint and Graph are not checked")
        disable_insecure_warnings()

    session = VerifyingSession(verify=settings.verify, timeout=settings.timeout)
    credential = credential_class(params, settings, session, module.log)
    problems = credential.validate()
    if problems:
        module.fail_json(msg="Invalid connection options: %s" % "; ".join(problems))
    module.log("Using auth_method %s against %s" % (credential.name, settings.graph_endpoint))
    return GraphClient(settings, credential, session, log=module.log)


def disable_insecure_warnings():
    """The module warns once itself; urllib3's per-request warning would only repeat it."""
    try:
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    except (ImportError, AttributeError):
        pass


def fail_on_graph_error(module, error, **extra):
    """Turn a GraphError into fail_json with the status, Graph error code and request-id as fields."""
    result = error.to_result()
    result.update(extra)
    module.fail_json(msg=str(error), **result)
