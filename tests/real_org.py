#!/usr/bin/env python3
"""What the real-org test (17_real_org) needs from an emulator, printed as short deterministic
lines; the emulator is $SF_EMULATOR_URL unless --url URL comes first.

  real_org.py [--url URL] expected-nul FILE        Invoice__c records whose Memo__c holds U+0000:
                                                   CSV (id, memo without it) to FILE; prints count
  real_org.py [--url URL] expected-exponents FILE  Account records whose AnnualRevenue the API
                                                   writes with an exponent (1.2E7): CSV (id, exact
                                                   plain value) to FILE; prints whether any
  real_org.py [--url URL] expected-decimals FILE   Opportunity amounts with more decimals than the
                                                   field's scale (2): CSV (id, amount) to FILE
  real_org.py [--url URL] stat KEY                 one value of /__emulator/stats
  real_org.py [--url URL] grant REFRESH_TOKEN      a refresh-token grant: ok, or the OAuth error
  real_org.py [--url URL] long-request BYTES       a GET whose request line is BYTES long: status
                                                   and content type of the answer
  real_org.py [--url URL] statuses                 status of each logged query request, in order,
                                                   runs of the same status collapsed (200 x3)
  real_org.py [--url URL] fail-next-job MESSAGE    the next Bulk job created ends Failed
  real_org.py [--url URL] fault-after K STATUS [KIND]   after K requests, one fails with STATUS
  real_org.py [--url URL] request-summary          each kind of API request (version, ids and
                                                   query string masked) with how often it came
  real_org.py [--url URL] jobs-left OBJECT         how many Bulk query jobs on OBJECT still exist
  real_org.py [--url URL] request-count            how many API requests the log holds
  real_org.py [--url URL] paths                    the API version of each logged request path
  real_org.py [--url URL] rename-account ID NAME   PATCH an Account's Name (REST, as a user would)
  real_org.py [--url URL] converted-order-differs  whether Salesforce's ORDER BY Amount DESC LIMIT 5
                                                   (by converted amount) differs from the five
                                                   largest raw amounts
"""
import csv
import decimal
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

ARGS = sys.argv[1:]
if ARGS[:1] == ["--url"]:
    BASE = ARGS[1].rstrip("/")
    ARGS = ARGS[2:]
else:
    BASE = os.environ["SF_EMULATOR_URL"].rstrip("/")


def call(method, path, body=None, form=None, headers=None):
    data = None
    request_headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        request_headers["Content-Type"] = "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        request_headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=request_headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def dump(obj):
    """The emulator's own records, numbers kept as the text it writes."""
    _, _, body = call("GET", "/__emulator/dump/" + obj)
    return json.loads(body, parse_float=lambda text: ("float", text), parse_int=lambda text: ("int", text))


def records_of(dumped):
    return dumped["records"] if isinstance(dumped, dict) else dumped


