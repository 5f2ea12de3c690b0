#!/usr/bin/env python3
"""simple-salesforce (PyPI, pinned in requirements.txt) reads every Opportunity of the
sf-emulator with the SOQL of query.soql twice: REST query pages (`query_all`) and a Bulk API
2.0 query job (`bulk2.Opportunity.query`). For tests/regress/sql/16_real_clients.sql.

  read_simple_salesforce.py OUTDIR   writes OUTDIR/simple_salesforce_rest.csv and
                                     OUTDIR/simple_salesforce_bulk2.csv, prints one line each

Environment: SF_EMULATOR_URL (http://127.0.0.1:PORT), the emulator's default credentials.
CSV written: header = the field paths of the SELECT; every non-null value double-quoted, as
the client returned it (booleans `true`/`false`, numbers as exact decimal text); null = empty
and unquoted, which COPY (FORMAT csv) reads as NULL. Bulk CSV has no null marker: an empty cell
is null (Salesforce never stores '' in a field, SALESFORCE.md 7.6 and 8.4).
"""
import csv
import decimal
import io
import os
import sys

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce

HERE = os.path.dirname(os.path.abspath(__file__))
# Bulk results page size: smaller than the 10,000 rows, so that the Sforce-Locator chain is
# followed over several pages.
BULK_PAGE_RECORDS = 3000


class HttpsToHttp(HTTPAdapter):
    """simple-salesforce builds https:// URLs from the instance; the emulator speaks http.
    Mounted on https://127.0.0.1:PORT only, it sends those requests to http://127.0.0.1:PORT."""

    def send(self, request, **kwargs):
        request.url = "http://" + request.url[len("https://"):]
        return super().send(request, **kwargs)


def soql_and_fields():
    with open(os.path.join(HERE, "query.soql"), encoding="utf-8") as f:
        soql = " ".join(f.read().split())
    select = soql[len("SELECT "):soql.index(" FROM ")]
    return soql, [field.strip() for field in select.split(",")]


def connect(base_url):
    token = requests.post(
        base_url + "/services/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": "sf-emulator-client",
            "client_secret": "sf-emulator-secret",
            "refresh_token": "sf-emulator-refresh",
        },
        timeout=30,
    )
    token.raise_for_status()
    token = token.json()
    instance_url = token["instance_url"]
    session = requests.Session()
    https_instance = "https://" + instance_url.split("://", 1)[1].rstrip("/")
    session.mount(https_instance + "/", HttpsToHttp())
    # parse_float=Decimal: numbers exactly as sent, not via binary floats.
    return Salesforce(
        instance_url=instance_url,
        session_id=token["access_token"],
        session=session,
        parse_float=decimal.Decimal,
    )


def text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, decimal.Decimal)):
        return str(value)
    raise TypeError(f"unexpected value {value!r}")


def rest_value(record, path):
    """`Account.Name` is record["Account"]["Name"]; a null parent is null."""
    value = record
    for part in path.split("."):
        if value is None:
            return None
        value = value[part]
    return value


def write_csv(path, fields, rows):
    def cell(value):
        return "" if value is None else '"' + value.replace('"', '""') + '"'

    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(cell(name) for name in fields) + "\n")
        for row in rows:
            f.write(",".join(cell(value) for value in row) + "\n")


def read_rest(sf, soql, fields):
    result = sf.query_all(soql)
    records = result["records"]
    assert result["totalSize"] == len(records), result["totalSize"]
    return [[text(rest_value(record, field)) for field in fields] for record in records]


def read_bulk2(sf, soql, fields):
    rows = []
    # wait: seconds before the first job status request (then a little more each time).
    for page in sf.bulk2.Opportunity.query(soql, max_records=BULK_PAGE_RECORDS, wait=0.1):
        reader = csv.reader(io.StringIO(page, newline=""))
        header = next(reader)
        if header != fields:
            raise SystemExit(f"bulk2 header {header} is not {fields}")
        for cells in reader:
            if len(cells) != len(fields):
                raise SystemExit(f"bulk2 row with {len(cells)} cells: {cells}")
            rows.append([cell if cell != "" else None for cell in cells])
    return rows


def main():
    outdir = sys.argv[1]
    soql, fields = soql_and_fields()
    sf = connect(os.environ["SF_EMULATOR_URL"])
    for name, read in (("rest", read_rest), ("bulk2", read_bulk2)):
        rows = read(sf, soql, fields)
        write_csv(os.path.join(outdir, f"simple_salesforce_{name}.csv"), fields, rows)
        print(f"simple-salesforce {name}: {len(rows)} rows")


if __name__ == "__main__":
    main()
