"""Prints the Markdown table of bench/refresh.sh results: one row per (rows, latency, method),
medians over the successful runs, with each method's latency floor (see floor() and
bench/README.md). Usage: python3 summarize.py RESULTS.jsonl [MORE.jsonl ...]
(parts of a benchmark run separately can be summarized together)."""
import json
import math
import statistics
import sys

METHODS = ["fdw-rest", "fdw-auto", "fdw-bulk-k1", "fdw-bulk", "fdw-bulk-k4", "fdw-bulk-k8", "copy",
           "copy-index-after", "simple-salesforce", "simple-salesforce-bulk", "jsforce-bulk", "singer"]
LABELS = {
    "fdw-rest": "FDW full refresh, REST (`bulk 'off'`)",
    "fdw-bulk": "FDW full refresh, Bulk API 2.0 (`bulk 'on'`)",
    "fdw-bulk-k1": "FDW full refresh, Bulk API 2.0, `bulk_parallelism` 1",
    "fdw-bulk-k4": "FDW full refresh, Bulk API 2.0, `bulk_parallelism` 4",
    "fdw-bulk-k8": "FDW full refresh, Bulk API 2.0, `bulk_parallelism` 8",
    "fdw-auto": "FDW full refresh, `bulk 'auto'`",
    "copy": "COPY from a CSV file into a table with its key and index",
    "copy-index-after": "COPY from a CSV file, then key and index built",
    "simple-salesforce": "simple-salesforce `query_all_iter` + psycopg COPY",
    "simple-salesforce-bulk": "simple-salesforce `bulk2` query + psycopg COPY",
    "jsforce-bulk": "jsforce `bulk2.query` \\| psql `\\copy`",
    "singer": "tap-salesforce (REST) \\| target-postgres",
}
FDW_METHODS = [m for m in METHODS if m.startswith("fdw-")]
FDW_BULK = ["fdw-bulk", "fdw-bulk-k1", "fdw-bulk-k4", "fdw-bulk-k8"]
PEERS = ["simple-salesforce", "simple-salesforce-bulk", "jsforce-bulk", "singer"]


def floor(r):
    """The least time the run's path can take against the emulator's settings, in seconds,
    counting only what the emulator waits and sends (latency, the job's delay, bandwidth), no
    local work: 0 for COPY (no network), None when the run did not record its requests.
    L = latency, B = bandwidth (0: unlimited, no transfer term), D + Q = job delay + queue;
    a page's bytes = its records x the bytes per record measured for the path.
      REST:  pages x (L + page bytes / B)      (the token request gets no latency)
      Bulk:  max(L, D + Q) + L                  (create; one poll once the job is complete)
             [+ L, the resultPages listing, when the pages were downloaded K at once]
             + ceil(pages / K) x (L + page bytes / B)
    pages = ceil(rows / the most records the run's pages held): the path's pages, whatever
    else the reader asked."""
    if r["method"] in ("copy", "copy-index-after"):
        return 0.0
    req, per_record = r.get("requests") or {}, r.get("page_bytes") or {}
    if "path" not in req or "latency_ms" not in r:
        return None
    lat = r["latency_ms"] / 1000
    bandwidth = r.get("bandwidth_bytes_per_sec") or 0
    rows = r["rows_expected"]

    def rounds(pages, k, bytes_per_record):
        page_bytes = rows * bytes_per_record / pages  # the average page
        return math.ceil(pages / k) * (lat + (page_bytes / bandwidth if bandwidth else 0))

    if req["path"] == "rest":
        pages = math.ceil(rows / max(req["rest_page_records"], 1))
        return rounds(pages, 1, per_record.get("rest_bytes_per_record", 0))
    if req["path"] == "bulk":
        pages = math.ceil(rows / max(req["bulk_page_records"], 1))
        job = max(lat, (r.get("bulk_delay_ms", 0) + r.get("bulk_queue_ms", 0)) / 1000) + lat
        parallel = req.get("result_pages_calls", 0) > 0
        k = (r.get("bulk_parallelism") or 1) if parallel else 1
        return job + (lat if parallel else 0) + rounds(pages, k, per_record.get("bulk_bytes_per_record", 0))
    return None


