# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The action of graph_deleted_item: see plugins/plugin_utils/_controller.py for where the module runs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.graphops.directory.plugins.plugin_utils._controller import ControllerAction


class ActionModule(ControllerAction):
    MODULE = "graph_deleted_item"
