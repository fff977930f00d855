#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: graph_deleted_item
short_description: Purge items from the Microsoft Entra ID recycle bin
version_added: 0.1.0
description:
  - Permanently deletes a soft-deleted directory object (a user, group, application, service principal)
    from the Microsoft Entra ID recycle bin through Microsoft Graph (C(/directory/deletedItems)).
  - The module only ever touches the recycle bin. An id that belongs to a live object fails the task and
    nothing is deleted.
  - Idempotent. The item is looked up first (C(GET /directory/deletedItems/{id})); it is deleted
    (C(DELETE /directory/deletedItems/{id})) only when it is still in the bin, and the task reports
    C(changed) only then.
  - A purge cannot be undone.
author:
  - graphops.directory maintainers (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description: Check mode sends only reads; items that would be purged are reported with outcome C(would_purge).
  diff_mode:
    support: full
    description: The diff shows the selected recycle-bin items before and after.
  platform:
    support: full
    platforms: all
    description: The module runs wherever Python with its requirements runs; it only talks HTTPS.
  action_group:
    support: full
    membership:
      - graphops.directory.graph
    description: Use C(group/graphops.directory.graph) in C(module_defaults) to set the connection options once.
options:
  id:
    description:
      - The object id of the deleted item.
    type: str
    required: true
  object_type:
    description:
      - The type the item must have. When the item in the bin is of another type, the task fails
        before anything is deleted.
    type: str
    choices: [user, group, application, service_principal, administrative_unit]
  state:
    description:
      - V(absent) purges the item from the recycle bin.
    type: str
    default: absent
    choices: [absent]
notes:
  - "Graph application permissions needed, by object type: user C(User.DeleteRestore.All);
    application and service principal C(Application.ReadWrite.All) (or C(Application.ReadWrite.OwnedBy)
    for the apps the caller owns); group C(Group.ReadWrite.All) with a delegated token only, since Graph
    does not let an app-only token purge groups. Reading the bin needs C(User.Read.All), C(Group.Read.All)
    or C(Application.Read.All) for the type."
  - Telling a live object from an unknown id reads C(/directoryObjects/{id}), which needs C(Directory.Read.All)
    or the type's read permission; without it an id that is not in the bin is reported C(not_found).
  - Administrative units cannot be purged through Graph; Entra ID removes them 30 days after deletion.
    They are reported C(skipped) with that reason.
  - Entra ID replicates writes with a delay. An object deleted seconds ago may not yet be visible in the bin,
    and is then reported C(not_found).
seealso:
  - name: Permanently delete an item (directory object)
    description: The Graph API the module calls.
    link: https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-delete
  - name: Get deleted item
    description: The Graph API the module uses to look the item up first.
    link: https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-get
extends_documentation_fragment:
  - graphops.directory.graph
"""

EXAMPLES = r"""
- name: Purge a deleted user from the recycle bin
  graphops.directory.graph_deleted_item:
    id: 6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11
    object_type: user
    state: absent
    tenant_id: "{{ entra_tenant_id }}"
    client_id: "{{ entra_client_id }}"
    client_secret: "{{ entra_client_secret }}"

- name: Set the connection once for every module of the collection
  module_defaults:
    group/graphops.directory.graph:
      tenant_id: "{{ entra_tenant_id }}"
      client_id: "{{ entra_client_id }}"
      client_certificate_path: /etc/ansible/entra/recycle-bin.pem
  block:
    - name: Purge deleted app registrations by id
      graphops.directory.graph_deleted_item:
        id: "{{ item }}"
        object_type: application
      loop: "{{ retired_app_object_ids }}"

- name: Purge in the US Government cloud
  graphops.directory.graph_deleted_item:
    id: 2f9d4c1a-8b7e-4f60-a5d3-1c2b3a4d5e6f
    cloud: usgov
"""

RETURN = r"""
deleted_items:
  description: The items the task acted on, with what happened to each.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The object id.
      type: str
      sample: 6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11
    object_type:
      description: The type of the item, or V(null) when it was not found.
      type: str
      sample: user
    display_name:
      description: The display name.
      type: str
      sample: Adele Vance
    deleted_date_time:
      description: When the object was deleted (ISO 8601, UTC).
      type: str
      sample: "2026-11-20T08:00:00Z"
    user_principal_name:
      description: Users only. Entra ID prefixes the UPN of a deleted user with its object id.
      type: str
      returned: when the item is a user
    app_id:
      description: Applications and service principals only.
      type: str
      returned: when the item is an application or a service principal
    mail:
      description: Users and groups, when Graph reports one.
      type: str
      returned: when the item has a mail property
    outcome:
      description:
        - V(purged), V(would_purge) (check mode), V(not_found) (not in the bin, nothing to do), V(skipped)
          (cannot be purged through Graph) or V(failed) (Graph refused the purge; the task fails).
      type: str
      sample: purged
    reason:
      description: Why the item got its outcome, in words.
      type: str
      sample: purged from the recycle bin
    request_id:
      description: The Graph C(request-id) of the request that decided the outcome.
      type: str
summary:
  description: Totals per outcome; C(purged), C(restored), C(skipped), C(failed) and C(unchanged) add up to C(matched).
    In check mode the counts are what would happen.
  returned: always
  type: dict
  sample: {"matched": 1, "purged": 1, "restored": 0, "skipped": 0, "failed": 0, "unchanged": 0}
status:
  description: On failure, the HTTP status Graph or the sign-in endpoint answered.
  returned: on Graph failure
  type: int
  sample: 403
error_code:
  description: On failure, Graph's C(error.code) (or the AADSTS code of a sign-in failure).
  returned: on Graph failure
  type: str
  sample: Authorization_RequestDenied
request_id:
  description: On failure, the C(request-id) of the failed request, for Microsoft support.
  returned: on Graph failure
  type: str
client_request_id:
  description: On failure, the C(client-request-id) the module sent with the failed request.
  returned: on Graph failure
  type: str
error_kind:
  description:
    - On failure, where it failed. V(graph) is an error answer from Graph, V(auth) a refused sign-in,
      V(tls), V(proxy), V(timeout) and V(connection) a transport failure before any answer,
      V(foreign_host) and V(redirect) a link or redirect the module refused to follow.
  returned: on Graph failure
  type: str
  sample: graph
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.graphops.directory.plugins.module_utils._auth import graph_argument_spec
from ansible_collections.graphops.directory.plugins.module_utils._graph import GraphError, quote_segment
from ansible_collections.graphops.directory.plugins.module_utils._recycle_bin import (
    OBJECT_TYPES,
    check_guid,
    connect,
    describe_item,
    fail_on_graph_error,
    summarize,
)


def outcome(entry, name, reason, request_id):
    entry.update(outcome=name, reason=reason, request_id=request_id)
    return entry


def look_up(module, client, object_id):
    """The item in the bin with the request-id of the lookup; fail when the id is a live object."""
    path = "/directory/deletedItems/%s" % quote_segment(object_id)
    try:
        response = client.request("GET", path)
        return response.body, response.request_id
    except GraphError as exc:
        if exc.status != 404:
            raise
        not_found = exc

    try:
        live = client.get_optional("/directoryObjects/%s" % quote_segment(object_id))
    except GraphError as exc:
        if exc.status != 403:
            raise
        module.log("Cannot tell whether %s is a live object: %s" % (object_id, exc))
        live = None
    if live is not None:
        described = describe_item(live.body)
        module.fail_json(
            msg="%s is a live %s (%s), not an item in the recycle bin; this module only purges deleted items, "
            "so nothing was deleted" % (object_id, described["object_type"], described["display_name"]),
            request_id=live.request_id,
        )
    return None, not_found.request_id


def purge(module, client, object_id, object_type):
    """Decide and, outside check mode, purge one item; return its entry."""
    item, request_id = look_up(module, client, object_id)
    if item is None:
        entry = dict(id=object_id, object_type=None, display_name=None, deleted_date_time=None)
        return outcome(entry, "not_found", "not in the recycle bin", request_id)

    entry = describe_item(item)
    if object_type and entry["object_type"] != object_type:
        failed = outcome(entry, "failed", "object_type mismatch", request_id)
        module.fail_json(
            msg="%s is a deleted %s (%s), not a %s as object_type says; nothing was purged"
            % (object_id, entry["object_type"], entry["display_name"], object_type),
            deleted_items=[failed],
            summary=summarize([failed]),
        )
    if entry["object_type"] == "administrative_unit":
        reason = "administrative units cannot be purged through Graph; Entra ID removes them 30 days after deletion"
        return outcome(entry, "skipped", reason, request_id)
    if module.check_mode:
        return outcome(entry, "would_purge", "in the recycle bin; check mode, nothing sent", request_id)

    try:
        response = client.request("DELETE", "/directory/deletedItems/%s" % quote_segment(object_id), ok=(204,))
    except GraphError as exc:
        if exc.status != 404:
            exc.entry = outcome(entry, "failed", exc.message, exc.request_id)
            raise
        return outcome(entry, "not_found", "left the recycle bin before the purge", exc.request_id)
    return outcome(entry, "purged", "purged from the recycle bin", response.request_id)


def describe_item_for_diff(entry):
    keys = ("id", "object_type", "display_name", "deleted_date_time", "user_principal_name", "app_id", "mail")
    return dict((key, entry[key]) for key in keys if key in entry)


def main():
    argument_spec = graph_argument_spec()
    argument_spec.update(
        id=dict(type="str", required=True),
        object_type=dict(type="str", choices=sorted(OBJECT_TYPES)),
        state=dict(type="str", default="absent", choices=["absent"]),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    check_guid(module, "id", module.params["id"])

    client = connect(module)

    try:
        entry = purge(module, client, module.params["id"], module.params["object_type"])
    except GraphError as exc:
        # An item Graph refused to purge is reported with the failure; a sign-in failure has no item.
        entries = [exc.entry] if getattr(exc, "entry", None) else []
        fail_on_graph_error(module, exc, deleted_items=entries, summary=summarize(entries))

    changed = entry["outcome"] in ("purged", "would_purge")
    result = dict(changed=changed, deleted_items=[entry], summary=summarize([entry]))
    if module._diff:
        before = [describe_item_for_diff(entry)] if entry["outcome"] != "not_found" else []
        after = [] if changed else before
        result["diff"] = dict(
            before={"recycle_bin": before},
            after={"recycle_bin": after},
            before_header="recycle bin",
            after_header="recycle bin",
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
