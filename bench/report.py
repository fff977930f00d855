# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The benchmark's outputs: results.json, the table (printed and in table.txt) and bench.png."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

LABELS = {
    "bulk": "1 bulk: one graph_deleted_item task",
    "task_loop": "2 graph_deleted_item in a loop",
    "uri_loop": "3 uri: token + loop of DELETE",
    "floor": "4 floor: plain script",
    "throttled": "1 bulk under a write quota",
    "single_tasks": "single tasks, side by side",
}


SHORT = {
    "bulk": "1 bulk",
    "task_loop": "2 task loop",
    "uri_loop": "3 uri loop",
    "floor": "4 floor",
    "throttled": "1 bulk\nquota",
}
ORDER = ("bulk", "task_loop", "uri_loop", "floor", "throttled")


def find(results, scenario, n=None):
    """The run of a scenario (at N, when given), or None."""
    for run in results["runs"]:
        if run["scenario"] == scenario and n in (None, run["n"]):
            return run
    return None


def ratio(a, b):
    if not a or not b or a.get("seconds") is None or b.get("seconds") is None or not b["seconds"]:
        return None
    return a["seconds"] / b["seconds"]


def sizes(results, scenario):
    return sorted(set(r["n"] for r in results["runs"] if r["scenario"] == scenario))


def targets(results):
    """Each target with its measured value and whether it is met; None where the run is missing."""
    small = min(sizes(results, "uri_loop") or sizes(results, "bulk") or [0])
    large = max(sizes(results, "bulk") or [0])
    medium = max([n for n in sizes(results, "floor") if n < large] or [0])
    bulk_small = find(results, "bulk", small)
    rows = []

    def add(name, value, goal, met, unit="x"):
        rows.append({"target": name, "measured": value, "goal": goal, "met": met, "unit": unit})

    value = ratio(find(results, "uri_loop", small), bulk_small)
    add("uri loop / bulk at N=%d (3/1)" % small, value, ">= 100x", value is not None and value >= 100)
    value = ratio(find(results, "task_loop", small), bulk_small)
    add("task loop / bulk at N=%d (2/1)" % small, value, ">= 50x", value is not None and value >= 50)
    value = ratio(bulk_small, find(results, "floor", small))
    add("bulk / floor at N=%d (1/4)" % small, value, "reported", None)
    bulk_medium, floor_medium = find(results, "bulk", medium), find(results, "floor", medium)
    value = ratio(bulk_medium, floor_medium)
    add("bulk / floor at N=%d (1/4)" % medium, value, "<= 1.3x", value is not None and value <= 1.3)
    value = None
    if bulk_medium and floor_medium and bulk_medium.get("module_seconds") and floor_medium.get("seconds"):
        value = bulk_medium["module_seconds"] / floor_medium["seconds"]
    add("  the bulk task's worker process alone / floor at N=%d" % medium, value, "reported", None)
    value = ratio(find(results, "bulk", large), find(results, "floor", large))
    if value is not None:
        add("bulk / floor at N=%d (1/4)" % large, value, "reported", None)

    throttled = find(results, "throttled")
    if throttled:
        quota = throttled["quota"]
        # The bucket starts full, then refills at capacity / per_seconds writes a second.
        minimum = max(0.0, throttled["n"] - quota["capacity"]) * quota["per_seconds"] / quota["capacity"]
        throttled["quota_minimum_seconds"] = minimum
        value = throttled["seconds"] / minimum if minimum and throttled["seconds"] else None
        add(
            "throttled bulk at N=%d / quota minimum %.1f s (%d failed)"
            % (throttled["n"], minimum, throttled["failed_items"]),
            value,
            "<= 1.2x, 0 failed",
            value is not None and value <= 1.2 and throttled["failed_items"] == 0 and throttled["left_in_bin"] == 0,
        )
    big = find(results, "bulk", large)
    value = big["peak_rss_mb"] if big else None
    add(
        "bulk peak memory at N=%d (process running the module)" % large,
        value,
        "< 150 MB",
        value is not None and value < 150,
        "MB",
    )
    single = find(results, "single_tasks") or {}
    uri = single.get("uri_delete_task_seconds")
    value = single["single_id_task_seconds"] / uri if uri and single.get("single_id_task_seconds") else None
    add("single-id purge task / uri DELETE task", value, "<= 1.5x", value is not None and value <= 1.5)
    value = (
        single["single_id_cached_task_seconds"] / uri if uri and single.get("single_id_cached_task_seconds") else None
    )
    add("  the same, with token_cache_path (token in hand)", value, "reported", None)
    return rows


def fmt(value, unit="", digits=2):
    if value is None:
        return "-"
    return ("%." + str(digits) + "f%s") % (value, unit)


