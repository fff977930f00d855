# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options that select recycle-bin items by their properties; all given ones must match.
    DOCUMENTATION = r"""
options:
  display_name:
    description:
      - Select items whose display name is exactly this (Graph compares it without regard to case).
      - Quotes and other characters are escaped; the value is never read as part of the query.
    type: str
  user_principal_name:
    description:
      - Select the deleted user that had this user principal name.
      - Entra ID rewrites the UPN of a deleted user by prefixing it with the object id (without dashes);
        this option finds the user by the UPN it had, and also accepts the rewritten form.
      - Users only.
    type: str
  app_id:
    description:
      - Select the application or service principal with this application (client) id.
      - Applications and service principals only.
    type: str
  filter:
    description:
      - A raw OData C($filter) expression, sent to Graph as it is and combined with the other selectors
        with C(and), for example V(startswith(displayName,'Test')).
      - Graph decides what it supports; an expression it rejects fails the task before any change.
    type: str
  older_than_days:
    description:
      - Select items deleted more than this many days ago (counted in UTC from the time the task runs).
    type: int
  deleted_before:
    description:
      - Select items deleted before this time, an ISO 8601 date or date-time such as V(2026-11-30) or
        V(2026-11-30T18:00:00Z). A time without an offset is taken as UTC.
      - With O(older_than_days) too, an item must match both.
    type: str
"""
