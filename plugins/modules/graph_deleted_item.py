#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: graph_deleted_item
short_description: Purge or restore items of the Microsoft Entra ID recycle bin
version_added: 0.1.0
description:
  - Permanently deletes (purges) or restores soft-deleted directory objects (users, groups, applications,
    service principals, administrative units) in the Microsoft Entra ID recycle bin through Microsoft Graph
    (C(/directory/deletedItems)).
  - Select one item by O(id), a list by O(ids), or every item of one O(object_type) that matches selectors
    such as O(display_name) or O(older_than_days), or O(all=true) for every item of the type.
  - The module only ever touches the recycle bin. An id that belongs to a live object fails the task and
    nothing is changed.
  - Idempotent. Items are looked up first; only those still in the bin are purged or restored, and the task
    reports C(changed) only then.
  - Several items are purged or restored through Graph's C($batch) (20 requests a batch, a few batches at a
    time). One failed item does not stop the others; the task fails at the end, naming each failed item.
  - A purge cannot be undone.
author:
  - graphops.directory maintainers (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description: Check mode sends only reads; items are reported with outcome C(would_purge) or C(would_restore).
  diff_mode:
    support: full
    description: The diff shows the selected recycle-bin items before and after.
options:
  id:
    description:
      - The object id of one deleted item.
      - Mutually exclusive with O(ids), O(all) and the selectors.
    type: str
  ids:
    description:
      - Object ids of deleted items, for example the list a GitOps repository keeps of what must be gone.
      - Ids that are not in the bin are reported V(not_found). An id of a live object fails the task
        before anything is changed.
    type: list
    elements: str
  object_type:
    description:
      - With O(id) or O(ids), the type each item must have. An item of another type fails the task
        before anything is changed.
      - With the selectors or O(all), the type of item to select; it is required then.
    type: str
    choices: [user, group, application, service_principal, administrative_unit]
  all:
    description:
      - Select every item of O(object_type) in the recycle bin. O(max_items) still applies.
    type: bool
    default: false
  max_items:
    description:
      - The most items one task may purge or restore. A larger selection fails the task before any change,
        with its count.
    type: int
    default: 100
  state:
    description:
      - V(absent) purges the items from the recycle bin.
      - V(restored) restores them (C(POST /directory/deletedItems/{id}/restore)).
    type: str
    default: absent
    choices: [absent, restored]
  new_user_principal_name:
    description:
      - With O(state=restored), give the restored user this user principal name, for example when
        another user now holds the old one.
      - Needs O(id) and O(object_type=user).
    type: str
  auto_reconcile_proxy_conflict:
    description:
      - With O(state=restored), let Entra ID drop the proxy addresses of the restored user that another
        object now holds, instead of failing.
      - Needs O(object_type=user).
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to keep looking for an item named by O(id) or O(ids) that is not in the bin yet, for a
        pipeline that soft-deletes an object and then purges it. Entra ID replicates with a delay, so the bin
        may not show an object deleted seconds ago.
      - An item still not in the bin when the time is up is V(not_found). V(0) looks once.
    type: int
    default: 0
  restore_service_principal:
    description:
      - With O(state=restored) and O(object_type=application), also restore the deleted service principals
        of each restored application (same C(appId)), after it. Graph does not do this by itself.
    type: bool
    default: false
notes:
  - "Graph application permissions needed, by object type: user C(User.DeleteRestore.All);
    application and service principal C(Application.ReadWrite.All) (or C(Application.ReadWrite.OwnedBy)
    for the apps the caller owns); group C(Group.ReadWrite.All) to restore, and a delegated token to purge,
    since Graph does not let an app-only token purge groups; administrative unit
    C(AdministrativeUnit.ReadWrite.All) to restore. Reading the bin needs C(User.Read.All), C(Group.Read.All),
    C(Application.Read.All) or C(AdministrativeUnit.Read.All) for the type."
  - Telling a live object from an unknown id reads C(/directoryObjects/{id}), which needs C(Directory.Read.All)
    or the type's read permission; without it an id that is not in the bin is reported C(not_found).
  - Administrative units cannot be purged through Graph; Entra ID removes them 30 days after deletion.
    They are reported C(skipped) with that reason.
  - Restoring an application does not restore its service principal unless O(restore_service_principal) is set.
  - Entra ID replicates writes with a delay. An object deleted seconds ago may not yet be visible in the bin,
    and is then reported C(not_found).
seealso:
  - module: graphops.directory.graph_deleted_item_info
  - name: Permanently delete an item (directory object)
    description: The Graph API the module calls to purge.
    link: https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-delete
  - name: Restore deleted item (directory object)
    description: The Graph API the module calls to restore.
    link: https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-restore
extends_documentation_fragment:
  - graphops.directory.graph
  - graphops.directory.selectors
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

- name: Empty the bin of app registrations deleted more than 7 days ago
  graphops.directory.graph_deleted_item:
    object_type: application
    older_than_days: 7
    max_items: 500

- name: Purge the ids a GitOps repository lists
  graphops.directory.graph_deleted_item:
    ids: "{{ lookup('ansible.builtin.file', 'purge-ids.yml') | from_yaml }}"
    object_type: user

- name: Bring back the user deleted yesterday, under a new UPN because the old one is taken
  graphops.directory.graph_deleted_item:
    id: 6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11
    object_type: user
    state: restored
    new_user_principal_name: adele.vance2@contoso.com

- name: Restore an app registration together with its service principal
  graphops.directory.graph_deleted_item:
    object_type: application
    app_id: 3f6c2d1e-9a8b-4c7d-8e6f-5a4b3c2d1e0f
    state: restored
    restore_service_principal: true

- name: Purge in the US Government cloud
  graphops.directory.graph_deleted_item:
    id: 2f9d4c1a-8b7e-4f60-a5d3-1c2b3a4d5e6f
    cloud: usgov
"""

RETURN = r"""
deleted_items:
  description: The items the task selected, oldest deletion first for a selection, with what happened to each.
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
    group_types:
      description: Groups. V(Unified) marks a Microsoft 365 group; an empty list a security group.
      type: list
      elements: str
      returned: when the item is a group
    security_enabled:
      description: Groups. Entra ID reports V(false) for soft-deleted security groups.
      type: bool
      returned: when the item is a group
    outcome:
      description:
        - V(purged), V(restored), V(would_purge) and V(would_restore) (check mode), V(not_found) (not in the
          bin, nothing to do), V(skipped) (cannot be purged through Graph) or V(failed) (Graph refused it; the
          task fails after acting on the other items).
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

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.graphops.directory.plugins.module_utils._auth import GUID_RE, graph_argument_spec
from ansible_collections.graphops.directory.plugins.module_utils._graph import (
    RETRY_STATUSES,
    UNSAFE_NOTE,
    BatchAnswer,
    GraphError,
)
from ansible_collections.graphops.directory.plugins.module_utils._recycle_bin import (
    OBJECT_TYPES,
    SELECTORS,
    Selection,
    connect,
    describe_item,
    directory_object_path,
    fail_on_graph_error,
    guid_problems,
    item_path,
    live_objects,
    look_up_many,
    selector_argument_spec,
    summarize,
)

RESENT_REASON = "purged; the first answer was lost, and the item was gone when the purge was sent again"
AU_REASON = "administrative units cannot be purged through Graph; Entra ID removes them 30 days after deletion"
DONE = ("purged", "restored", "would_purge", "would_restore")


class TaskFailure(Exception):
    """A reason to fail the task before anything was changed, with the result fields to return."""

    def __init__(self, msg, **result):
        super(TaskFailure, self).__init__(msg)
        self.msg = msg
        self.result = result


def outcome(entry, name, reason, request_id):
    entry.update(outcome=name, reason=reason, request_id=request_id)
    return entry


def not_found_entry(object_id, request_id, reason="not in the recycle bin", live=None):
    """An id that is not in the bin; for a restore of a live object, that object as it is (restored already)."""
    entry = dict(id=object_id, object_type=None, display_name=None, deleted_date_time=None)
    if live is not None:
        entry.update(live)
        entry["live"] = True
    return outcome(entry, "not_found", reason, request_id)


# -- options -----------------------------------------------------------------------------------------------


def check_options(params):
    """Every problem with the selection options, found before any request."""
    problems = []
    selectors = [name for name in SELECTORS if params.get(name) is not None]
    by_id = [name for name in ("id", "ids") if params.get(name) is not None]
    restoring = params["state"] == "restored"

    if by_id and (selectors or params["all"]):
        problems.append(
            "%s selects items by object id and cannot be combined with %s"
            % (by_id[0], ", ".join(selectors + (["all"] if params["all"] else [])))
        )
    if params["all"] and selectors:
        problems.append(
            "all selects every %s and cannot be combined with %s"
            % (params["object_type"] or "item", ", ".join(selectors))
        )
    if not by_id and not selectors and not params["all"]:
        problems.append(
            "nothing is selected: give id, ids, or object_type with a selector (%s), or object_type with all: true"
            % ", ".join(SELECTORS)
        )
    if (selectors or params["all"]) and not params["object_type"]:
        problems.append("object_type is required with %s" % ", ".join(selectors or ["all"]))
    if params["ids"] is not None:
        if not params["ids"]:
            problems.append("ids must list at least one object id")
        for index, value in enumerate(params["ids"]):
            if not GUID_RE.match(str(value)):
                problems.append("ids[%d] must be an object id (a GUID), got %r" % (index, value))
    if params["wait_timeout"] < 0:
        problems.append("wait_timeout must be 0 or more seconds, got %s" % params["wait_timeout"])
    if params["wait_timeout"] and not by_id:
        problems.append("wait_timeout applies to items named by id or ids")
    if params["max_items"] < 1:
        problems.append("max_items must be 1 or more, got %s" % params["max_items"])

    user_only = [n for n in ("new_user_principal_name", "auto_reconcile_proxy_conflict") if params.get(n)]
    if params.get("restore_service_principal"):
        if params["object_type"] != "application":
            problems.append("restore_service_principal needs object_type: application")
    if user_only and params["object_type"] != "user":
        problems.append("%s apply only to users: set object_type: user" % " and ".join(user_only))
    if params.get("new_user_principal_name") is not None:
        if params.get("id") is None:
            problems.append("new_user_principal_name renames one user: it needs id, not a selection")
        if "@" not in params["new_user_principal_name"]:
            problems.append("new_user_principal_name must be a user principal name such as someone@contoso.com")
    restore_options = user_only + (["restore_service_principal"] if params.get("restore_service_principal") else [])
    if restore_options and not restoring:
        problems.append("%s apply only with state: restored" % " and ".join(restore_options))
    return problems


# -- selecting ---------------------------------------------------------------------------------------------


def wait_for(client, find, wait_timeout, what):
    """Call find() until it returns True or wait_timeout seconds have passed; the bin lags behind deletes."""
    deadline = time.monotonic() + wait_timeout
    attempt = 0
    while not find():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        attempt += 1
        pause = min(remaining, 5.0, 0.5 * 2 ** (attempt - 1))
        client.log("%s not in the recycle bin yet; looking again in %.1f s" % (what, pause))
        client.sleep(pause)


def look_up(client, object_id, state, wait_timeout=0):
    """The item in the bin and the request-id of the lookup, or (None, request-id, reason) when it is not there.

    A live object fails a purge; for a restore it is what the task asks for already.
    """
    answer = {}

    def find():
        try:
            response = client.request("GET", item_path(object_id))
        except GraphError as exc:
            if not exc.not_found:
                raise
            answer["missing"] = exc
            return False
        answer["found"] = response
        return True

    wait_for(client, find, wait_timeout, object_id)
    if "found" in answer:
        return answer["found"].body, answer["found"].request_id, None, None
    not_found = answer["missing"]
    live = live_object(client, object_id)
    if live is None:
        return None, not_found.request_id, "not in the recycle bin", None
    described = describe_item(live.body)
    if state == "restored":
        return None, live.request_id, already_live(described), described
    raise TaskFailure(live_message([(object_id, described)]), request_id=live.request_id)


def already_live(described):
    return "not in the recycle bin: it is a live %s (%s) already" % (
        described["object_type"],
        described["display_name"],
    )


def live_object(client, object_id):
    try:
        live = client.get_optional(directory_object_path(object_id))
    except GraphError as exc:
        if exc.status != 403:
            raise
        client.log("Cannot tell whether %s is a live object: %s" % (object_id, exc))
        return None
    return live


def live_message(found):
    named = ", ".join("%s is a live %s (%s)" % (i, d["object_type"], d["display_name"]) for i, d in found)
    return "%s, not in the recycle bin; this module only acts on deleted items, so nothing was changed" % named


def check_type(entries, object_type):
    wrong = [e for e in entries if object_type and e["object_type"] != object_type]
    if wrong:
        for entry in wrong:
            outcome(entry, "failed", "object_type mismatch", entry.get("request_id"))
        raise TaskFailure(
            "%s, not of object_type %s; nothing was changed"
            % (
                ", ".join("%s is a deleted %s (%s)" % (e["id"], e["object_type"], e["display_name"]) for e in wrong),
                object_type,
            ),
            deleted_items=wrong,
            summary=summarize(wrong),
        )


def select_by_ids(client, object_ids, object_type, state, wait_timeout=0):
    """Items in the bin for a list of ids (unique, in the given order) and the entries of those not there.

    Live objects fail a purge before anything changes; for a restore they are already what is asked.
    """
    unique = list(dict.fromkeys(i.lower() for i in object_ids))
    found = {}

    def find():
        missing = [i for i in unique if found.get(i) is None]
        found.update(look_up_many(client, missing))
        return all(found[i] is not None for i in unique)

    wait_for(client, find, wait_timeout, "%d of the ids" % len(unique))
    missing = [i for i in unique if found[i] is None]
    live = live_objects(client, missing)
    if live and state == "absent":
        raise TaskFailure(live_message(sorted(live.items())))
    items = [describe_item(found[i]) for i in unique if found[i] is not None]
    check_type(items, object_type)
    decided = [
        not_found_entry(i, None, already_live(live[i]), live[i]) if i in live else not_found_entry(i, None)
        for i in missing
    ]
    return items, decided


def build_selection(params):
    """The selection of a task that selects by properties or all, checked offline; None for id or ids."""
    if params["id"] is not None or params["ids"] is not None:
        return None
    return Selection(params, [params["object_type"]])


# -- acting ------------------------------------------------------------------------------------------------


def conflict_reason(error):
    """Words for a restore Graph refused because another object holds the user's name or addresses."""
    targets = [str(d.get("target")) for d in error.details if d.get("code") == "ObjectConflict"]
    # The details name the conflict; older answers only word it in the message.
    text = " ".join(targets) if targets else error.message
    if "proxyAddresses" in text:
        return "%s Set auto_reconcile_proxy_conflict: true to drop the addresses another object holds." % error.message
    if "userPrincipalName" in text:
        return "%s Another object now holds this user's UPN: restore with new_user_principal_name." % error.message
    return error.message


def act_on(client, items, state, body_for):
    """Purge or restore items through $batch; each item gets its outcome."""
    calls = []
    for index, item in enumerate(items):
        if state == "absent":
            calls.append(dict(id=str(index), method="DELETE", url=item_path(item["id"])))
        else:
            calls.append(dict(id=str(index), method="POST", url=item_path(item["id"], "/restore"), body=body_for(item)))
    answers = client.batch(calls)
    for index, item in enumerate(items):
        settle(client, item, state, answers[str(index)])


def act_on_one(client, item, state, body):
    """One item, without $batch: two requests in all for the common single-id task."""
    try:
        if state == "absent":
            response = client.request("DELETE", item_path(item["id"]), ok=(204,))
        else:
            response = client.request("POST", item_path(item["id"], "/restore"), body=body, ok=(200,))
        answer = BatchAnswer(response.status, response.body, response.request_id)
    except GraphError as exc:
        if exc.status is None or exc.kind != "graph":
            raise
        answer = BatchAnswer.from_error(exc)
        answer.resent = exc.resent
    settle(client, item, state, answer)


def settle(client, item, state, answer):
    """The outcome of one purge or restore from Graph's answer to it, in a $batch or alone."""
    # A success status with an error body is an answer that was not Graph's own (not JSON, cut off).
    if answer.status in (200, 204) and "error" not in answer.body:
        done = "purged" if state == "absent" else "restored"
        reason = "purged from the recycle bin" if state == "absent" else "restored out of the recycle bin"
        outcome(item, done, reason, answer.request_id)
        return
    if answer.not_found and state == "absent" and answer.resent:
        outcome(item, "purged", RESENT_REASON, answer.request_id)
        return
    if answer.not_found:
        action = "purge" if state == "absent" else "restore"
        outcome(item, "not_found", "left the recycle bin before the %s" % action, answer.request_id)
        return
    error = answer.error()
    item.update(status=answer.status, error_code=error.error_code, client_request_id=answer.client_request_id)
    if state == "restored" and answer.status in (503, 504):
        # Graph may have acted; the request already says so when it was sent alone.
        note = "" if UNSAFE_NOTE in error.message else UNSAFE_NOTE
        reason = "Graph answered HTTP %s: %s%s" % (answer.status, error.message, note)
    elif answer.status in RETRY_STATUSES:
        reason = "throttled: Graph still answered HTTP %s (%s) after %d retries: %s" % (
            answer.status,
            error.error_code,
            client.max_retries,
            error.message,
        )
    else:
        reason = conflict_reason(error) if state == "restored" else error.message
    outcome(item, "failed", reason, answer.request_id)


def restore_body(params):
    def body_for(item):
        if item["object_type"] != "user":
            return None
        body = {}
        if params.get("new_user_principal_name"):
            body["newUserPrincipalName"] = params["new_user_principal_name"]
        if params.get("auto_reconcile_proxy_conflict"):
            body["autoReconcileProxyConflict"] = True
        return body or None

    return body_for


def service_principals_of(client, applications):
    """Deleted service principals that share an appId with the given applications, each application once."""
    found = []
    app_ids = list(dict.fromkeys(a.get("app_id") for a in applications if a.get("app_id")))
    for app_id in app_ids:
        selection = Selection({"app_id": app_id}, ["service_principal"])
        found.extend(selection.list(client))
    return found


def run(module, client, selection):
    params = module.params
    state = params["state"]
    body_for = restore_body(params)
    decided = []

    if params["id"] is not None:
        item, request_id, reason, live = look_up(client, params["id"], state, params["wait_timeout"])
        if item is None:
            items = []
            decided.append(not_found_entry(params["id"], request_id, reason, live))
        else:
            items = [outcome(describe_item(item), None, None, request_id)]
            if (items[0]["id"] or "").lower() != params["id"].lower():
                raise TaskFailure(
                    "Graph answered the lookup of %s with another object (%s); nothing was changed"
                    % (params["id"], items[0]["id"]),
                    request_id=request_id,
                )
            check_type(items, params["object_type"])
    elif params["ids"] is not None:
        items, decided = select_by_ids(client, params["ids"], params["object_type"], state, params["wait_timeout"])
    else:
        items = selection.list(client)

    if state == "absent":
        for item in [i for i in items if i["object_type"] == "administrative_unit"]:
            outcome(item, "skipped", AU_REASON, item.get("request_id"))
    to_act = [i for i in items if i.get("outcome") is None]
    principals = []
    if state == "restored" and params.get("restore_service_principal"):
        # The service principals of the applications restored now, and of those restored before (a re-run).
        live_apps = [e for e in decided if e.get("live") and e["object_type"] == "application"]
        principals = service_principals_of(client, to_act + live_apps)

    total = len(to_act) + len(principals)
    if total > params["max_items"]:
        raise TaskFailure(
            "the selection holds %d items, more than max_items (%d); nothing was changed. Narrow the selection, "
            "or set max_items: %d to act on all of them" % (total, params["max_items"], total),
            selected=total,
        )

    if module.check_mode:
        would = "would_purge" if state == "absent" else "would_restore"
        for item in to_act:
            reason = "in the recycle bin; check mode, nothing sent"
            if state == "absent" and item["object_type"] == "group" and client.credential.app_only:
                reason += "; note that Graph refuses to let an app-only token purge groups, so the real run may fail"
            outcome(item, would, reason, item.get("request_id"))
    elif params["id"] is not None and to_act:
        act_on_one(client, to_act[0], state, body_for(to_act[0]))
    elif to_act:
        act_on(client, to_act, state, body_for)

    entries = decided + items
    if principals:
        back = set(e.get("app_id") for e in entries if e["outcome"] in ("restored", "would_restore") or e.get("live"))
        follow = [p for p in principals if p.get("app_id") in back]
        for principal in principals:
            if principal not in follow:
                outcome(principal, "skipped", "its application was not restored", None)
        if module.check_mode:
            for principal in follow:
                outcome(principal, "would_restore", "service principal of a restored application; check mode", None)
        elif follow:
            act_on(client, follow, state, lambda item: None)
        entries += principals
    for entry in entries:
        entry.pop("live", None)
    return entries


def diff_of(entries):
    keys = ("id", "object_type", "display_name", "deleted_date_time", "user_principal_name", "app_id", "mail")
    before = [dict((k, e[k]) for k in keys if k in e) for e in entries if e["outcome"] != "not_found"]
    after = [dict((k, e[k]) for k in keys if k in e) for e in entries if e["outcome"] not in DONE + ("not_found",)]
    return dict(
        before={"recycle_bin": before},
        after={"recycle_bin": after},
        before_header="recycle bin",
        after_header="recycle bin",
    )


def module_spec():
    """The options and their rules, for AnsibleModule and for the action plugin that checks them on the controller."""
    argument_spec = graph_argument_spec()
    argument_spec.update(selector_argument_spec())
    argument_spec.update(
        id=dict(type="str"),
        ids=dict(type="list", elements="str"),
        object_type=dict(type="str", choices=sorted(OBJECT_TYPES)),
        all=dict(type="bool", default=False),
        max_items=dict(type="int", default=100),
        state=dict(type="str", default="absent", choices=["absent", "restored"]),
        new_user_principal_name=dict(type="str"),
        auto_reconcile_proxy_conflict=dict(type="bool", default=False),
        restore_service_principal=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=0),
    )
    return dict(argument_spec=argument_spec, supports_check_mode=True, mutually_exclusive=[("id", "ids")])


