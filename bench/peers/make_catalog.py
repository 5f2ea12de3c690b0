"""Turns tap-salesforce's --discover output into the catalog the benchmark syncs: only the
Opportunity stream, every field selected, replication INCREMENTAL by SystemModstamp (the tap's
discovered replication key; the first sync of such a stream is a full load).
Usage: python3 make_catalog.py discovered.json > catalog.json"""
import json
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    discovered = json.load(f)
streams = [s for s in discovered["streams"] if s["tap_stream_id"] == "Opportunity"]
if len(streams) != 1:
    sys.exit("no Opportunity stream in the discovered catalog")
stream = streams[0]
for entry in stream["metadata"]:
    md = entry["metadata"]
    if entry["breadcrumb"] == []:
        md["selected"] = True
        md["replication-method"] = "INCREMENTAL"
        md["replication-key"] = md.get("valid-replication-keys", ["SystemModstamp"])[0]
    elif md.get("inclusion") != "unsupported":
        md["selected"] = True
json.dump({"streams": [stream]}, sys.stdout, indent=1)
