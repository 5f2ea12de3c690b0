#!/usr/bin/env python3
"""Generates the differential pushdown test (tests/regress/sql/04_differential.sql runs it).

Prints SQL that calls the helpers 04_differential.sql defines:

  SELECT diff_check('opportunity', $pred$<WHERE clause>$pred$, '<group>');
      the rows of sf.opportunity WHERE <clause> must equal (as multisets, both directions) the
      rows of local_opportunity WHERE <clause>;
  SELECT diff_limit(table, where, order_by_or_null, limit, offset, group);
      LIMIT/OFFSET, with or without ORDER BY;
  PREPARE / CREATE TEMP TABLE AS EXECUTE / SELECT diff_tables(...)
      the same with parameters and generic plans;
  SET timezone ...   between groups, so constants and stable expressions are evaluated far
      from UTC.

The clauses are built from the emulator's own data (GET /__emulator/dump/<object>, the org the
suite runs against: seed 42, scale 10) so that they hit real values, plus values that do not
exist. Output is deterministic: fixed seed, data sorted by Id.

Usage: gen_predicates.py            (reads SF_EMULATOR_URL)
       gen_predicates.py --stats    (prints the number of clauses per group to stderr too)
"""
import collections
import json
import os
import random
import sys
import urllib.request

RNG = random.Random(20250301)
# Share of the clauses compared on entire rows rather than on ids.
WHOLE_ROWS = 0.08
OUT = []
STATS = collections.Counter()


def dump(obj):
    base = os.environ["SF_EMULATOR_URL"]
    with urllib.request.urlopen(f"{base}/__emulator/dump/{obj}?include_deleted=false") as r:
        rows = json.loads(r.read())
    # Text as the foreign table shows it: without NUL characters (Postgres cannot hold them).
    rows = [{k: v.replace("\0", "") if isinstance(v, str) else v for k, v in row.items()}
            for row in rows]
    rows.sort(key=lambda row: row["Id"])
    return rows


def lit(s):
    """A SQL string literal for s (E'' form when it holds control characters)."""
    if any(ord(c) < 32 for c in s) or "\\" in s and any(ord(c) < 32 for c in s):
        body = (
            s.replace("\\", "\\\\")
            .replace("'", "\\'")
            .replace("\n", "\\n")
            .replace("\t", "\\t")
            .replace("\r", "\\r")
        )
        return f"E'{body}'"
    return "'" + s.replace("'", "''") + "'"


def like_escape(s):
    """s as a LIKE pattern that matches s literally (Postgres default escape \\)."""
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def check(table, pred, group):
    assert "$pred$" not in pred
    whole = ", true" if RNG.random() < WHOLE_ROWS else ""
    OUT.append(f"SELECT diff_check('{table}', $pred${pred}$pred$, '{group}'{whole});")
    STATS[group] += 1


def limit_check(table, pred, order, limit, offset, group):
    order_sql = "NULL" if order is None else "$ord$" + order + "$ord$"
    OUT.append(
        f"SELECT diff_limit('{table}', $pred${pred}$pred$, {order_sql}, {limit}, {offset}, '{group}');"
    )
    STATS[group] += 1


def set_tz(tz):
    OUT.append(f"SET timezone TO '{tz}';")


ZONES = ["UTC", "Pacific/Kiritimati", "America/St_Johns"]


def generic(table, types, pred, arg_lists, group, force=True):
    """PREPARE with parameters; each EXECUTE compares the foreign and local results."""
    n = STATS["_prepared"] = STATS["_prepared"] + 1
    typelist = ", ".join(types)
    OUT.append(f"SET plan_cache_mode TO {'force_generic_plan' if force else 'auto'};")
    OUT.append(f"PREPARE diff_f{n}({typelist}) AS SELECT * FROM sf.{table} WHERE {pred};")
    OUT.append(f"PREPARE diff_l{n}({typelist}) AS SELECT * FROM local_{table} WHERE {pred};")
    for args in arg_lists:
        OUT.append(f"CREATE TEMP TABLE diff_r AS EXECUTE diff_f{n}({args});")
        OUT.append(f"CREATE TEMP TABLE diff_l AS EXECUTE diff_l{n}({args});")
        label = f"{pred} -- EXECUTE ({args})" + ("" if force else " [auto plan]")
        assert "$pred$" not in label
        OUT.append(f"SELECT diff_tables('{table}', $pred${label}$pred$, '{group}');")
        OUT.append("DROP TABLE diff_r, diff_l;")
        STATS[group] += 1
    OUT.append(f"DEALLOCATE diff_f{n}; DEALLOCATE diff_l{n};")
    OUT.append("RESET plan_cache_mode;")


def sample(values, n):
    values = sorted(set(v for v in values if v is not None), key=repr)
    return RNG.sample(values, min(n, len(values)))


OPS = ["=", "<>", "<", "<=", ">", ">="]


def sql_num(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v)) if abs(v) < 1e15 else repr(v)
    return repr(v) if isinstance(v, float) else str(v)


