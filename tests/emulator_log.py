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
"""
import json
import re
import os
import sys
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
    elif command == "expire":
        call("POST", "/__emulator/expire-sessions")
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