def table(results):
    meta = results["meta"]
    lines = [
        "graphops.directory benchmark: %g ms round trip per request, write quota %d per %g s for the throttled run,"
        % (meta["latency_ms"], meta["quota"]["capacity"], meta["quota"]["per_seconds"]),
        "%d CPUs, Python %s, ansible-core %s, commit %s%s; make bench took %.0f s"
        % (
            meta["cpus"],
            meta["python"],
            meta["ansible_core"],
            meta["source"]["commit"],
            " (plugins/ modified)" if meta["source"]["plugins_changed_since_commit"] else "",
            meta["bench_seconds"],
        ),
        "",
        "%-38s %6s %9s %9s %9s %7s %9s %4s"
        % ("scenario", "N", "time s", "in proc s", "requests", "inner", "peak MB", "ok"),
    ]
    for run in results["runs"]:
        if run["scenario"] == "single_tasks":
            continue
        stats = run["requests"]
        lines.append(
            "%-38s %6d %9s %9s %9d %7d %9s %4s"
            % (
                LABELS.get(run["scenario"], run["scenario"]),
                run["n"],
                fmt(run["seconds"]),
                fmt(run.get("module_seconds")),
                stats["http_requests"],
                stats["inner_requests"],
                fmt(run["peak_rss_mb"], digits=1),
                "yes" if run["ok"] else "NO",
            )
        )
    single = find(results, "single_tasks")
    if single:
        lines += ["", "one task each, taken in turns (median of %d):" % len(single["single_id_task_all"])]
        for key, label in (
            ("single_id", "graph_deleted_item, id: (signs in)"),
            ("uri_delete", "uri DELETE (token already in hand)"),
            ("single_id_cached", "graph_deleted_item, id:, token_cache_path"),
        ):
            lines.append(
                "  %-44s task %s s: before the %s %s s, in it %s s, after it %s s; first task %s s"
                % (
                    label,
                    fmt(single.get(key + "_task_seconds"), digits=3),
                    "/".join(single.get(key + "_ran_in") or ["module process"]),
                    fmt(single.get(key + "_before_module_seconds"), digits=3),
                    fmt(single.get(key + "_module_process_seconds"), digits=3),
                    fmt(single.get(key + "_after_module_seconds"), digits=3),
                    fmt(single.get(key + "_first_task_seconds"), digits=3),
                )
            )
    lines += ["", "%-58s %10s %18s  %s" % ("target", "measured", "goal", "")]
    for row in results["targets"]:
        verdict = "reported" if row["met"] is None else ("met" if row["met"] else "MISSED")
        digits = 1 if row["unit"] == "MB" else 2
        measured = fmt(row["measured"], " MB" if row["unit"] == "MB" else "x", digits)
        lines.append("%-58s %10s %18s  %s" % (row["target"], measured, row["goal"], verdict))
    for skipped in results.get("skipped", []):
        lines.append("skipped: %s at N=%d (%s)" % (skipped["scenario"], skipped["n"], skipped["why"]))
    lines += [
        "",
        "in proc s: time inside the processes that ran the module code: module processes (AnsiballZ), or the",
        "worker process ansible-playbook forked for the task when the module ran inside it. peak MB: of those",
        "processes (a worker's includes the ansible-playbook it was forked from), or of the script.",
    ]
    return "\n".join(lines) + "\n"


def chart(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [r for r in results["runs"] if r["scenario"] in ORDER and r.get("seconds")]
    runs.sort(key=lambda r: (r["scenario"] == "throttled", r["n"], ORDER.index(r["scenario"])))
    labels = ["%s\nN=%d" % (SHORT[r["scenario"]], r["n"]) for r in runs]
    colors = {
        "bulk": "#2b6cb0",
        "throttled": "#90cdf4",
        "task_loop": "#dd6b20",
        "uri_loop": "#c53030",
        "floor": "#718096",
    }
    figure, axes = plt.subplots(1, 3, figsize=(18, 5.5))
    panels = (
        ("duration of the purge (s, log scale)", [r["seconds"] for r in runs], True),
        ("HTTP requests received (log scale)", [r["requests"]["http_requests"] for r in runs], True),
        ("peak memory of the process running the module, or the script (MB)", [r["peak_rss_mb"] for r in runs], False),
    )
    for axis, (title, values, log) in zip(axes, panels):
        bars = axis.bar(range(len(runs)), values, color=[colors.get(r["scenario"], "#999") for r in runs])
        axis.set_title(title, fontsize=10)
        axis.set_xticks(range(len(runs)))
        axis.set_xticklabels(labels, fontsize=7)
        if log:
            axis.set_yscale("log")
        for patch, value in zip(bars, values):
            axis.annotate(
                ("%.3g" % value) if isinstance(value, float) else str(value),
                (patch.get_x() + patch.get_width() / 2, patch.get_height()),
                ha="center",
                va="bottom",
                fontsize=7,
            )
    meta = results["meta"]
    figure.suptitle(
        "graphops.directory purge benchmark: %g ms per request, %d CPUs (1 bulk, 2 task loop, 3 uri loop, 4 floor)"
        % (meta["latency_ms"], meta["cpus"]),
        fontsize=11,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_outputs(results, out):
    os.makedirs(out, exist_ok=True)
    results["targets"] = targets(results)
    text = table(results)
    print("\n" + text, flush=True)
    with open(os.path.join(out, "table.txt"), "w") as handle:
        handle.write(text)
    with open(os.path.join(out, "results.json"), "w") as handle:
        json.dump(results, handle, indent=2, default=str)
    try:
        chart(results, os.path.join(out, "bench.png"))
    except ImportError as exc:
        print("no chart: %s (make venv installs matplotlib)" % exc)