def token():
    _, _, body = call("POST", "/services/oauth2/token", form={
        "grant_type": "refresh_token", "client_id": "sf-emulator-client",
        "client_secret": "sf-emulator-secret", "refresh_token": "sf-emulator-refresh"})
    return json.loads(body)["access_token"]


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def main():
    command = ARGS[0]
    if command == "expected-nul":
        rows = [(r["Id"], r["Memo__c"].replace("\0", ""))
                for r in records_of(dump("Invoice__c")) if "\0" in (r.get("Memo__c") or "")]
        write_csv(ARGS[1], rows)
        print(f"{len(rows) > 0}: records with NUL in Memo__c")
    elif command == "expected-exponents":
        rows = []
        for r in records_of(dump("Account")):
            value = r.get("AnnualRevenue")
            if isinstance(value, tuple) and "E" in value[1].upper():
                rows.append((r["Id"], format(decimal.Decimal(value[1]), "f")))
        write_csv(ARGS[1], rows)
        print(f"{len(rows) > 0}: AnnualRevenue values written with an exponent")
    elif command == "expected-decimals":
        rows = []
        for r in records_of(dump("Opportunity")):
            value = r.get("Amount")
            if isinstance(value, tuple):
                exact = decimal.Decimal(value[1])
                if exact != exact.quantize(decimal.Decimal("0.01")):
                    rows.append((r["Id"], format(exact, "f")))
        write_csv(ARGS[1], rows)
        print(f"{len(rows) > 0}: amounts with more than 2 decimals")
    elif command == "stat":
        _, _, body = call("GET", "/__emulator/stats")
        print(json.loads(body).get(ARGS[1]))
    elif command == "grant":
        status, _, body = call("POST", "/services/oauth2/token", form={
            "grant_type": "refresh_token", "client_id": "sf-emulator-client",
            "client_secret": "sf-emulator-secret", "refresh_token": ARGS[1]})
        print("ok" if status == 200 else json.loads(body).get("error"))
    elif command == "long-request":
        path = "/services/data/v66.0/query?q=" + "x" * (int(ARGS[1]) - 40)
        status, headers, _ = call("GET", path)
        print(status, (headers.get("Content-Type") or "").split(";")[0])
    elif command == "statuses":
        _, _, body = call("GET", "/__emulator/requests")
        runs = []
        for entry in json.loads(body):
            if "/query" not in entry["path"]:
                continue
            status = entry["status"]
            if runs and runs[-1][0] == status:
                runs[-1][1] += 1
            else:
                runs.append([status, 1])
        print(" ".join(f"{s} x{n}" if n > 1 else str(s) for s, n in runs))
    elif command == "fail-next-job":
        call("POST", "/__emulator/bulk/fail-next", body={"count": 1, "error_message": ARGS[1]})
    elif command == "fault-after":
        body = {"after": int(ARGS[1]), "status": int(ARGS[2]), "count": 1}
        if len(ARGS) > 3:
            body["kind"] = ARGS[3]
        call("POST", "/__emulator/faults/after", body=body)
    elif command == "converted-order-differs":
        soql = "SELECT Id FROM Opportunity WHERE Amount != null ORDER BY Amount DESC NULLS LAST LIMIT 5"
        _, _, body = call("GET", "/services/data/v66.0/query?" + urllib.parse.urlencode({"q": soql}),
                          headers={"Authorization": "Bearer " + token()})
        by_salesforce = [r["Id"] for r in json.loads(body)["records"]]
        amounts = [(decimal.Decimal(r["Amount"][1]), r["Id"]) for r in records_of(dump("Opportunity"))
                   if isinstance(r.get("Amount"), tuple)]
        largest = [i for _, i in sorted(amounts, reverse=True)[:5]]
        print(f"{by_salesforce != largest}: Salesforce's ORDER BY Amount differs from the largest numbers")
    elif command == "rename-account":
        status, _, _ = call("PATCH", "/services/data/v66.0/sobjects/Account/" + ARGS[1],
                            body={"Name": ARGS[2]}, headers={"Authorization": "Bearer " + token()})
        print("renamed" if status == 204 else f"HTTP {status}")
    elif command == "request-summary":
        import re
        _, _, body = call("GET", "/__emulator/requests")
        counts = {}
        for entry in json.loads(body):
            path = entry["path"].split("?")[0]
            if not path.startswith("/services/data/v"):
                continue
            path = re.sub(r"/v\d+\.\d+/", "/vNN.N/", path)
            path = re.sub(r"\b750[0-9A-Za-z]{15}\b", "<job>", path)
            key = f"{entry['method']} {path} {entry['status']}"
            counts[key] = counts.get(key, 0) + 1
        for key in sorted(counts):
            print(f"{counts[key]} x {key}")
    elif command == "jobs-left":
        _, _, body = call("GET", "/services/data/v66.0/jobs/query",
                          headers={"Authorization": "Bearer " + token()})
        jobs = [j for j in json.loads(body)["records"] if j.get("object") == ARGS[1]]
        print(f"{len(jobs)} {ARGS[1]} jobs left")
    elif command == "request-count":
        _, _, body = call("GET", "/__emulator/requests")
        print(f"{len(json.loads(body))} requests")
    elif command == "paths":
        _, _, body = call("GET", "/__emulator/requests")
        versions = []
        for entry in json.loads(body):
            parts = entry["path"].split("/")
            if len(parts) > 3 and parts[1] == "services" and parts[2] == "data":
                version = parts[3].split("?")[0]
                if not versions or versions[-1] != version:
                    versions.append(version)
        print(" ".join(versions))
    else:
        sys.exit(f"unknown command {command}")


main()