def execute(module):
    """The task, given a module whose parameters are checked; ends with module.exit_json or module.fail_json."""
    problems = guid_problems("id", module.params["id"]) + check_options(module.params)
    selection = None
    if not problems:
        try:
            selection = build_selection(module.params)
        except ValueError as exc:
            problems.append(str(exc))

    client = connect(module, problems)

    try:
        entries = run(module, client, selection)
    except TaskFailure as exc:
        result = dict(deleted_items=[], summary=summarize([]))
        result.update(exc.result)
        module.fail_json(msg=exc.msg, **result)
    except GraphError as exc:
        # Items Graph refused are failed entries; what is raised is a failure before any item was decided.
        fail_on_graph_error(module, exc, deleted_items=[], summary=summarize([]))

    changed = any(e["outcome"] in DONE for e in entries)
    result = dict(changed=changed, deleted_items=entries, summary=summarize(entries))
    if module._diff:
        result["diff"] = diff_of(entries)

    failed = [e for e in entries if e["outcome"] == "failed"]
    if failed:
        first = failed[0]
        module.fail_json(
            msg="%d of %d items failed: %s"
            % (
                len(failed),
                len(entries),
                "; ".join("%s (%s): %s" % (e["id"], e["display_name"], e["reason"]) for e in failed),
            ),
            status=first.get("status"),
            error_code=first.get("error_code"),
            request_id=first.get("request_id"),
            client_request_id=first.get("client_request_id"),
            error_kind="graph",
            **result,
        )
    module.exit_json(**result)


def main():
    execute(AnsibleModule(**module_spec()))


if __name__ == "__main__":
    main()
