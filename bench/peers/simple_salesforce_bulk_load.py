"""What a user would script without the FDW, through Bulk API 2.0: simple-salesforce's
`bulk2.Opportunity.query` over every Opportunity field (create the job, poll it, read the CSV
results pages one after another by Sforce-Locator, 50,000 records each: its default), each page
streamed into a PostgreSQL table with psycopg 3 `COPY ... FROM STDIN (FORMAT csv)`.

The pages are Salesforce's CSV as it came (each with its header line, which is checked against
the fields asked for and left out): every value double-quoted, an empty cell null (Bulk CSV has
no null marker and Salesforce never stores '' in a field; FORCE_NULL on every column reads a
quoted empty cell as NULL too). PostgreSQL's input functions read the values ("true"/"false",
ISO datetimes ending in Z, exact decimal text) as the snapshot's types: no per-row Python.

simple-salesforce always builds https://<instance> URLs; the sf-emulator speaks http, so the
requests session it is given has an adapter that rewrites them (https_redirect.py). The token
comes from a plain OAuth refresh-token POST (simple-salesforce has no refresh-token login).
`wait` (seconds before the first job status request, then each pause between them) is 0.1
instead of its default 5: see bench/README.md.

Usage: python simple_salesforce_bulk_load.py EMULATOR_URL CONNINFO TABLE COLUMN=Field [COLUMN=Field...]
Prints JSON: rows loaded, pages read, the backend's pid and VmHWM (read in the session after the load).
"""
import csv
import json
import os
import sys

import psycopg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import https_redirect  # noqa: E402

WAIT_S = 0.1
PAGE_RECORDS = 50_000  # simple-salesforce's DEFAULT_QUERY_PAGE_SIZE, said explicitly


def main():
    emulator, conninfo, table, *pairs = sys.argv[1:]
    columns = [p.split("=", 1)[0] for p in pairs]
    fields = [p.split("=", 1)[1] for p in pairs]

    sf = https_redirect.emulator_salesforce(emulator)

    soql = f"SELECT {', '.join(fields)} FROM Opportunity"
    cols = ", ".join(columns)
    pages = 0
    with psycopg.connect(conninfo) as conn:
        with conn.cursor() as cur:
            with cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv, FORCE_NULL ({cols}))") as copy:
                for page in sf.bulk2.Opportunity.query(soql, max_records=PAGE_RECORDS, wait=WAIT_S):
                    end = page.find("\n")
                    header = next(csv.reader([page[:end if end >= 0 else len(page)]]))
                    if header != fields:
                        sys.exit(f"bulk2 header {header} is not {fields}")
                    if end >= 0:
                        copy.write(page[end + 1:])
                    pages += 1
            rows = cur.rowcount  # rows COPY loaded
        conn.commit()
        with conn.cursor() as cur:
            cur.execute(r"SELECT pg_backend_pid(), (regexp_match(pg_read_file('/proc/' || "
                        r"pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+)'))[1]::bigint")
            pid, vmhwm = cur.fetchone()
    print(json.dumps({"rows": rows, "pages": pages, "backend_pid": pid, "backend_vmhwm_kb": vmhwm}))


if __name__ == "__main__":
    main()
