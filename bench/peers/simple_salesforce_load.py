"""What a user would script without the FDW: simple-salesforce query_all_iter over every
Opportunity field, streamed into a PostgreSQL table with psycopg 3 COPY.

simple-salesforce always builds https://<instance> URLs; the sf-emulator speaks http, so the
requests session it is given has an adapter that rewrites them (https_redirect.py). The token
comes from a plain OAuth refresh-token POST (simple-salesforce has no refresh-token login).

Usage: python simple_salesforce_load.py EMULATOR_URL CONNINFO TABLE COLUMN=Field [COLUMN=Field...]
Prints JSON: rows loaded, the backend's pid and VmHWM (read in the session after the load).
"""
import json
import os
import sys

import psycopg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import https_redirect  # noqa: E402


def main():
    emulator, conninfo, table, *pairs = sys.argv[1:]
    columns = [p.split("=", 1)[0] for p in pairs]
    fields = [p.split("=", 1)[1] for p in pairs]

    sf = https_redirect.emulator_salesforce(emulator)

    soql = f"SELECT {', '.join(fields)} FROM Opportunity"
    rows = 0
    with psycopg.connect(conninfo) as conn:
        with conn.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for record in sf.query_all_iter(soql):
                    copy.write_row([record[f] for f in fields])
                    rows += 1
        conn.commit()
        with conn.cursor() as cur:
            cur.execute(r"SELECT pg_backend_pid(), (regexp_match(pg_read_file('/proc/' || "
                        r"pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+)'))[1]::bigint")
            pid, vmhwm = cur.fetchone()
    print(json.dumps({"rows": rows, "backend_pid": pid, "backend_vmhwm_kb": vmhwm}))


if __name__ == "__main__":
    main()
