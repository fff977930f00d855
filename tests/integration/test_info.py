# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Given a recycle bin, graph_deleted_item_info reports what is in it, by type and selector, every page."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from datetime import datetime, timedelta, timezone

from .tenants import ALICE, ALL_DELETED, BOB, OLD_APP, OWNER, QUOTED, bulk_seed, test_seed
from .test_purge_by_id import writes

INFO = "graphops.directory.graph_deleted_item_info"


def info_task(**options):
    return {"name": "info", INFO: options, "register": "info"}


def lists(emulator):
    return [r for r in emulator.requests("graph") if r["method"] == "GET"]


def test_the_whole_bin_is_listed_oldest_first_with_retention_dates(playbook, emulator):
    run = playbook.run([info_task()])

    assert run.rc == 0, run.output
    result = run.result("info")
    assert result["changed"] is False
    items = result["deleted_items"]
    assert sorted(i["id"] for i in items) == sorted(o["id"] for o in ALL_DELETED)
    dates = [i["deleted_date_time"] for i in items]
    assert dates == sorted(dates)
    bob = [i for i in items if i["id"] == BOB["id"]][0]
    assert bob["object_type"] == "user" and bob["days_since_deletion"] == 10
    deleted = datetime.strptime(bob["deleted_date_time"], "%Y-%m-%dT%H:%M:%SZ")
    assert bob["permanent_deletion_date"] == (deleted + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert bob["user_principal_name"].endswith(BOB["userPrincipalName"])
    app = [i for i in items if i["id"] == OLD_APP["id"]][0]
    assert app["app_id"] == OLD_APP["appId"] and app["object_type"] == "application"
    assert not any(key.startswith("@odata") for item in items for key in item)

    requests = lists(emulator)
    assert sorted(r["path"] for r in requests) == sorted(
        "/v1.0/directory/deletedItems/microsoft.graph.%s" % t
        for t in ("user", "group", "application", "servicePrincipal", "administrativeUnit")
    )
    for request in requests:
        query = dict(request["query"])
        assert query["$top"] == "999"
        assert query["$select"].startswith("id,displayName,deletedDateTime")
    assert writes(emulator) == []


def test_every_page_is_followed(playbook, emulator, secret):
    emulator.reset(bulk_seed(secret, old_users=2100))

    run = playbook.run([info_task(object_type=["user"])])

    assert run.rc == 0, run.output
    items = run.result("info")["deleted_items"]
    assert len(items) == 2100 + 4  # the old users, Alice, Bob, Dana and Siobhan
    assert len({i["id"] for i in items}) == len(items)
    pages = lists(emulator)
    assert len(pages) == 3
    assert ["$skiptoken" in dict(p["query"]) for p in pages] == [False, True, True]


def test_a_quote_in_a_display_name_selects_exactly_that_item(playbook, emulator, secret):
    emulator.reset(bulk_seed(secret))

    run = playbook.run([info_task(display_name="Siobhan O'Brien")])

    assert run.rc == 0, run.output
    assert [i["id"] for i in run.result("info")["deleted_items"]] == [QUOTED["id"]]
    sent = dict(lists(emulator)[0]["query"])["$filter"]
    assert sent == "displayName eq 'Siobhan O''Brien'"


def test_a_value_can_not_change_the_query(playbook, emulator):
    run = playbook.run([info_task(display_name="x' or startswith(displayName,'")])

    assert run.rc == 0, run.output
    assert run.result("info")["deleted_items"] == []


def test_a_deleted_user_is_found_by_the_upn_it_had_with_an_advanced_query(playbook, emulator):
    run = playbook.run([info_task(user_principal_name=ALICE["userPrincipalName"])])

    assert run.rc == 0, run.output
    [item] = run.result("info")["deleted_items"]
    assert item["id"] == ALICE["id"]
    assert item["user_principal_name"] == ALICE["id"].replace("-", "") + ALICE["userPrincipalName"]
    [request] = lists(emulator)
    assert request["path"].endswith("microsoft.graph.user")
    assert request["consistency_level"] == "eventual"
    assert dict(request["query"])["$count"] == "true"


def test_age_selectors_are_computed_in_utc_whatever_the_time_zone(playbook, emulator):
    cutoff = (datetime.now(timezone.utc) - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    tasks = [
        info_task(older_than_days=6),
        {"name": "before", INFO: {"deleted_before": cutoff}, "register": "before"},
    ]

    run = playbook.run(tasks, env={"TZ": "Pacific/Kiritimati"})

    assert run.rc == 0, run.output
    older = {i["id"] for i in run.result("info")["deleted_items"]}
    expected = {o["id"] for o in ALL_DELETED if o["deleted_days_ago"] > 6}
    assert older == expected
    assert {i["id"] for i in run.result("before")["deleted_items"]} == expected
    days = {i["id"]: i["days_since_deletion"] for i in run.result("info")["deleted_items"]}
    assert days[BOB["id"]] == 10


def test_an_empty_bin_is_an_empty_list(playbook, emulator, secret):
    seed = test_seed(secret)
    seed["tenants"][0]["objects"] = [
        o for o in seed["tenants"][0]["objects"] if "deleted_days_ago" not in o or o["deleted_days_ago"] is None
    ]
    emulator.reset(seed)

    run = playbook.run([info_task()])

    assert run.rc == 0, run.output
    assert run.result("info")["deleted_items"] == []


def test_one_item_by_id_and_an_id_not_in_the_bin(playbook, emulator):
    run = playbook.run(
        [
            info_task(id=BOB["id"]),
            {"name": "gone", INFO: {"id": "12345678-1234-4234-8234-123456789abc"}, "register": "gone"},
        ]
    )

    assert run.rc == 0, run.output
    assert [i["id"] for i in run.result("info")["deleted_items"]] == [BOB["id"]]
    assert run.result("gone")["deleted_items"] == []


def test_owned_deleted_objects_and_the_thousand_item_cap(playbook, emulator, secret):
    emulator.reset(bulk_seed(secret, apps=1000, owned_apps=1000))

    run = playbook.run([info_task(owner_id=OWNER["id"])])

    assert run.rc == 0, run.output
    result = run.result("info")
    assert len(result["deleted_items"]) == 1000
    assert {i["object_type"] for i in result["deleted_items"]} == {"application"}
    assert any("1000" in w and "limit" in w for w in result["warnings"])
    posts = [r for r in emulator.requests("graph") if r["path"].endswith("getUserOwnedObjects")]
    assert len(posts) == 2  # groups and applications


def test_selectors_that_do_not_fit_the_type_fail_before_any_request(playbook, emulator):
    run = playbook.run([info_task(object_type=["group"], app_id=OLD_APP["appId"])])

    assert run.rc != 0
    assert "app_id applies only to object_type application or service_principal" in run.result("info")["msg"]
    assert emulator.requests() == []


def test_a_bad_date_names_the_option(playbook, emulator):
    run = playbook.run([info_task(deleted_before="last tuesday")])

    assert run.rc != 0
    assert run.result("info")["msg"].startswith("deleted_before must be an ISO 8601 date")
    assert emulator.requests() == []


def test_a_raw_filter_is_and_ed_with_the_selectors(playbook, emulator):
    run = playbook.run([info_task(object_type=["user"], filter="startswith(displayName,'Bob')", older_than_days=1)])

    assert run.rc == 0, run.output
    assert [i["id"] for i in run.result("info")["deleted_items"]] == [BOB["id"]]
    assert dict(lists(emulator)[0]["query"])["$filter"] == "(startswith(displayName,'Bob'))"


def test_items_leave_the_bin_for_good_thirty_days_after_deletion(playbook, emulator):
    # Bob was deleted 10 days ago and Alice 3 days ago: 22 days on, only Alice is still in the bin.
    emulator.clock.advance(days=22)

    run = playbook.run([info_task(object_type=["user"])])

    assert run.rc == 0, run.output
    [alice] = run.result("info")["deleted_items"]
    assert alice["id"] == ALICE["id"]
    assert alice["days_since_deletion"] == 3  # the module counts by its own clock, which did not move
