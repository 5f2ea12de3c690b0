"""Prints the Markdown table of bench/refresh.sh results: one row per (rows, latency, method),
medians over the successful runs. Usage: python3 summarize.py RESULTS.jsonl [MORE.jsonl ...]
(parts of a benchmark run separately can be summarized together)."""
import json
import statistics
import sys

METHODS = ["fdw-rest", "fdw-bulk", "copy", "copy-index-after", "simple-salesforce", "singer"]
LABELS = {
    "fdw-rest": "FDW full refresh, REST (`bulk 'off'`)",
    "fdw-bulk": "FDW full refresh, Bulk API 2.0 (`bulk 'on'`)",
    "copy": "COPY from a CSV file into a table with its key and index",
    "copy-index-after": "COPY from a CSV file, then key and index built",
    "simple-salesforce": "simple-salesforce `query_all_iter` + psycopg COPY",
    "singer": "tap-salesforce (REST) \\| target-postgres",
}


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
    print("| rows | latency | method | runs (ok/all) | seconds (median) | rows/s | API calls "
          "| peak backend RSS (VmHWM) | peak client RSS |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    groups = {}
    for r in runs:
        groups.setdefault((r["rows_expected"], r["latency_ms"], r["method"]), []).append(r)
    order = sorted(groups, key=lambda k: (k[0], k[1], METHODS.index(k[2]) if k[2] in METHODS else 99))
    for key in order:
        rows, latency, method = key
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
        print(f"| {rows:,} | {latency} ms | {LABELS.get(method, method)} | {len(ok)}/{len(group)} "
              f"| {'' if secs is None else f'{secs:.1f}' if secs >= 10 else f'{secs:.2f}'} "
              f"| {'' if not secs else f'{rows / secs:,.0f}'} "
              f"| {calls_text} | {mb(backend)} | {client} |")
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


def print_targets(runs):
    """Issue 6's targets, from the medians: Bulk >= 10x REST at 150 ms at each size; the FDW
    (its faster path) >= 3x every scripted peer; FDW >= 1/2 of COPY's speed at 0 ms."""
    secs = {}
    for r in runs:
        if r["status"] == "ok":
            secs.setdefault((r["rows_expected"], r["latency_ms"], r["method"]), []).append(r["wall_s"])
    med = {key: statistics.median(values) for key, values in secs.items()}
    lines = []
    sizes = sorted({k[0] for k in med})
    for rows in sizes:
        rest, bulk = med.get((rows, 150, "fdw-rest")), med.get((rows, 150, "fdw-bulk"))
        if rest and bulk:
            ratio = rest / bulk
            lines.append(f"| Bulk API 2.0 >= 10x REST, {rows:,} rows, 150 ms | {ratio:.1f}x "
                         f"| {'met' if ratio >= 10 else 'missed'} |")
    for rows in sizes:
        for latency in sorted({k[1] for k in med if k[0] == rows}):
            fdw = [med[k] for k in ((rows, latency, "fdw-rest"), (rows, latency, "fdw-bulk")) if k in med]
            if not fdw:
                continue
            best = min(fdw)
            for peer in ("simple-salesforce", "singer"):
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
