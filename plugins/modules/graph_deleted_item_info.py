#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: graph_deleted_item_info
short_description: List what is in the Microsoft Entra ID recycle bin
version_added: 0.1.0
description:
  - Lists the soft-deleted directory objects in the Microsoft Entra ID recycle bin through Microsoft Graph,
    by type and by the selectors given, oldest deletion first, with the date each one is removed for good.
  - Reads every page of every type asked for (one typed list request per type, C($top=999), each
    C(@odata.nextLink) followed as Graph gives it).
  - Changes nothing.
author:
  - graphops.directory maintainers (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description: The module only reads, in check mode as otherwise.
  diff_mode:
    support: none
    description: The module changes nothing, so there is nothing to show a difference of.
options:
  object_type:
    description:
      - The types of item to list.
      - By default every type the recycle bin holds; a selector that only some types have (O(app_id),
        O(user_principal_name), O(owner_id)) then narrows the list to those types.
    type: list
    elements: str
    choices: [user, group, application, service_principal, administrative_unit]
  id:
    description:
      - The object id of one deleted item. The list is empty when it is not in the bin.
    type: str
  owner_id:
    description:
      - List the deleted groups and applications owned by this user (object id), through
        C(POST /directory/deletedItems/getUserOwnedObjects).
      - Graph returns at most 1,000 items for it, without paging; the module warns when that many come back.
      - Groups and applications only; cannot be combined with O(filter).
    type: str
notes:
  - "Graph application permissions needed to read the bin, by object type: user C(User.Read.All), group
    C(Group.Read.All), application and service principal C(Application.Read.All), administrative unit
    C(AdministrativeUnit.Read.All). Without the type's permission Graph returns only ids."
  - "O(user_principal_name) is matched with C(endsWith), which Graph runs as an advanced query
    (C(ConsistencyLevel: eventual) and C($count=true)); the match is then checked exactly."
  - O(older_than_days) and O(deleted_before) are compared in the module, in UTC.
seealso:
  - module: graphops.directory.graph_deleted_item
  - name: List deleted items (directory objects)
    description: The Graph API the module calls.
    link: https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-list
extends_documentation_fragment:
  - graphops.directory.graph
  - graphops.directory.selectors
"""

EXAMPLES = r"""
- name: What is in the recycle bin
  graphops.directory.graph_deleted_item_info:
  register: recycle_bin

- name: Deleted app registrations older than a week
  graphops.directory.graph_deleted_item_info:
    object_type: [application]
    older_than_days: 7

- name: Find a deleted user by the UPN it had
  graphops.directory.graph_deleted_item_info:
    user_principal_name: adele.vance@contoso.com

- name: What a departed owner left behind
  graphops.directory.graph_deleted_item_info:
    owner_id: 4c7e3b2a-1d9f-4e8a-b6c5-0f1e2d3c4b5a

- name: Items that leave the bin for good within three days
  ansible.builtin.debug:
    msg: "{{ recycle_bin.deleted_items | selectattr('days_since_deletion', 'ge', 27) | map(attribute='display_name') }}"
"""

RETURN = r"""
deleted_items:
  description: The items in the recycle bin that match, oldest deletion first; an empty list when none does.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The object id.
      type: str
      sample: 6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11
    object_type:
      description: V(user), V(group), V(application), V(service_principal) or V(administrative_unit).
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
    days_since_deletion:
      description: Whole days since the deletion, in UTC.
      type: int
      sample: 14
    permanent_deletion_date:
      description: When Entra ID removes the item for good, 30 days after the deletion (ISO 8601, UTC).
      type: str
      sample: "2026-12-20T08:00:00Z"
    user_principal_name:
      description: Users only. Entra ID prefixes the UPN of a deleted user with its object id.
      type: str
      returned: when the item is a user
    mail:
      description: Users and groups.
      type: str
      returned: when the item is a user or a group
    app_id:
      description: Applications and service principals.
      type: str
      returned: when the item is an application or a service principal
    group_types:
      description: Groups. V(Unified) marks a Microsoft 365 group; an empty list a security group.
      type: list
      elements: str
      returned: when the item is a group
    security_enabled:
      description: Groups. Entra ID reports V(false) for soft-deleted security groups.
      type: bool
      returned: when the item is a group
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.graphops.directory.plugins.module_utils._auth import graph_argument_spec
from ansible_collections.graphops.directory.plugins.module_utils._graph import GraphError
from ansible_collections.graphops.directory.plugins.module_utils._recycle_bin import (
    OBJECT_TYPES,
    Selection,
    add_retention,
    connect,
    describe_item,
    fail_on_graph_error,
    guid_problems,
    item_path,
    selector_argument_spec,
    utc_now,
)

OWNED_TYPES = ("group", "application")


def build_selection(params, now):
    """The types to list and what they must match, checked before any request; raises ValueError."""
    explicit = params["object_type"] is not None
    types = list(dict.fromkeys(sorted(OBJECT_TYPES) if params["object_type"] is None else params["object_type"]))
    if not types:
        raise ValueError("object_type must name at least one type")
    if params["owner_id"] is not None:
        if params["filter"] is not None:
            raise ValueError("filter cannot be combined with owner_id: Graph takes no query on owned objects")
        wrong = [t for t in types if t not in OWNED_TYPES]
        if explicit and wrong:
            raise ValueError("owner_id lists groups and applications only, not %s" % ", ".join(wrong))
        types = [t for t in types if t in OWNED_TYPES]
    return Selection(params, types, narrow=not explicit, now=now)


def list_one(client, selection, object_id):
    response = client.get_optional(item_path(object_id))
    if response is None:
        return []
    item = describe_item(response.body)
    if item["object_type"] not in selection.object_types:
        return []
    if not selection.accepts(response.body):
        return []
    return [item]


def module_spec():
    """The options and their rules, for AnsibleModule and for the action plugin that checks them on the controller."""
    argument_spec = graph_argument_spec()
    argument_spec.update(selector_argument_spec())
    argument_spec.update(
        object_type=dict(type="list", elements="str", choices=sorted(OBJECT_TYPES)),
        id=dict(type="str"),
        owner_id=dict(type="str"),
    )
    return dict(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("id", "owner_id"), ("id", "filter")],
    )


def execute(module):
    """The task, given a module whose parameters are checked; ends with module.exit_json or module.fail_json."""
    params = module.params
    problems = guid_problems("id", params["id"]) + guid_problems("owner_id", params["owner_id"])
    now = utc_now()
    selection = None
    try:
        selection = build_selection(params, now)
    except ValueError as exc:
        problems.append(str(exc))

    client = connect(module, problems)

    try:
        if params["id"] is not None:
            items = list_one(client, selection, params["id"].lower())
        elif params["owner_id"] is not None:
            items = selection.list_owned(client, params["owner_id"], module.warn)
        else:
            items = selection.list(client)
    except GraphError as exc:
        fail_on_graph_error(module, exc, deleted_items=[])

    module.exit_json(changed=False, deleted_items=[add_retention(item, now) for item in items])


def main():
    execute(AnsibleModule(**module_spec()))


if __name__ == "__main__":
    main()