def main():
    opp = dump("Opportunity")
    inv = dump("Invoice__c")
    col = lambda rows, f: [r[f] for r in rows]

    # ---------------------------------------------------------------- numbers
    numeric_cols = [
        ("opportunity", "amount", "Amount", "numeric"),
        ("opportunity", "probability", "Probability", "numeric"),
        ("opportunity", "expected_revenue", "ExpectedRevenue", "numeric"),
        ("opportunity", "total_opportunity_quantity", "TotalOpportunityQuantity", "numeric"),
        ("opportunity", "fiscal_quarter", "FiscalQuarter", "integer"),
        ("opportunity", "fiscal_year", "FiscalYear", "integer"),
        ("invoice", "amount__c", "Amount__c", "numeric"),
        ("invoice", "tax_rate__c", "Tax_Rate__c", "numeric"),
        ("invoice", "quantity__c", "Quantity__c", "numeric"),
        ("invoice", "line_count__c", "Line_Count__c", "bigint"),
        ("invoice", "location__latitude__s", "Location__Latitude__s", "numeric"),
    ]
    rows_of = {"opportunity": opp, "invoice": inv}
    for table, c, field, typ in numeric_cols:
        existing = [sql_num(v) for v in sample(col(rows_of[table], field), 3)]
        missing = {"numeric": ["123.456", "-1", "0.001"], "integer": ["7", "-2024", "0"],
                   "bigint": ["200", "-1", "9000000000"]}[typ]
        for op in OPS:
            v = RNG.choice(existing)
            check(table, f"{c} {op} {v}", f"compare {typ}")
        for op in RNG.sample(OPS, 3):
            check(table, f"{c} {op} {RNG.choice(missing)}", f"compare {typ}")
        # constant on the left, explicit casts, other integer widths
        v = existing[0]
        check(table, f"{v} < {c}", f"compare {typ}")
        if typ == "numeric":
            check(table, f"{c} >= {v}::numeric(20,4)", f"compare {typ}")
            check(table, f"{c} = {v}::integer", f"compare {typ}")
        else:
            check(table, f"{c} <= {v}::smallint", f"compare {typ}")
            check(table, f"{c} > {v}::bigint", f"compare {typ}")
            check(table, f"{c} = {v}.0", f"compare {typ}")  # int cast to numeric: local
    # amounts with more/less decimals, NaN and infinities, float constants (stay local)
    for pred in [
        "amount = 460069.430", "amount = 460069.4300000001", "amount > 1e5", "amount < 1.5e2",
        "amount <> 'NaN'::numeric", "amount < 'NaN'::numeric", "amount = 'NaN'::numeric",
        "amount < 'Infinity'::numeric", "amount > '-Infinity'::numeric",
        "amount > 100000::float8", "amount < 200000.5::real", "probability = 0",
        "probability = -0.0", "probability > 99.999999999999999999", "amount >= 0.000000000001",
        "amount <= 99999999999999999999999999999999999", "amount between 100000 and 200000",
        "amount not between 1000 and 400000",
        "fiscal_year = 2025 and fiscal_quarter = 1", "line_count__c = 2147483648",
        "line_count__c < -9223372036854775808 or line_count__c > 100",
        "fiscal_quarter <> 4", "tax_rate__c = 10.125", "quantity__c > 481.5763",
        "expected_revenue = amount", "amount > expected_revenue",
    ]:
        check("invoice" if ("__c" in pred and "amount " not in pred[:7]) else "opportunity", pred, "compare numeric special")

    # ---------------------------------------------------------------- booleans
    for table, cols in [("opportunity", ["is_won", "is_closed", "is_deleted"]), ("invoice", ["is_paid__c"])]:
        for c in cols:
            for pred in [f"{c}", f"not {c}", f"{c} = true", f"{c} = false", f"{c} <> true",
                         f"{c} <> false", f"{c} is true", f"{c} is false", f"{c} is not true",
                         f"{c} is not false", f"{c} is null", f"{c} is not null",
                         f"{c} is unknown", f"{c} = null::boolean", f"{c} < true", f"{c} > false",
                         f"{c} in (true)", f"{c} in (false, true)", f"{c} not in (true)",
                         f"{c} = any('{{}}'::boolean[])", f"{c} <> all('{{false}}'::boolean[])",
                         f"{c} <> all('{{false,null}}'::boolean[])",
                         f"{c} <> all('{{true}}'::boolean[])", f"{c} not in (true, true)",
                         f"{c} not in (false, false)", f"{c} is distinct from true"]:
                if c in ("is_closed", "is_deleted") and RNG.random() < 0.4:
                    continue
                check(table, pred, "boolean")
    for pred in ["is_won and is_closed", "is_won or not is_closed", "not is_won and is_closed",
                 "is_closed <> is_won", "is_won = is_closed", "(is_won or is_closed) = false",
                 "not (is_won or is_closed)", "not (is_won and amount > 100000)"]:
        check("opportunity", pred, "boolean")

    # ---------------------------------------------------------------- text
    text_cols = [
        ("opportunity", "stage_name", "StageName"), ("opportunity", "name", "Name"),
        ("opportunity", "currency_iso_code", "CurrencyIsoCode"), ("opportunity", "type", "Type"),
        ("opportunity", "lead_source", "LeadSource"), ("opportunity", "next_step", "NextStep"),
        ("opportunity", "forecast_category_name", "ForecastCategoryName"),
        ("opportunity", "id", "Id"), ("opportunity", "account_id", "AccountId"),
        ("invoice", "memo__c", "Memo__c"), ("invoice", "status__c", "Status__c"),
        ("invoice", "name", "Name"), ("invoice", "contact_email__c", "Contact_Email__c"),
        ("invoice", "phone__c", "Phone__c"), ("invoice", "website__c", "Website__c"),
        ("invoice", "account_name", None), ("invoice", "opportunity__c", "Opportunity__c"),
    ]
    inv_account_names = sorted({r["Account__c"] for r in inv if r["Account__c"]})
    for table, c, field in text_cols:
        if field is None:
            continue
        existing = sample(col(rows_of[table], field), 4)
        for op in OPS:
            check(table, f"{c} {op} {lit(RNG.choice(existing))}", "compare text")
        v = existing[0]
        variants = [v.upper(), v.lower(), v + " ", " " + v, v + "x"]
        for var in RNG.sample(variants, 2):
            check(table, f"{c} = {lit(var)}", "compare text")
    memos = sorted({r["Memo__c"] for r in inv if r["Memo__c"] and "#" not in r["Memo__c"]})
    for m in memos:
        check("invoice", f"memo__c = {lit(m)}", "text special")
    for pred in [
        "memo__c = ''", "memo__c <> ''", "memo__c = ' '", "memo__c = 'Zürich office '",
        "memo__c = ' Zürich office'", "memo__c = 'zürich office'", "memo__c = 'ZÜRICH OFFICE'",
        "memo__c = 'mixed case memo'", "memo__c = 'MiXeD CaSe Memo'", "memo__c = 'O''Brien''s invoice'",
        "memo__c = 'back\\slash and ''quote'''", "memo__c = 'Path C:\\temp\\inv.pdf'",
        "memo__c = E'Path C:\\\\temp\\\\inv.pdf'", "memo__c = 'quote \" inside'",
        "memo__c = '東京 branch'", "memo__c = '東京'", "memo__c = 'emoji 🚀 launch'",
        "memo__c = 'Ünïcødé façade'", "memo__c = 'ünïcødé FAÇADE'", "memo__c = E'Line one\\nLine two'",
        "memo__c = E'Line one\\r\\nLine two'", "memo__c = 'a'", "memo__c = 'A'",
        "memo__c = '100% paid'", "memo__c = '100_ paid'", "memo__c = E'\\u00a0a'",
        "memo__c = 'x'' OR Name != ''y'", "memo__c = 'it''s \\'' OR Id != null OR Name = ''x'",
        "memo__c = null", "memo__c = null::text", "memo__c > 'Z'", "memo__c < 'a'",
        "memo__c >= 'tab'", "memo__c = 'a'::varchar", "memo__c = 'a'::char(3)",
        "memo__c = 'a' collate \"C\"", "memo__c = 'a' collate \"POSIX\"",
        "stage_name = 'closed won'", "stage_name = 'CLOSED WON'", "stage_name = 'Closed Won'",
        "stage_name <> 'Closed Won'", "stage_name = 'Closed  Won'", "stage_name = 'Closed Won '",
        "name = 'Zürich Re - Implementation #7'", "name = 'zürich re - implementation #7'",
        "name = 'O''Reilly - Consulting Hours #8'", "name = 'Café Olé - Hardware #5'",
        "name = 'CAFÉ OLÉ - HARDWARE #5'", "id = '0065g0000000001AAA'", "id = '0065g0000000001aaa'",
        "id = '0065g0000000001'", "id = 'not an id'", "id = ''", "account_id = '0015g00000000JQAAY'",
        "id > '0065g0000000100AAA'", "lower(name) = 'acme - hardware #4'",
        "upper(stage_name) = 'CLOSED WON'", "name || 'x' = 'Acme - Hardware #4x'",
        "length(name) > 30", "stage_name = currency_iso_code",
    ]:
        check("invoice" if "memo__c" in pred else "opportunity", pred, "text special")
    for an in inv_account_names[:0]:
        pass
    for pred in ["account_name = 'Wayne Motors 1678 plc'", "account_name = 'WAYNE MOTORS 1678 PLC'",
                 "account_name = '東京 Logistics 1740 AG'", "account_name like '東京%'",
                 "account_name is null", "account_name in ('Umbrella Logistics 747 Inc.', 'nope')",
                 "status__c = 'Paid'", "status__c = 'paid'", "status__c <> 'Paid'",
                 "status__c is null", "status__c is not null", "contact_email__c = 'billing6@example.org'",
                 "contact_email__c = 'billing6@Example.org'", "phone__c = '(961) 555-6554'"]:
        check("invoice", pred, "text special")

    # ---------------------------------------------------------------- NULL tests
    for table, cols in [
        ("opportunity", ["amount", "expected_revenue", "total_opportunity_quantity", "close_date",
                         "last_activity_date", "created_date", "type", "next_step", "lead_source",
                         "account_id", "fiscal_year", "description"]),
        ("invoice", ["amount__c", "tax_rate__c", "line_count__c", "due_date__c", "paid_at__c",
                     "memo__c", "opportunity__c", "location__latitude__s", "tags__c",
                     "reminder_time__c", "location__c", "notes__c"]),
    ]:
        for c in cols:
            check(table, f"{c} is null", "null test")
            check(table, f"{c} is not null", "null test")
    check("opportunity", "not (amount is null)", "null test")
    check("opportunity", "amount is null and close_date is not null", "null test")
    check("opportunity", "amount is null or expected_revenue is not null", "null test")
    check("opportunity", "(amount, close_date) is null", "null test")
    check("opportunity", "row(amount, close_date) is not null", "null test")
    # NULL constants
    for pred in ["amount = null", "amount <> null", "amount > null::numeric", "close_date = null::date",
                 "created_date >= null::timestamptz", "fiscal_year <= null::integer",
                 "amount in (null)", "amount not in (null)", "amount = any(null::numeric[])",
                 "amount <> all(null::numeric[])", "stage_name in (null, 'Closed Won')",
                 "stage_name not in (null, 'Closed Won')", "name like null", "name not like null",
                 "amount = null or is_won", "amount = null and is_won", "not (amount = null)"]:
        check("opportunity", pred, "null constant")

    # ---------------------------------------------------------------- dates
    date_cols = [("opportunity", "close_date", "CloseDate"),
                 ("opportunity", "last_activity_date", "LastActivityDate"),
                 ("invoice", "due_date__c", "Due_Date__c")]
    for table, c, field in date_cols:
        existing = sample(col(rows_of[table], field), 3)
        for op in OPS:
            check(table, f"{c} {op} date '{RNG.choice(existing)}'", "compare date")
        for v in ["2025-03-01", "2025-02-28", "2024-02-29", "2024-12-31", "2026-01-01"]:
            check(table, f"{c} {RNG.choice(OPS)} '{v}'", "compare date")
    date_specials = [
        "close_date < 'infinity'", "close_date > '-infinity'", "close_date = 'infinity'",
        "close_date > '1500-01-01'", "close_date < '5000-01-01'", "close_date > '1699-12-31'",
        "close_date < '4000-12-31'", "close_date >= '2025-03-01'::timestamp",
        "close_date < '2025-03-01 00:00:00+00'::timestamptz", "close_date = '2025-07-04 12:00'::timestamp",
        "close_date between '2025-01-01' and '2025-01-31'", "close_date >= date '2025-01-01' - 1",
        "close_date = last_activity_date", "close_date > last_activity_date",
        "extract(year from close_date) = 2025", "close_date in ('2025-07-04', '2024-06-08', '1999-01-01')",
        "close_date not in ('2025-07-04', '2024-06-08')", "close_date = any('{}'::date[])",
        "close_date <> all('{}'::date[])", "close_date = any('{2025-07-04,NULL}'::date[])",
        "close_date <> all('{2025-07-04,NULL}'::date[])", "close_date in ('2025-07-04', 'infinity')",
    ]
    for tz in ZONES:
        set_tz(tz)
        for pred in date_specials:
            check("opportunity", pred, "date special")
    set_tz("UTC")

    # ---------------------------------------------------------------- timestamps
    ts_cols = [("opportunity", "created_date", "CreatedDate"),
               ("opportunity", "system_modstamp", "SystemModstamp"),
               ("opportunity", "last_modified_date", "LastModifiedDate"),
               ("invoice", "paid_at__c", "Paid_At__c")]

    def pg_ts(sf):  # 2025-12-18T16:58:45.003+0000 -> 2025-12-18 16:58:45.003+00
        return sf.replace("T", " ").replace("+0000", "+00")

    ts_boundaries = [
        "'2025-03-01 00:00:00+00'", "'2025-02-28 23:59:59.999+00'", "'2025-02-28 23:59:59.9995+00'",
        "'2025-03-01 00:00:00.0005+00'", "'2025-03-01 12:00:00.0005+00'", "'2025-03-01 00:00:00.000001+00'",
        "'2025-02-28 23:59:59.999999+00'", "'2025-03-01 05:30:00+05:30'", "'2025-02-28 14:00:00-10'",
        "'2025-03-01 00:00:00+14'", "'2025-02-28 20:30:00-03:30'", "'2025-03-01'",
        "'2025-03-01 00:00'", "'2024-12-31 23:59:59.999 America/St_Johns'",
        "'2025-01-01 00:00:00 Pacific/Kiritimati'", "'epoch'", "'1999-12-31 23:59:59.9999+00'",
    ]
    for i, (table, c, field) in enumerate(ts_cols):
        set_tz(ZONES[(i + 1) % 3])
        rows = rows_of[table]
        existing = [pg_ts(v) for v in sample(col(rows, field), 3)]
        midnight = sorted({v for v in col(rows, field) if v and ("T00:00:00.000" in v or "T23:59:59.999" in v)})
        existing += [pg_ts(v) for v in RNG.sample(midnight, min(2, len(midnight)))]
        for op in OPS:
            check(table, f"{c} {op} '{RNG.choice(existing)}'", "compare timestamptz")
        for v in existing[-2:]:
            check(table, f"{c} = '{v}'", "compare timestamptz")
            micro = v.replace("+00", "") + ("0005+00" if "." in v else ".0005+00")
            for op in OPS:
                check(table, f"{c} {op} '{micro}'", "compare timestamptz")
        for b in RNG.sample(ts_boundaries, 6):
            check(table, f"{c} {RNG.choice(OPS)} {b}", "compare timestamptz")
    for tz in ZONES:
        set_tz(tz)
        for b in ts_boundaries:
            for op in ([">=", "<"] if tz == "UTC" else [RNG.choice(OPS)]):
                check("opportunity", f"created_date {op} {b}", "compare timestamptz")
    ts_specials = [
        "created_date < 'infinity'", "created_date > '-infinity'", "created_date = 'infinity'",
        "created_date > '1500-01-01 00:00+00'", "created_date < '5000-01-01 00:00+00'",
        "created_date >= '2025-03-01'::date", "created_date < '2025-03-01 00:00'::timestamp",
        "created_date <= last_modified_date", "created_date = system_modstamp",
        "created_date in ('2025-05-01 00:00:00+00', '2024-02-11 23:59:59.999+00')",
        "created_date in ('2025-05-01 00:00:00+00', '2025-05-01 00:00:00.0001+00')",
        "created_date not in ('2025-05-01 00:00:00+00', '2024-02-11 23:59:59.999+00')",
        "created_date = any('{}'::timestamptz[])", "created_date <> all('{}'::timestamptz[])",
        "created_date = any('{\"2025-05-01 00:00:00+00\",NULL}'::timestamptz[])",
        "date_trunc('day', created_date) = '2025-05-01 00:00+00'",
        "created_date::date = '2025-05-01'",
        "created_date > '2025-03-01 00:00:00+00' and created_date < '2025-03-02 00:00:00+00'",
        "created_date >= '2025-02-28 23:59:59.999+00' and created_date <= '2025-03-01 00:00:00+00'",
        "created_date at time zone 'UTC' >= '2025-03-01'",
    ]
    for tz in ZONES:
        set_tz(tz)
        for pred in ts_specials:
            check("opportunity", pred, "timestamptz special")
    set_tz("UTC")

    # ---------------------------------------------------------------- IN / NOT IN / ANY / ALL
    stages = sorted({r["StageName"] for r in opp})
    amounts = sorted({r["Amount"] for r in opp if r["Amount"] is not None})
    ids = [r["Id"] for r in opp]
    for pred in [
        f"stage_name in ({', '.join(lit(s) for s in stages[:3])})",
        f"stage_name in ({', '.join(lit(s.upper()) for s in stages[:3])})",
        f"stage_name not in ({', '.join(lit(s) for s in stages[:3])})",
        "stage_name in ('Closed Won', 'Nope', '')", "stage_name in ('', ' ')",
        "stage_name = any('{}'::text[])", "stage_name <> all('{}'::text[])",
        "stage_name = any('{Closed Won,NULL}'::text[])", "stage_name <> all('{Closed Won,NULL}'::text[])",
        "stage_name = any(array['Closed Won', 'Prospecting'])",
        "stage_name <> all(array['Closed Won', 'Prospecting'])",
        "stage_name = any(array['closed won'])",
        "currency_iso_code in ('USD', 'EUR', 'XXX')", "currency_iso_code not in ('USD', 'EUR')",
        "type in ('New Customer') or type is null", "not (type in ('New Customer'))",
        f"amount in ({', '.join(sql_num(a) for a in amounts[:5])}, 1, 2)",
        f"amount not in ({', '.join(sql_num(a) for a in amounts[:5])})",
        "amount = any('{}'::numeric[])", "amount <> all('{}'::numeric[])",
        "amount = any('{460069.43,NULL}'::numeric[])", "amount <> all('{460069.43,NULL}'::numeric[])",
        "amount <> all('{460069.43,79783.36}'::numeric[])", "amount in (460069.43, 'NaN')",
        "fiscal_year in (2024, 2026)", "fiscal_year not in (2024)", "fiscal_year = any('{2025}'::int[])",
        "fiscal_year = any('{2025}'::bigint[])", "fiscal_quarter <> all('{1,2,NULL}'::int[])",
        "fiscal_quarter = any(array[1, 2]::smallint[])",
        "is_won in (true, false)", "close_date in (date '2025-07-04')",
    ]:
        check("opportunity", pred, "in list")
    for pred in ["line_count__c in (1, 161, 76, 9000000000)", "line_count__c not in (1, 161)",
                 "line_count__c = any('{}'::bigint[])", "line_count__c <> all('{1,NULL}'::bigint[])",
                 "status__c in ('Paid', 'Void')", "status__c not in ('Paid', 'Void')",
                 "memo__c in ('a', 'A', 'Zürich office', '東京 branch', 'O''Brien''s invoice')",
                 "memo__c in ('back\\slash and ''quote''', 'Path C:\\temp\\inv.pdf', 'x')",
                 "memo__c not in ('a', 'Zürich office')", "memo__c = any('{}'::text[])",
                 "due_date__c in ('2026-04-28', '2025-11-07')", "is_paid__c in (true)",
                 "paid_at__c in ('2025-04-19 09:26:27.431+00', '2024-09-03 23:59:59.999+00')"]:
        check("invoice", pred, "in list")
    # huge lists: thousands of values, present and absent, some beyond the URL cap
    sel_ids = RNG.sample(ids, 3000)
    check("opportunity", f"id in ({', '.join(lit(i) for i in sel_ids)})", "in list huge")
    check("opportunity", f"id in ({', '.join(lit(i) for i in sel_ids[:300])})", "in list huge")
    check("opportunity", f"id = any(array[{', '.join(lit(i) for i in sel_ids[:2000])}])", "in list huge")
    check("opportunity", f"id not in ({', '.join(lit(i) for i in sel_ids[:2500])})", "in list huge")
    check("opportunity", f"id <> all(array[{', '.join(lit(i) for i in sel_ids[:400])}])", "in list huge")
    check("opportunity", f"amount in ({', '.join(sql_num(a) for a in RNG.sample(amounts, 2500))})", "in list huge")
    check("opportunity", f"amount in ({', '.join(sql_num(a) for a in RNG.sample(amounts, 500))})", "in list huge")
    check("opportunity", f"amount not in ({', '.join(sql_num(a) for a in RNG.sample(amounts, 3000))})", "in list huge")
    check("opportunity", f"amount not in ({', '.join(sql_num(a) for a in RNG.sample(amounts, 300))})", "in list huge")
    check("opportunity", f"fiscal_year in ({', '.join(str(y) for y in range(1000, 5000))})", "in list huge")
    check("opportunity", f"name in ({', '.join(lit(f'No such name {i}') for i in range(4000))}, 'Acme - Hardware #4')", "in list huge")
    check("opportunity", f"close_date in ({', '.join(repr(str(d)) for d in sorted({r['CloseDate'] for r in opp})[:1500])})".replace('"', "'"), "in list huge")
    memos_all = sorted({r["Memo__c"] for r in inv if r["Memo__c"]})
    check("invoice", f"memo__c in ({', '.join(lit(m) for m in memos_all)})", "in list huge")
    check("invoice", f"memo__c in ({', '.join(lit(m) for m in memos_all[:150])})", "in list huge")

    # ---------------------------------------------------------------- LIKE / ILIKE
    patterns = [
        "Zürich%", "zürich%", "%Zürich%", "%ZÜRICH%", "%ürich%", "%東京%", "東京%", "%🚀%",
        "%\\%%", "\\%%", "%\\%", "100\\% paid%", "100% paid", "100_ paid%", "%\\_%", "%\\_",
        "under\\_score%", "under_score%", "%_discount%", "50\\%\\_discount%", "%'%", "O'Brien%",
        "%''%", "%\\\\%", "back\\\\slash%", "Path C:\\\\temp%", "Path C:\\temp%", "%\"%",
        "MiXeD%", "mixed%", "MIXED CASE MEMO", "%memo", "%Memo", "a", "A", "_", "__", "%", "%%",
        "", " %", "% ", "Line one%", "Line one\nLine two", "%\n%", "%\t%", "tab%separated",
        "Ünïcødé%", "ünïcødé%", "%façade%", "%FAÇADE%", "%#1%", "%#1_", "a #%", "\\a%", "x%y%z",
    ]
    for p in patterns:
        pl = lit(p)
        for op in ["like", "ilike", "not like", "not ilike"]:
            if op.startswith("not") and RNG.random() < 0.7:
                continue
            check("invoice", f"memo__c {op} {pl}", "like")
    for pred in [
        "name like 'Acme%'", "name like 'acme%'", "name ilike 'acme%'", "name ilike 'ACME - hardware #4'",
        "name like '%#1'", "name like '%#1_'", "name like 'Café%'", "name ilike 'café%'",
        "name ilike 'CAFÉ%'", "name like 'O''Reilly%'", "name ilike 'o''reilly%'",
        "stage_name like 'Closed%'", "stage_name ilike 'closed%'", "stage_name not like 'Closed%'",
        "stage_name like 'Closed _on'", "stage_name like 'Closed W%n'", "stage_name like '%/%'",
        "stage_name ~~ 'Closed%'", "stage_name ~~* 'CLOSED%'", "stage_name !~~ 'Closed%'",
        "stage_name like 'Closed#_W%' escape '#'", "stage_name like 'Closed W%' escape ''",
        "stage_name like any(array['Closed%', 'Pro%'])", "stage_name similar to 'Closed%'",
        "stage_name ~ '^Closed'", "stage_name like 'Closed%' collate \"C\"",
        "id like '0065g00000000%'", "id ilike '0065G00000000%'", "currency_iso_code like 'US_'",
        "next_step like '%demo'", "type like '%Customer%' or lead_source like 'Web'",
        "'Closed Won' like stage_name", "name like name",
    ]:
        check("opportunity", pred, "like")
    for pred in ["account_name ilike '%logistics%'", "account_name like 'Umbrella%'",
                 "status__c like 'P%'", "contact_email__c ilike '%@EXAMPLE.ORG'",
                 "website__c like 'https://pay.example.com/inv/1_'"]:
        check("invoice", pred, "like")

    # ---------------------------------------------------------------- AND / OR / NOT combinations
    atoms_opp = [
        "amount > 100000", "amount <= 5000", "amount is null", "close_date >= '2025-01-01'",
        "close_date < '2024-07-01'", "is_won", "not is_closed", "is_won = false",
        "stage_name = 'Prospecting'", "stage_name like 'Closed%'", "currency_iso_code in ('USD', 'EUR')",
        "fiscal_quarter = 2", "created_date >= '2025-03-01 00:00:00+00'", "lead_source is null",
        "type <> 'New Customer'", "lower(name) like 'acme%'", "probability >= 50",
        "name ilike '%zürich%'", "last_activity_date is not null", "total_opportunity_quantity < 100",
    ]
    for _ in range(70):
        k = RNG.choice([2, 2, 3, 3, 4])
        parts = RNG.sample(atoms_opp, k)
        expr = parts[0]
        for p in parts[1:]:
            conn = RNG.choice(["and", "or"])
            p = f"not ({p})" if RNG.random() < 0.2 else p
            expr = f"({expr}) {conn} {p}" if RNG.random() < 0.5 else f"{expr} {conn} ({p})"
        if RNG.random() < 0.15:
            expr = f"not ({expr})"
        check("opportunity", expr, "and/or/not")
    atoms_inv = ["amount__c > 50000", "is_paid__c", "not is_paid__c", "memo__c like '%\\%%'",
                 "due_date__c < '2025-06-01'", "paid_at__c >= '2025-01-01 00:00+00'",
                 "status__c = 'Void'", "line_count__c in (1, 2, 3)", "tax_rate__c is null",
                 "memo__c ilike '%zürich%'", "account_name like '%AG'"]
    for _ in range(25):
        parts = RNG.sample(atoms_inv, RNG.choice([2, 3]))
        conn = RNG.choice([" and ", " or "])
        expr = conn.join(f"({p})" for p in parts)
        if RNG.random() < 0.2:
            expr = f"not ({expr})"
        check("invoice", expr, "and/or/not")

    # ---------------------------------------------------------------- stable expressions
    stable = [
        "created_date > now() - interval '10000 days'", "created_date > now() - interval '400 days'",
        "created_date < now()", "created_date <= current_timestamp",
        "close_date > current_date - 1000", "close_date < current_date + 100000",
        "created_date > statement_timestamp() - interval '3650 days'",
        "created_date >= date_trunc('year', now()) - interval '1 year'",
        "created_date < '2025-03-01 00:00'::timestamp at time zone 'Asia/Tokyo'",
        "created_date < ('2025-03-01'::date + time '12:00')::timestamptz",
        "close_date <= (now() + interval '3000 days')::date",
        "amount > (select 100000)", "amount > abs(-100000)", "amount > 10 ^ 5",
        "stage_name = lower('PROSPECTING')", "stage_name = initcap('prospecting')",
        "stage_name = current_setting('application_name')",
        "created_date > now() - interval '10000 days' and random() >= 0",
        "amount > 100000 + random() * 0",
    ]
    for tz in ZONES:
        set_tz(tz)
        for pred in stable:
            check("opportunity", pred, "stable expression")
    set_tz("UTC")

    # ---------------------------------------------------------------- parameters, generic plans
    generic("opportunity", ["numeric"], "amount > $1", ["100000", "0", "NULL", "499974.0", "'NaN'"], "parameter")
    generic("opportunity", ["numeric", "date"], "amount <= $1 and close_date >= $2",
            ["50000, '2025-01-01'", "NULL, '2025-01-01'", "1e6, 'infinity'"], "parameter")
    generic("opportunity", ["boolean"], "is_won = $1", ["true", "false", "NULL"], "parameter")
    generic("opportunity", ["boolean"], "is_won <> $1", ["true", "false"], "parameter")
    generic("opportunity", ["boolean"], "is_closed <> $1 and amount > 1000", ["true", "false"], "parameter")
    generic("opportunity", ["text"], "stage_name = $1", ["'Closed Won'", "'closed won'", "''", "' Prospecting'", "NULL", "'O''Brien \\'"], "parameter")
    generic("opportunity", ["text"], "stage_name <> $1", ["'Closed Won'", "NULL"], "parameter")
    generic("opportunity", ["text"], "name like $1", ["'Acme%'", "'acme%'", "'%#1_'", "''", "NULL", "'%\\%'"], "parameter")
    generic("opportunity", ["text"], "name ilike $1", ["'acme%'", "'ZÜRICH%'", "'%'"], "parameter")
    generic("invoice", ["text"], "memo__c like $1", ["'%\\%%'", "'%\\_%'", "'O''Brien%'", "'back\\\\slash%'", "'東京%'"], "parameter")
    generic("opportunity", ["numeric[]"], "amount = any($1)", ["'{460069.43,79783.36}'", "'{}'", "'{NULL}'", "NULL"], "parameter")
    generic("opportunity", ["numeric[]"], "amount <> all($1)", ["'{460069.43,79783.36}'", "'{}'", "'{NULL,1}'"], "parameter")
    generic("opportunity", ["boolean[]"], "is_won <> all($1)", ["'{true}'", "'{false}'", "'{}'"], "parameter")
    generic("opportunity", ["text[]"], "stage_name = any($1)", ["'{Closed Won,Prospecting}'", "'{}'", "'{NULL,closed lost}'"], "parameter")
    generic("opportunity", ["text[]"], "stage_name <> all($1)", ["'{Closed Won,Prospecting}'", "'{}'"], "parameter")
    for tz in ZONES:
        set_tz(tz)
        generic("opportunity", ["timestamptz"], "created_date >= $1",
                ["'2025-03-01 00:00:00+00'", "'2025-02-28 23:59:59.999+00'", "'2025-03-01 12:00:00.0005+00'",
                 "'2025-03-01 00:00'", "'infinity'"], "parameter")
        generic("opportunity", ["timestamptz"], "created_date = $1",
                ["'2025-05-01 00:00:00+00'", "'2025-05-01 00:00:00.0001+00'", "'2024-02-11 23:59:59.999+00'"], "parameter")
        generic("opportunity", ["timestamptz[]"], "created_date = any($1)",
                ["'{\"2025-05-01 00:00:00+00\",\"2024-02-11 23:59:59.999+00\"}'", "'{\"2025-05-01 00:00:00.0001+00\"}'"], "parameter")
        generic("opportunity", ["date"], "close_date < $1", ["'2025-03-01'", "'-infinity'", "'1500-01-01'"], "parameter")
    set_tz("UTC")
    generic("opportunity", ["int", "numeric"], "fiscal_year = $1 or amount > $2",
            ["2025, 400000", "2024, NULL", "NULL, NULL"], "parameter")
    generic("invoice", ["bigint", "boolean"], "line_count__c >= $1 and is_paid__c = $2",
            ["100, true", "100, false", "-1, true"], "parameter")
    # auto plan mode: the sixth execution switches to the generic plan
    generic("opportunity", ["numeric", "boolean"], "amount > $1 and is_won = $2",
            [f"{v}, {b}" for v, b in [(100000, "true"), (200000, "false"), (0, "true"), (300000, "true"),
                                      (1000, "false"), (400000, "true"), (5000, "false"), (450000, "true")]],
            "parameter", force=False)
    generic("opportunity", ["boolean"], "is_won <> $1",
            [b for b in ["true", "false"] * 4], "parameter", force=False)

    # ---------------------------------------------------------------- LIMIT / OFFSET / ORDER BY
    limit_preds = [
        ("opportunity", "true"), ("opportunity", "amount > 100000"), ("opportunity", "is_won"),
        ("opportunity", "not is_closed and close_date >= '2025-01-01'"),
        ("opportunity", "stage_name = 'Prospecting'"), ("opportunity", "lower(name) like 'acme%'"),
        ("opportunity", "amount is null"), ("opportunity", "amount > 499000"),
        ("opportunity", "created_date >= '2025-03-01 00:00:00+00'"),
        ("invoice", "is_paid__c"), ("invoice", "memo__c like '%\\_%'"), ("invoice", "true"),
    ]
    orders = [None, "amount desc nulls last", "close_date, amount nulls first", "created_date desc",
              "amount", "id", "name", "is_won, close_date desc nulls last, amount"]
    inv_orders = [None, "amount__c desc", "due_date__c nulls first, line_count__c", "paid_at__c desc nulls last",
                  "memo__c"]
    for table, pred in limit_preds:
        for limit, offset in [(1, 0), (10, 0), (50, 5), (0, 0), (7, 2100), (20000, 0)]:
            if RNG.random() < 0.4:
                continue
            order = RNG.choice(orders if table == "opportunity" else inv_orders)
            limit_check(table, pred, order, limit, offset, "limit/order")
        for order in (orders if table == "opportunity" else inv_orders)[1:]:
            if RNG.random() < 0.5:
                limit_check(table, pred, order, RNG.choice([1, 5, 25, 300]), 0, "limit/order")

    for line in OUT:
        print(line)
    if "--stats" in sys.argv:
        for group, n in sorted(STATS.items()):
            if group.startswith("_"):
                continue
            print(f"{group}: {n}", file=sys.stderr)
        print(f"total: {sum(v for k, v in STATS.items() if not k.startswith('_'))}", file=sys.stderr)


if __name__ == "__main__":
    main()
