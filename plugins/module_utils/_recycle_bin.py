# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection. Breaking changes can occur any time.

"""What the modules share about the recycle bin: object types, item shape, connecting and failing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
from datetime import datetime, timedelta, timezone

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.graphops.directory.plugins.module_utils._auth import (
    GUID_RE,
    HAS_MSAL,
    MSAL_IMPORT_ERROR,
    SECRET_OPTIONS,
    ConnectionSettings,
    OptionsError,
    TokenCacheFile,
    choose_credential,
    with_environment,
)
from ansible_collections.graphops.directory.plugins.module_utils._graph import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    GraphClient,
    VerifyingSession,
    quote_segment,
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


def describe_item(item, object_type=None):
    """A Graph directory object as the snake_case dict the modules return; no @odata keys."""
    described = dict(
        id=item.get("id"),
        object_type=object_type or object_type_of(item),
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


def guid_problems(option, value):
    """The problem with a value that should be an object id, as a list for the other problems."""
    if value is not None and not GUID_RE.match(value):
        return ["%s must be an object id (a GUID such as 6b0e1c52-3f0a-4a3e-9a43-0f2d1c7e9b11)" % option]
    return []


def connect(module, problems=()):
    """Check the sign-in options offline, then return a GraphClient.

    Fails the module, before any request, with the given problems and every problem of the connection
    options together.
    """
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
    problems = list(problems)
    params, from_environment = with_environment(module.params)
    for option in SECRET_OPTIONS:
        if option in from_environment:
            # Ansible masks the values of no_log options it was given; these came from the environment.
            module.no_log_values.add(params[option])
    for name in ("IDENTITY_HEADER", "MSI_SECRET"):
        # The secret a managed identity endpoint checks; an endpoint may echo it in an error.
        if os.environ.get(name):
            module.no_log_values.add(os.environ[name])

    settings = credential_class = None
    try:
        settings = ConnectionSettings(params)
    except OptionsError as exc:
        problems.extend(exc.problems)
    try:
        credential_class = choose_credential(params, from_environment)
    except OptionsError as exc:
        problems.extend(exc.problems)
    session = None
    if settings is not None:
        session = VerifyingSession.for_settings(settings)
    credential = None
    if credential_class is not None:
        credential = credential_class(params, settings, session, module.log)
        problems.extend(credential.validate())
        if session is not None:
            session.allowed_origins = session.allowed_origins | credential.origins()
    if problems:
        module.fail_json(msg="; ".join(problems), deleted_items=[], summary=summarize([]))

    if credential.name != "access_token" and not HAS_MSAL:
        module.fail_json(msg=missing_required_lib("msal"), exception=str(MSAL_IMPORT_ERROR))
    if params.get("token_cache_path") and credential.name != "access_token":
        credential.cache = TokenCacheFile(params["token_cache_path"], module.warn, credential.fingerprint())
    if not settings.validate_certs:
        module.warn("validate_certs is false: TLS certificates of the sign-in endpoint and Graph are not checked")
        disable_insecure_warnings()
    module.log(
        "Using auth_method %s (%s) against %s"
        % (credential.name, "from the environment" if from_environment else "from the task", settings.graph_endpoint)
    )
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


# -- selecting items in the recycle bin ------------------------------------------------------------

RETENTION_DAYS = 30
OWNED_LIMIT = 1000
PAGE_SIZE = 999
BASE_PROPERTIES = ("id", "displayName", "deletedDateTime")
# What each type's list asks Graph for, beside the base properties.
TYPE_PROPERTIES = {
    "user": ("userPrincipalName", "mail"),
    "group": ("mail", "groupTypes", "securityEnabled"),
    "application": ("appId",),
    "service_principal": ("appId",),
    "administrative_unit": (),
}
# Selector option -> the object types that have the property it matches.
SELECTOR_TYPES = {
    "user_principal_name": ("user",),
    "app_id": ("application", "service_principal"),
}


def selector_argument_spec():
    """The options that pick items in the recycle bin by their properties, shared by both modules."""
    return dict(
        display_name=dict(type="str"),
        user_principal_name=dict(type="str"),
        app_id=dict(type="str"),
        filter=dict(type="str"),
        older_than_days=dict(type="int"),
        deleted_before=dict(type="str"),
    )


SELECTORS = tuple(selector_argument_spec())


def odata_string(value):
    """A string literal for $filter: quotes doubled, so that a value can never end the literal."""
    return "'%s'" % str(value).replace("'", "''")


def filter_problems(expression):
    """A raw $filter must stand on its own inside the parentheses it is and-ed in: its quotes closed and its
    parentheses balanced, so that it cannot close them and widen what the other selectors narrow."""
    depth = 0
    quoted = False
    for char in str(expression):
        if char == "'":
            # A doubled quote inside a literal toggles twice and stays inside.
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth < 0:
                break
    if quoted:
        return ["filter has a string literal that is not closed: %s" % expression]
    if depth != 0:
        return [
            "filter has parentheses that do not balance, which would change how it combines with the other "
            "selectors: %s" % expression
        ]
    return []


def utc_now():
    return datetime.now(timezone.utc)


def parse_timestamp(option, value):
    """An ISO 8601 date or date-time as an aware UTC datetime; without an offset it is taken as UTC."""
    text = str(value).strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        # An offset can move a time at either end of the calendar out of range.
        return when.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(
            "%s must be an ISO 8601 date or date-time within the range of dates, got %r, which is out of range"
            % (option, value)
        ) from None
    except ValueError:
        raise ValueError(
            "%s must be an ISO 8601 date or date-time such as 2026-11-30 or 2026-11-30T18:00:00Z, got %r"
            % (option, value)
        ) from None


def format_timestamp(when):
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Selection:
    """Which items of the recycle bin a task means: the types to list and what they must match.

    Everything is checked offline in the constructor, which raises ValueError naming the option. With
    narrow, a selector drops the types that lack its property (the info module's default of every type);
    without it, such a type is an error.
    """

    def __init__(self, params, object_types, narrow=False, now=None):
        self.now = now or utc_now()
        self.display_name = params.get("display_name")
        self.user_principal_name = params.get("user_principal_name")
        self.app_id = params.get("app_id")
        self.raw_filter = params.get("filter")
        self.cutoff = None

        problems = []
        for option in ("display_name", "user_principal_name", "app_id", "filter"):
            if params.get(option) is not None and not str(params.get(option)).strip():
                problems.append("%s must not be empty" % option)
        if self.raw_filter is not None and str(self.raw_filter).strip():
            problems.extend(filter_problems(self.raw_filter))
        if self.app_id is not None and not GUID_RE.match(self.app_id):
            problems.append("app_id must be an application (client) id, a GUID")
        older = params.get("older_than_days")
        if older is not None:
            if older < 0:
                problems.append("older_than_days must be 0 or more, got %s" % older)
            else:
                try:
                    self.cutoff = self.now - timedelta(days=older)
                except OverflowError:
                    problems.append("older_than_days is too large, got %s" % older)
        if params.get("deleted_before") is not None:
            try:
                before = parse_timestamp("deleted_before", params["deleted_before"])
                self.cutoff = before if self.cutoff is None else min(self.cutoff, before)
            except ValueError as exc:
                problems.append(str(exc))

        types = list(object_types)
        for option, allowed in SELECTOR_TYPES.items():
            if params.get(option) is None:
                continue
            wrong = [t for t in types if t not in allowed]
            if wrong and len(wrong) < len(types) and narrow:
                types = [t for t in types if t in allowed]
            elif wrong:
                problems.append(
                    "%s applies only to object_type %s, not to %s" % (option, " or ".join(allowed), ", ".join(wrong))
                )
        self.object_types = types
        if problems:
            raise ValueError("; ".join(problems))

    def query(self, object_type):
        """The query parameters and headers of one typed list request."""
        clauses = []
        advanced = False
        if self.display_name is not None:
            clauses.append("displayName eq %s" % odata_string(self.display_name))
        if self.app_id is not None:
            clauses.append("appId eq %s" % odata_string(self.app_id))
        if self.user_principal_name is not None:
            # The bin prefixes a deleted user's UPN with its object id, so match the end; endsWith is an
            # advanced query for Graph.
            clauses.append("endswith(userPrincipalName,%s)" % odata_string(self.user_principal_name))
            advanced = True
        if self.raw_filter:
            clauses.append("(%s)" % self.raw_filter)
        params = {"$top": str(PAGE_SIZE), "$select": ",".join(BASE_PROPERTIES + TYPE_PROPERTIES[object_type])}
        headers = {}
        if clauses:
            params["$filter"] = " and ".join(clauses)
        if advanced:
            params["$count"] = "true"
            headers["ConsistencyLevel"] = "eventual"
        return params, headers

    def matches(self, item):
        """What is checked locally: the deletion date and the exact UPN."""
        if self.cutoff is not None:
            deleted = item.get("deletedDateTime")
            if not deleted or parse_timestamp("deletedDateTime", deleted) >= self.cutoff:
                return False
        if self.user_principal_name is not None:
            wanted = self.user_principal_name.lower()
            upn = (item.get("userPrincipalName") or "").lower()
            prefix = (item.get("id") or "").replace("-", "").lower()
            if upn != wanted and upn != prefix + wanted:
                return False
        return True

    def list(self, client):
        """Every matching item of the selected types, oldest deletion first, each described."""
        found = []
        for object_type in self.object_types:
            params, headers = self.query(object_type)
            path = "/directory/deletedItems/microsoft.graph.%s" % OBJECT_TYPES[object_type]
            for item in client.iterate(path, params=params, headers=headers):
                if self.matches(item):
                    found.append(describe_item(item, object_type))
        return sort_oldest_first(found)

    def list_owned(self, client, owner_id, warn):
        """Deleted groups and applications owned by a user (Graph answers at most 1,000, without paging)."""
        found = []
        for object_type in self.object_types:
            body = {"userId": owner_id, "type": "Group" if object_type == "group" else "Application"}
            response = client.request("POST", "/directory/deletedItems/getUserOwnedObjects", body=body, ok=(200,))
            items = response.body.get("value") or []
            if len(items) >= OWNED_LIMIT:
                warn(
                    "Graph returned %d deleted %s items owned by %s, its limit without paging: more may exist "
                    "that this task did not see" % (len(items), object_type, owner_id)
                )
            for item in items:
                if self.accepts(item):
                    found.append(describe_item(item, object_type))
        return sort_oldest_first(found)

    def accepts(self, item):
        """Whether an item read without a Graph query (by id, or among a user's owned objects) is selected."""
        return self.matches_properties(item) and self.matches(item)

    def matches_properties(self, item):
        """What a Graph query would match, for items read without one; names compare in any case, as in Graph."""
        if self.display_name is not None and (item.get("displayName") or "").lower() != self.display_name.lower():
            return False
        if self.app_id is not None and (item.get("appId") or "").lower() != self.app_id.lower():
            return False
        return True


def sort_oldest_first(items):
    def key(item):
        deleted = item.get("deleted_date_time")
        try:
            when = parse_timestamp("deletedDateTime", deleted) if deleted else None
        except ValueError:
            when = None
        return (when is None, when or datetime.min.replace(tzinfo=timezone.utc), item.get("id") or "")

    return sorted(items, key=key)


def add_retention(entry, now):
    """days_since_deletion and permanent_deletion_date (deletion + 30 days), computed in UTC."""
    deleted = entry.get("deleted_date_time")
    if not deleted:
        entry.update(days_since_deletion=None, permanent_deletion_date=None)
        return entry
    when = parse_timestamp("deletedDateTime", deleted)
    entry["days_since_deletion"] = max(0, (now - when).days)
    entry["permanent_deletion_date"] = format_timestamp(when + timedelta(days=RETENTION_DAYS))
    return entry


def item_path(object_id, action=""):
    """The path of an item in the recycle bin, or of an action on it such as /restore."""
    return "/directory/deletedItems/%s%s" % (quote_segment(object_id), action)


def directory_object_path(object_id):
    return "/directoryObjects/%s" % quote_segment(object_id)


def get_each(client, path_of, object_ids):
    """GET path_of(id) for every id through $batch: [(id, BatchAnswer)], in the order of the ids."""
    answers = client.batch(
        [dict(id=str(index), method="GET", url=path_of(object_id)) for index, object_id in enumerate(object_ids)]
    )
    return [(object_id, answers[str(index)]) for index, object_id in enumerate(object_ids)]


def look_up_many(client, object_ids):
    """Each id's item in the bin, through $batch: {id: item or None}; a failure other than 404 raises."""
    found = {}
    for object_id, answer in get_each(client, item_path, object_ids):
        if answer.status == 200:
            found[object_id] = answer.body
        elif answer.not_found:
            found[object_id] = None
        else:
            error = answer.error()
            error.message = "Could not look up %s in the recycle bin: %s" % (object_id, error.message)
            raise error
    return found


def live_objects(client, object_ids):
    """Which of these ids are live directory objects: {id: described object}. Unknown or unreadable ids are left out."""
    live = {}
    for object_id, answer in get_each(client, directory_object_path, object_ids):
        if answer.status == 200:
            live[object_id] = describe_item(answer.body)
    return live
