# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark scenario 4, the floor: the fewest requests that purge every deleted user of a tenant.

One token request (client credentials), the typed list of the bin 999 a page, then DELETEs 20 to a $batch
with 4 batches in flight, as the module sends them. No retries, no lookups, no checks: this is what the
module's bulk path is measured against, not a tool. Prints one JSON line with what it did.

The client secret comes from GRAPHOPS_BENCH_SECRET, never from the command line.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import resource
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import requests

BATCH_SIZE = 20
CONCURRENCY = 4
PAGE_SIZE = 999
TIMEOUT = 30


class Client:
    """One requests.Session per thread, pinned to the emulator's CA, counting what it sends."""

    def __init__(self, ca_path):
        self.ca_path = ca_path
        self.local = threading.local()
        self.lock = threading.Lock()
        self.sent = 0

    def session(self):
        session = getattr(self.local, "session", None)
        if session is None:
            session = requests.Session()
            # No proxy and no CA bundle from the environment: the emulator's CA, on loopback.
            session.trust_env = False
            self.local.session = session
        return session

    def send(self, method, url, **kwargs):
        with self.lock:
            self.sent += 1
        response = self.session().request(method, url, verify=self.ca_path, timeout=TIMEOUT, **kwargs)
        response.raise_for_status()
        return response


def purge_all(client, authority, graph, tenant, client_id, secret, expect):
    token = client.send(
        "POST",
        "%s/%s/oauth2/v2.0/token" % (authority, tenant),
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "%s/.default" % graph,
        },
    ).json()["access_token"]
    headers = {"Authorization": "Bearer %s" % token}

    ids = []
    url = "%s/v1.0/directory/deletedItems/microsoft.graph.user?$top=%d&$select=id" % (graph, PAGE_SIZE)
    pages = 0
    # Bounded: never more pages than the expected count needs, plus one.
    while url and pages < expect // PAGE_SIZE + 2:
        pages += 1
        page = client.send("GET", url, headers=headers).json()
        ids.extend(item["id"] for item in page.get("value", []))
        url = page.get("@odata.nextLink")
        if url and urlsplit(url).netloc != urlsplit(graph).netloc:
            raise SystemExit("refusing a next link to another host")

    def run(chunk):
        body = {
            "requests": [
                {"id": str(index), "method": "DELETE", "url": "/directory/deletedItems/%s" % object_id}
                for index, object_id in enumerate(chunk)
            ]
        }
        answer = client.send("POST", "%s/v1.0/$batch" % graph, json=body, headers=headers).json()
        return [inner.get("status") for inner in answer.get("responses", [])]

    chunks = [ids[i : i + BATCH_SIZE] for i in range(0, len(ids), BATCH_SIZE)]
    statuses = []
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        for result in pool.map(run, chunks):
            statuses.extend(result)
    return len(ids), statuses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--authority", required=True, help="the sign-in endpoint (the emulator's URL)")
    parser.add_argument("--graph", required=True, help="the Graph endpoint (the emulator's URL)")
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--ca", required=True, help="the CA that signs the endpoints' certificates")
    parser.add_argument("--expect", type=int, required=True, help="how many items the bin holds")
    args = parser.parse_args(argv)
    for url in (args.authority, args.graph):
        if not (urlsplit(url).hostname or "").startswith("127."):
            raise SystemExit("the floor script only talks to a loopback emulator, not %s" % url)

    client = Client(args.ca)
    started = time.monotonic()
    listed, statuses = purge_all(
        client,
        args.authority.rstrip("/"),
        args.graph.rstrip("/"),
        args.tenant,
        args.client_id,
        os.environ["GRAPHOPS_BENCH_SECRET"],
        args.expect,
    )
    work = time.monotonic() - started
    purged = sum(1 for status in statuses if status == 204)
    report = {
        "listed": listed,
        "purged": purged,
        "failed": len(statuses) - purged,
        "requests": client.sent,
        "work_seconds": round(work, 4),
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    print(json.dumps(report))
    return 0 if purged == listed else 1


if __name__ == "__main__":
    sys.exit(main())
