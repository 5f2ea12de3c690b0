#!/usr/bin/env python3
"""Prints what the emulator received, for the SQL regression tests (psql's \\! runs it).

  emulator_log.py reset        forget the request log
  emulator_log.py soql         one line per query request: endpoint and decoded SOQL;
                               page requests are counted, not printed
  emulator_log.py dump OBJECT FILE   save the emulator's own copy of OBJECT's records to FILE
  emulator_log.py expire       expire every issued session
"""
import json
import os
import sys
import urllib.request

BASE = os.environ["SF_EMULATOR_URL"]


def call(method, path):
    request = urllib.request.Request(BASE + path, method=method)
    with urllib.request.urlopen(request) as response:
        return response.read()


def main(argv):
    command = argv[1]
    if command == "reset":
        call("DELETE", "/__emulator/requests")
    elif command == "soql":
        entries = json.loads(call("GET", "/__emulator/requests"))
        pages = 0
        for entry in entries:
            path = entry["path"].split("?")[0]
            if entry.get("soql"):
                endpoint = "queryAll" if "/queryAll" in path else "query"
                print(f"{endpoint}: {entry['soql']}")
            elif "/query/" in path or "/queryAll/" in path:
                pages += 1
        print(f"next-page requests: {pages}")
    elif command == "dump":
        data = call("GET", f"/__emulator/dump/{argv[2]}?include_deleted=false")
        with open(argv[3], "wb") as f:
            f.write(data)
        os.chmod(argv[3], 0o644)
    elif command == "expire":
        call("POST", "/__emulator/expire-sessions")
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
