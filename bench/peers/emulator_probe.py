"""What bench/refresh.sh asks the sf-emulator, for the latency floors (bench/README.md). Stdlib only.

  emulator_probe.py profile < requests.json
      Reads the emulator's request log of one run (GET /__emulator/requests, cleared before the
      run) and prints what the reader asked for, as JSON: which path it took (rest, bulk or
      none), REST query pages and the most records in one, Bulk job creations, job status
      polls, resultPages listings, results pages and the most records in one, job deletions,
      token requests and everything else.

  emulator_probe.py page-bytes EMULATOR_URL FIELD [FIELD...]
      Measures the bytes per record that go over the wire for SELECT <fields> FROM Opportunity
      (untimed, once per emulator): the first REST query page (JSON, 2,000 records: the
      emulator sends it uncompressed) and the first Bulk API 2.0 results page at the
      emulator's page size, asked with and without Accept-Encoding: gzip (every Bulk reader in
      the benchmark asks for gzip). Prints JSON: rest_bytes_per_record,
      bulk_bytes_per_record (gzip), bulk_csv_bytes_per_record (uncompressed), and the records
      of each page measured.
"""
import gzip
import json
import re
import sys
import time
import urllib.parse
import urllib.request

API = "v62.0"


def profile(log):
    p = {"token": 0, "rest_pages": 0, "rest_page_records": 0, "job_creates": 0, "job_polls": 0,
         "result_pages_calls": 0, "bulk_pages": 0, "bulk_page_records": 0, "job_deletes": 0,
         "other": 0, "faultable": 0}
    for e in log:
        method, path, records = e.get("method"), e.get("path", ""), e.get("records")
        if path.startswith("/__emulator/"):
            continue  # the harness's own (stats read after the run)
        if path.startswith("/services/oauth2/token"):
            p["token"] += 1
            continue
        data = re.match(r"/services/data/v[\d.]+/(.*?)/?$", path)
        if data and data.group(1):
            p["faultable"] += 1  # latency applies to /services/data/<something> only
        rest = data.group(1) if data else ""
        if method == "GET" and re.fullmatch(r"(query|queryAll)(/[^/]+)?", rest) and records is not None:
            p["rest_pages"] += 1
            p["rest_page_records"] = max(p["rest_page_records"], records)
        elif method == "POST" and rest == "jobs/query":
            p["job_creates"] += 1
        elif method == "GET" and re.fullmatch(r"jobs/query/[^/]+", rest):
            p["job_polls"] += 1
        elif method == "GET" and re.fullmatch(r"jobs/query/[^/]+/resultPages", rest):
            p["result_pages_calls"] += 1
        elif method == "GET" and re.fullmatch(r"jobs/query/[^/]+/results", rest):
            p["bulk_pages"] += 1
            p["bulk_page_records"] = max(p["bulk_page_records"], records or 0)
        elif method == "DELETE" and re.fullmatch(r"jobs/query/[^/]+", rest):
            p["job_deletes"] += 1
        else:
            p["other"] += 1
    p["path"] = "bulk" if p["bulk_pages"] else "rest" if p["rest_pages"] else "none"
    return p


def request(url, token=None, data=None, method=None, headers=()):
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for name, value in headers:
        req.add_header(name, value)
    with urllib.request.urlopen(req, timeout=600) as resp:
        return resp.read(), resp.headers


def page_bytes(emulator, fields):
    body, _ = request(f"{emulator}/services/oauth2/token", data=urllib.parse.urlencode({
        "grant_type": "refresh_token", "client_id": "sf-emulator-client",
        "client_secret": "sf-emulator-secret", "refresh_token": "sf-emulator-refresh",
    }).encode())
    token = json.loads(body)
    base, tok = f"{token['instance_url']}/services/data/{API}", token["access_token"]
    soql = f"SELECT {', '.join(fields)} FROM Opportunity"

    body, _ = request(f"{base}/query?" + urllib.parse.urlencode({"q": soql}), tok,
                      headers=[("Sforce-Query-Options", "batchSize=2000")])
    rest_records = len(json.loads(body)["records"])
    rest_bytes = len(body)

    body, _ = request(f"{base}/jobs/query", tok, method="POST",
                      data=json.dumps({"operation": "query", "query": soql}).encode(),
                      headers=[("Content-Type", "application/json")])
    job = json.loads(body)["id"]
    for _ in range(6000):
        body, _ = request(f"{base}/jobs/query/{job}", tok)
        if json.loads(body)["state"] == "JobComplete":
            break
        time.sleep(0.05)
    gz, headers = request(f"{base}/jobs/query/{job}/results", tok,
                          headers=[("Accept", "text/csv"), ("Accept-Encoding", "gzip")])
    bulk_records = int(headers["Sforce-NumberOfRecords"])
    if headers.get("Content-Encoding") == "gzip":
        csv_bytes = len(gzip.decompress(gz))
    else:
        csv_bytes = len(gz)
    request(f"{base}/jobs/query/{job}", tok, method="DELETE")
    return {
        "rest_bytes_per_record": round(rest_bytes / max(rest_records, 1), 1),
        "rest_measured_records": rest_records,
        "bulk_bytes_per_record": round(len(gz) / max(bulk_records, 1), 1),
        "bulk_csv_bytes_per_record": round(csv_bytes / max(bulk_records, 1), 1),
        "bulk_measured_records": bulk_records,
    }


def main():
    if sys.argv[1:2] == ["profile"]:
        print(json.dumps(profile(json.load(sys.stdin))))
    elif sys.argv[1:2] == ["page-bytes"] and len(sys.argv) > 3:
        print(json.dumps(page_bytes(sys.argv[2], sys.argv[3:])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