def secs_text(secs):
    return "" if secs is None else f"{secs:.1f}" if secs >= 10 else f"{secs:.2f}"


def path_note(method, ok):
    """For fdw-auto, which path it took (from the runs' requests)."""
    if method != "fdw-auto":
        return ""
    paths = {(r.get("requests") or {}).get("path") for r in ok} - {None}
    if paths == {"rest"}:
        return " (took REST)"
    if paths == {"bulk"}:
        k = {r.get("bulk_parallelism") for r in ok if (r.get("requests") or {}).get("result_pages_calls")}
        return f" (took Bulk{f', K = {k.pop()}' if len(k) == 1 else ''})"
    return f" (took {', '.join(sorted(paths))})" if paths else ""


def mb(kb):
    return "" if kb is None else f"{kb / 1024:.0f} MB"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def main():
    machines, runs, verifies = [], [], []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                record = json.loads(line)
                if record.get("type") == "machine":
                    if record["machine"] not in machines:
                        machines.append(record["machine"])
                elif record.get("type") == "run":
                    runs.append(record)
                elif record.get("type") == "verify":
                    verifies.append(record)
    for machine in machines:
        print(f"Machine: {machine}")
    print()
    bandwidths = sorted({r.get("bandwidth_bytes_per_sec") or 0 for r in runs})
    bw_column = bandwidths != [0]
    print(f"| rows | latency |{' bandwidth |' if bw_column else ''} method | runs (ok/all) "
          "| seconds (median) | floor (s) | x floor | rows/s | API calls "
          "| peak backend RSS (VmHWM) | peak client RSS |")
    print(f"|---:|---:|{'---:|' if bw_column else ''}---|---:|---:|---:|---:|---:|---:|---:|---:|")
    groups = {}
    for r in runs:
        key = (r["rows_expected"], r["latency_ms"], r.get("bandwidth_bytes_per_sec") or 0, r["method"])
        groups.setdefault(key, []).append(r)
    order = sorted(groups, key=lambda k: (k[0], k[1], k[2], METHODS.index(k[3]) if k[3] in METHODS else 99))
    for key in order:
        rows, latency, bandwidth, method = key
        group = groups[key]
        ok = [r for r in group if r["status"] == "ok"]
        secs = median([r["wall_s"] for r in ok])
        calls = median([r.get("api_calls") for r in ok])
        calls_emulator = median([r.get("api_calls_emulator") for r in ok])
        calls_text = "" if calls is None else f"{calls:g}"
        if calls_emulator is not None and calls_emulator != calls:
            calls_text += f" (emulator: {calls_emulator:g})"
        backend = median([r.get("backend_peak_kb") for r in ok])
        clients = {}
        for r in ok:
            for name, kb in (r.get("client_peak_kb") or {}).items():
                clients.setdefault(name, []).append(kb)
        client = ", ".join(f"{name} {mb(median(kbs))}" for name, kbs in clients.items())
        floors = [f for f in (floor(r) for r in ok) if f is not None]
        floor_s = statistics.median(floors) if floors else None
        times = "" if not (secs and floor_s) else f"{secs / floor_s:.1f}"
        bw_text = f" {bandwidth / 1e6:g} MB/s |" if bandwidth else " unlimited |"
        print(f"| {rows:,} | {latency} ms |{bw_text if bw_column else ''} "
              f"{LABELS.get(method, method)}{path_note(method, ok)} | {len(ok)}/{len(group)} "
              f"| {secs_text(secs)} | {'' if floor_s is None else f'{floor_s:.2f}'} | {times} "
              f"| {'' if not secs else f'{rows / secs:,.0f}'} "
              f"| {calls_text} | {mb(backend)} | {client} |")
    print_floor_settings(runs)
    if verifies:
        print()
        print("Values compared with the FDW's REST snapshot (rows that differ):")
        for v in verifies:
            extra = v.get("differing_rows_newlines_as_backslash_n")
            extra = "" if extra is None else f" ({extra} when newlines stored as the two characters \\n are allowed)"
            print(f"- {v['method']}, {v['rows_expected']:,} rows: {v['differing_rows']}{extra}")
    print_targets(runs)
    failed = [r for r in runs if r["status"] != "ok"]
    for r in failed:
        print(f"\nFAILED: {r['method']} rows={r['rows_expected']} latency={r['latency_ms']} "
              f"run={r['run']}: {r.get('error', '')}")


