#!/usr/bin/env python3
"""Changes the emulator's data for the snapshot tests (20-23_snapshot_*), through its REST API.

Run by psql's \\! or by the server (COPY ... FROM PROGRAM); the emulator's base URL comes from
$SF_EMULATOR_URL. Every command prints one short deterministic line (or nothing).

  sf_writes.py round N [DUMP_FILE]   seeded random inserts, updates and deletes on Opportunity
                                     (seed N: the same N gives the same changes on the same data);
                                     then, with DUMP_FILE, saves the live records there and
                                     all records, recycle bin included, to DUMP_FILE.all
  sf_writes.py dump OBJECT FILE      saves OBJECT's live records (the emulator's own copy) to FILE
  sf_writes.py update ID JSON        PATCH one Opportunity
  sf_writes.py delete ID             DELETE one Opportunity (to the recycle bin)
  sf_writes.py backdate ID JSON      POST /__emulator/backdate: set audit fields (a late commit)
  sf_writes.py purge                 empty Opportunity's recycle bin
  sf_writes.py fault-after K STATUS COUNT   after K more API calls, fail COUNT calls with STATUS
                                     (0 = dropped connection)
  sf_writes.py faults JSON           PUT /__emulator/faults (latency_ms, error_rate, drop_rate,
                                     expire_every, seed)
  sf_writes.py faults-clear          remove every injected fault (DELETE /__emulator/faults)
  sf_writes.py expire                expire every session
  sf_writes.py api-usage N           set the API usage counter (N >= limit: REQUEST_LIMIT_EXCEEDED)
"""
import json
import os
import random
import sys
import urllib.parse
import urllib.request

BASE = os.environ["SF_EMULATOR_URL"].rstrip("/")
API = "/services/data/v62.0"
STAGES = ["Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
          "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
          "Negotiation/Review", "Closed Won", "Closed Lost"]
_token = None


def call(method, path, body=None, auth=False, form=None):
    global _token
    headers = {}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if auth:
        if _token is None:
            _token = json.loads(call("POST", "/services/oauth2/token", form={
                "grant_type": "refresh_token", "client_id": "sf-emulator-client",
                "client_secret": "sf-emulator-secret", "refresh_token": "sf-emulator-refresh",
            }))["access_token"]
        headers["Authorization"] = "Bearer " + _token
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.read()
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path}: HTTP {e.code}: {e.read().decode(errors='replace')}")


def dump(obj, path, include_deleted=False):
    flag = "true" if include_deleted else "false"
    data = call("GET", f"/__emulator/dump/{obj}?include_deleted={flag}")
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o644)


def random_fields(rng):
    fields = {}
    for name in rng.sample(["Amount", "StageName", "Description", "NextStep", "CloseDate", "Name",
                            "TotalOpportunityQuantity", "LeadSource", "Type"], rng.randint(1, 3)):
        if name == "Amount":
            fields[name] = None if rng.random() < 0.15 else round(rng.uniform(0, 500000), 2)
        elif name == "StageName":
            fields[name] = rng.choice(STAGES)
        elif name == "Description":
            fields[name] = None if rng.random() < 0.2 else rng.choice(
                ["Renewal", "Upsell: 'gold' tier", "Zürich office \\ 東京", "line1\nline2", "50% off"])
        elif name == "NextStep":
            fields[name] = None if rng.random() < 0.3 else f"Call #{rng.randint(1, 99)}"
        elif name == "CloseDate":
            fields[name] = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        elif name == "Name":
            fields[name] = f"Deal {rng.randint(1, 10**6)}"
        elif name == "TotalOpportunityQuantity":
            fields[name] = None if rng.random() < 0.3 else rng.randint(1, 500)
        elif name == "LeadSource":
            fields[name] = rng.choice(["Web", "Phone Inquiry", "Partner Referral", "Other", None])
        elif name == "Type":
            fields[name] = rng.choice(["New Customer", "Existing Customer - Upgrade", None])
    return fields


def round_(n, dump_file=None):
    """Seeded changes: inserts, updates (some of rows inserted this round), deletes."""
    rng = random.Random(1000 + n)
    live = [r["Id"] for r in json.loads(call("GET", "/__emulator/dump/Opportunity?include_deleted=false"))]
    inserted = updated = deleted = 0
    new_ids = []
    for _ in range(rng.randint(2, 6)):
        body = {"Name": f"Round {n} deal {rng.randint(1, 10**6)}", "StageName": rng.choice(STAGES),
                "CloseDate": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
        body.update(random_fields(rng))
        new_ids.append(json.loads(call("POST", f"{API}/sobjects/Opportunity", body, auth=True))["id"])
        inserted += 1
    pool = live + new_ids
    for _ in range(rng.randint(4, 12)):
        target = rng.choice(new_ids) if new_ids and rng.random() < 0.2 else rng.choice(pool)
        call("PATCH", f"{API}/sobjects/Opportunity/{target}", random_fields(rng), auth=True)
        updated += 1
    for victim in rng.sample(pool, rng.randint(1, 4)):
        call("DELETE", f"{API}/sobjects/Opportunity/{victim}", auth=True)
        deleted += 1
    if dump_file:
        dump("Opportunity", dump_file)
        dump("Opportunity", dump_file + ".all", include_deleted=True)
    print(f"round {n}: {inserted} inserted, {updated} updated, {deleted} deleted")


def main(argv):
    command = argv[1]
    if command == "round":
        round_(int(argv[2]), argv[3] if len(argv) > 3 else None)
    elif command == "dump":
        dump(argv[2], argv[3])
    elif command == "update":
        call("PATCH", f"{API}/sobjects/Opportunity/{argv[2]}", json.loads(argv[3]), auth=True)
    elif command == "delete":
        call("DELETE", f"{API}/sobjects/Opportunity/{argv[2]}", auth=True)
    elif command == "backdate":
        call("POST", "/__emulator/backdate",
             {"object": "Opportunity", "id": argv[2], "fields": json.loads(argv[3])})
    elif command == "purge":
        call("POST", "/__emulator/purge-recycle-bin?object=Opportunity")
    elif command == "fault-after":
        call("POST", "/__emulator/faults/after",
             {"after": int(argv[2]), "status": int(argv[3]), "count": int(argv[4])})
    elif command == "faults":
        call("PUT", "/__emulator/faults", json.loads(argv[2]))
    elif command == "faults-clear":
        call("DELETE", "/__emulator/faults")
    elif command == "expire":
        call("POST", "/__emulator/expire-sessions")
    elif command == "api-usage":
        call("POST", f"/__emulator/api-usage?used={int(argv[2])}")
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
