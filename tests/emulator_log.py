#!/usr/bin/env python3
"""Prints what the emulator received, for the SQL regression tests (psql's \\! runs it).

  emulator_log.py reset        forget the request log; first appends every SOQL of the log, one
                               JSON string per line, to $SF_TEST_TMP/all-soql.jsonl (when set),
                               so the suite can check all SOQL it sent (99_soql_check)
  emulator_log.py collect      the same append, keeping the log
  emulator_log.py queries      a JSON array, one object per query request: soql, records (the
                               records returned by it and all its next-page requests), pages
  emulator_log.py soql         one line per query request: endpoint and decoded SOQL;
                               page requests are counted, not printed
  emulator_log.py dump OBJECT FILE   save the emulator's own copy of OBJECT's records to FILE,
                               without NUL characters (U+0000: Postgres cannot hold them, and
                               the FDW drops them as Salesforce clients do)
  emulator_log.py expire       expire every issued session
  emulator_log.py pages        one line per Bulk results page asked for (by its first record,
                               from the locator): how often, and how many of its bodies the
                               emulator cut off (drop_results_body_after_bytes)
  emulator_log.py settle       waits up to 5 s for no request in flight, then prints the
                               requests in flight and the Bulk jobs left
"""
import base64
import json
import re
import os
import sys
import time
import urllib.request

BASE = os.environ["SF_EMULATOR_URL"]


def call(method, path):
    request = urllib.request.Request(BASE + path, method=method)
    with urllib.request.urlopen(request) as response:
        return response.read()


def without_nul_escapes(data):
    """JSON text without its \\u0000 escapes (an escaped backslash before "u0000" is kept)."""
    out = bytearray()
    i = 0
    while i < len(data):
        if data[i] == 0x5C:
            if data[i + 1:i + 6] == b"u0000":
                i += 6
                continue
            out += data[i:i + 2]
            i += 2
            continue
        out.append(data[i])
        i += 1
    return bytes(out)


def collect_soql():
    """Appends the SOQL of every logged query request to $SF_TEST_TMP/all-soql.jsonl."""
    tmp = os.environ.get("SF_TEST_TMP")
    if not tmp:
        return
    entries = json.loads(call("GET", "/__emulator/requests"))
    path = os.path.join(tmp, "all-soql.jsonl")
    with open(path, "a", encoding="utf-8") as f:
        for entry in entries:
            if entry.get("soql"):
                f.write(json.dumps(entry["soql"], ensure_ascii=False) + "\n")


def queries():
    """Query requests with the records they returned, next pages included."""
    entries = json.loads(call("GET", "/__emulator/requests"))
    result = []
    for entry in entries:
        path = entry["path"].split("?")[0]
        if entry.get("soql"):
            result.append({"soql": entry["soql"], "records": entry.get("records") or 0, "pages": 1})
        elif ("/query/" in path or "/queryAll/" in path) and result:
            result[-1]["records"] += entry.get("records") or 0
            result[-1]["pages"] += 1
    return result


def main(argv):
    command = argv[1]
    if command == "reset":
        collect_soql()
        call("DELETE", "/__emulator/requests")
    elif command == "collect":
        collect_soql()
    elif command == "queries":
        print(json.dumps(queries(), ensure_ascii=False))
    elif command == "soql":
        entries = json.loads(call("GET", "/__emulator/requests"))
        pages = 0
        for entry in entries:
            path = entry["path"].split("?")[0]
            if entry.get("soql"):
                if "/jobs/query" in path:
                    endpoint = "bulk job"
                else:
                    endpoint = "queryAll" if "/queryAll" in path else "query"
                print(f"{endpoint}: {entry['soql']}")
            elif "/query/" in path or "/queryAll/" in path:
                pages += 1
        print(f"next-page requests: {pages}")
    elif command == "requests":
        # Every API request: method, path (version and job ids masked), records returned;
        # repeats in a row (job status polls, whose number depends on timing) shown once.
        previous = None
        for entry in json.loads(call("GET", "/__emulator/requests")):
            path = entry["path"].split("?")[0]
            if not path.startswith("/services/data/v"):
                continue
            path = re.sub(r"/v\d+\.\d+/", "/vNN.N/", path)
            path = re.sub(r"\b750[0-9A-Za-z]{15}\b", "<job>", path)
            path = re.sub(r"/(query|queryAll)/[0-9A-Za-z]+-\d+$", r"/\1/<cursor>", path)
            records = entry.get("records")
            suffix = f" ({records} records)" if records is not None else ""
            line = f"{entry['method']} {path} {entry['status']}{suffix}"
            if line != previous:
                print(line)
            previous = line
    elif command == "dump":
        data = without_nul_escapes(call("GET", f"/__emulator/dump/{argv[2]}?include_deleted=false"))
        with open(argv[3], "wb") as f:
            f.write(data)
        os.chmod(argv[3], 0o644)
    elif command == "pages":
        asked, cut = {}, {}
        for entry in json.loads(call("GET", "/__emulator/requests")):
            if not re.search(r"/jobs/query/[^/]+/results$", entry["path"]):
                continue
            locator = entry.get("locator") or ""
            first = int(base64.b64decode(locator + "=" * (-len(locator) % 4))) if locator else 0
            asked[first] = asked.get(first, 0) + 1
            cut[first] = cut.get(first, 0) + (entry.get("body_cut_after") is not None)
        for first in sorted(asked):
            print(f"page from record {first}: asked for {asked[first]} times, cut off {cut[first]} times")
    elif command == "settle":
        for _ in range(100):
            stats = json.loads(call("GET", "/__emulator/stats"))
            if stats["requestsInFlight"] == 0 and stats["bulkJobs"] == 0:
                break
            time.sleep(0.05)
        print(f"requests in flight: {stats['requestsInFlight']} / Bulk jobs left: {stats['bulkJobs']}")
    elif command == "expire":
        call("POST", "/__emulator/expire-sessions")
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