def print_floor_settings(runs):
    """The settings and measured bytes the floors were computed from, once per emulator."""
    seen = {}
    for r in runs:
        if r.get("page_bytes") and r["rows_expected"] not in seen:
            seen[r["rows_expected"]] = r
    if not seen:
        return
    print()
    print("Floors computed from: ", end="")
    parts = []
    for rows, r in sorted(seen.items()):
        pb = r["page_bytes"]
        parts.append(f"{rows:,} rows: {pb['rest_bytes_per_record']:g} bytes per record in a REST page "
                     f"(JSON), {pb['bulk_bytes_per_record']:g} in a Bulk page (CSV, gzip; "
                     f"{pb['bulk_csv_bytes_per_record']:g} unzipped)")
    r = next(iter(seen.values()))
    print("; ".join(parts) + f"; Bulk job delay {r.get('bulk_delay_ms')} ms, queue "
          f"{r.get('bulk_queue_ms')} ms, emulator pages of {r.get('bulk_page_records'):,} (Bulk) and "
          f"{r.get('rest_page_records'):,} (REST) records.")


def print_targets(runs):
    """Issue 6's targets, from the medians: Bulk (the fastest of the Bulk methods run) >= 10x
    REST at 150 ms at each size; the FDW (its fastest method) >= 3x every scripted peer; FDW >=
    1/2 of COPY's speed at 0 ms."""
    secs = {}
    for r in runs:
        if r["status"] == "ok":
            secs.setdefault((r["rows_expected"], r["latency_ms"], r["method"]), []).append(r["wall_s"])
    med = {key: statistics.median(values) for key, values in secs.items()}
    lines = []
    sizes = sorted({k[0] for k in med})
    for rows in sizes:
        bulks = [med[(rows, 150, m)] for m in FDW_BULK if (rows, 150, m) in med]
        rest, bulk = med.get((rows, 150, "fdw-rest")), min(bulks, default=None)
        if rest and bulk:
            ratio = rest / bulk
            lines.append(f"| Bulk API 2.0 >= 10x REST, {rows:,} rows, 150 ms | {ratio:.1f}x "
                         f"| {'met' if ratio >= 10 else 'missed'} |")
    for rows in sizes:
        for latency in sorted({k[1] for k in med if k[0] == rows}):
            fdw = [med[(rows, latency, m)] for m in FDW_METHODS if (rows, latency, m) in med]
            if not fdw:
                continue
            best = min(fdw)
            for peer in PEERS:
                if (rows, latency, peer) in med:
                    ratio = med[(rows, latency, peer)] / best
                    lines.append(f"| FDW (faster path) >= 3x {peer}, {rows:,} rows, {latency} ms "
                                 f"| {ratio:.1f}x | {'met' if ratio >= 3 else 'missed'} |")
            # The ceiling: the faster of the two COPY variants (same end state as a refresh).
            copies = [med[k] for k in ((rows, 0, "copy"), (rows, 0, "copy-index-after")) if k in med]
            if latency == 0 and copies:
                share = min(copies) / best
                lines.append(f"| FDW (faster path) >= 1/2 of COPY's speed, {rows:,} rows, 0 ms "
                             f"| {share:.2f} | {'met' if share >= 0.5 else 'missed'} |")
    if lines:
        print()
        print("| target (issue 6) | measured | |")
        print("|---|---:|---|")
        for line in lines:
            print(line)


if __name__ == "__main__":
    main()
