#!/usr/bin/env python3
"""Counts the API requests the emulator received since its log was reset, for the SQL tests.

  request_counts.py OBJECT MAX   prints: the Bulk jobs created, the REST queries of OBJECT by
                                 key (`WHERE id = ...`) and whole (no WHERE), and whether all
                                 data requests together were at most MAX (planning's describe
                                 and recordCount included; job polls vary with timing, so the
                                 total is only bounded)
"""
import json
import os
import sys
import urllib.request


def main():
    obj, most = sys.argv[1], int(sys.argv[2])
    with urllib.request.urlopen(os.environ["SF_EMULATOR_URL"] + "/__emulator/requests") as response:
        log = json.load(response)
    data = [e for e in log if e["path"].startswith("/services/data/v")]
    jobs = sum(1 for e in data if e["method"] == "POST" and e["path"].split("?")[0].endswith("/jobs/query"))
    by_key = whole = 0
    for entry in data:
        # REST queries (GET .../query), not Bulk jobs (POST .../jobs/query)
        if entry["method"] != "GET" or not entry["path"].split("?")[0].endswith("/query"):
            continue
        soql = entry.get("soql") or ""
        if f" FROM {obj} WHERE id = " in soql:
            by_key += 1
        elif soql.endswith(f" FROM {obj}"):
            whole += 1
    print(f"{jobs} Bulk job, {by_key} queries by key, {whole} whole REST reads; "
          f"{'at most' if len(data) <= most else 'MORE than'} {most} requests in all")


if __name__ == "__main__":
    main()
