#!/usr/bin/env python3
"""Generates the aggregate differential test (tests/regress/sql/06_aggregates.sql runs it).

Prints one line per query:

  SELECT agg_check($q$<query over sf.*>$q$, '<group>');

agg_check runs the query against the foreign table and against a local copy of all of its rows
(the same text with sf.<table> replaced by local_<table>) and compares the two results as text,
row by row, as multisets: a pushed aggregate must give exactly what Postgres computes locally,
display scale included. It also records whether Salesforce computed the aggregate (no Aggregate
node in the plan) or Postgres did.

The queries combine GROUP BY keys of each kind (boolean, date, id, reference, restricted and
unrestricted picklist, integer, text, NULL-holding, several keys, none), aggregates (count(*),
count, count(DISTINCT), sum, avg, min, max over integers, numerics, dates, datetimes,
currencies, text), WHERE clauses (none, exact, only narrowed by Salesforce, empty results),
HAVING, expressions over aggregates, and ORDER BY ... LIMIT over aggregates. Deterministic:
fixed seed.

Usage: gen_aggregates.py [--stats]
"""
import collections
import random
import sys

RNG = random.Random(20261202)
STATS = collections.Counter()

TABLES = {
    "opportunity": {
        "groups": [
            [], ["is_won"], ["is_closed", "is_won"], ["close_date"], ["account_id"],
            ["owner_id"], ["currency_iso_code"], ["fiscal_year"],
            ["fiscal_year", "fiscal_quarter"], ["stage_name"], ["type"], ["lead_source"],
            ["forecast_category_name"], ["currency_iso_code", "is_won"],
            ["last_activity_date"], ["name"],
        ],
        "aggregates": [
            ["count(*)"],
            ["count(*)", "sum(fiscal_year)", "avg(fiscal_quarter)"],
            ["min(close_date)", "max(close_date)"],
            ["count(amount)", "count(DISTINCT account_id)"],
            ["min(probability)", "max(total_opportunity_quantity)"],
            ["sum(amount)"],
            ["max(created_date)", "min(last_modified_date)"],
            ["avg(probability)"],
            ["count(DISTINCT stage_name)"],
            ["min(amount)", "max(expected_revenue)"],
            ["count(last_activity_date)", "max(last_activity_date)"],
            ["sum(fiscal_quarter) * 2 AS twice", "count(*) + 1 AS plus_one"],
            ["count(DISTINCT close_date)", "min(fiscal_quarter)", "max(fiscal_year)"],
            ["count(*) FILTER (WHERE is_won)"],
            ["max(name)"],
            ["sum(probability)", "count(*)"],
        ],
        "wheres": [
            "", "", "is_won", "close_date >= '2025-01-01'", "amount > 480000",
            "stage_name = 'Closed Won'", "name LIKE 'A%'", "fiscal_year = 1900",
            "currency_iso_code IN ('EUR', 'JPY')", "amount IS NULL",
            "last_activity_date IS NULL", "NOT is_closed AND fiscal_quarter <= 2",
            "probability >= 50", "lower(name) = 'x'",
            # no row can match (Salesforce has no microseconds): nothing is sent
            "created_date = '2024-01-01 00:00:00.000001+00'",
        ],
        "havings": [
            "count(*) > 5", "min(close_date) < '2025-06-01'", "sum(fiscal_year) > 10000",
            "count(*) = 1",
        ],
    },
    "invoice": {
        "groups": [
            [], ["account_id"], ["opportunity__c"], ["is_paid__c"], ["due_date__c"],
            ["status__c"], ["currency_iso_code"], ["account_name"], ["is_paid__c", "currency_iso_code"],
        ],
        "aggregates": [
            ["count(*)"],
            ["min(amount__c)", "max(amount__c)"],
            ["max(tax_rate__c)", "min(quantity__c)"],
            ["count(DISTINCT opportunity__c)", "count(paid_at__c)"],
            ["min(paid_at__c)", "max(due_date__c)"],
            ["min(reminder_time__c)", "max(reminder_time__c)"],
            ["sum(quantity__c)"],
            ["count(memo__c)", "count(*)"],
        ],
        "wheres": [
            "", "is_paid__c", "amount__c > 1000", "due_date__c < '2025-01-01'",
            "status__c = 'Paid'", "memo__c LIKE '%a%'",
        ],
        "havings": ["count(*) > 2", "max(amount__c) > 100"],
    },
    "won_opportunity": {
        "groups": [[], ["stagename"]],
        "aggregates": [["count(*)"], ["count(\"Amount\")", "max(\"Amount\")"]],
        "wheres": ["", "\"Amount\" > 1000"],
        "havings": [],
    },
}


def query(table, groups, aggregates, where, having, order_limit):
    select = ", ".join(groups + aggregates)
    sql = f"SELECT {select} FROM sf.{table}"
    if where:
        sql += f" WHERE {where}"
    if groups:
        sql += " GROUP BY " + ", ".join(groups)
    if having:
        sql += f" HAVING {having}"
    if order_limit:
        # Every output column, so that the order is total and LIMIT picks the same rows.
        width = len(groups) + len(aggregates)
        sql += " ORDER BY " + ", ".join(f"{i} DESC NULLS LAST" if i % 2 else str(i)
                                         for i in range(1, width + 1))
        sql += f" LIMIT {RNG.choice([1, 3, 7, 50])}"
    return sql


def main():
    out = []
    for table, spec in TABLES.items():
        combos = [(g, a) for g in spec["groups"] for a in spec["aggregates"]]
        # Every group set with every aggregate set once, then more at random.
        extra = {"opportunity": 130, "invoice": 30, "won_opportunity": 4}[table]
        combos += [(RNG.choice(spec["groups"]), RNG.choice(spec["aggregates"])) for _ in range(extra)]
        for groups, aggregates in combos:
            if groups == ["name"] and RNG.random() < 0.7:
                continue  # 20,000 groups: Postgres aggregates them, a few suffice
            where = RNG.choice(spec["wheres"])
            having = RNG.choice(spec["havings"]) if spec["havings"] and RNG.random() < 0.25 else ""
            order_limit = RNG.random() < 0.2
            sql = query(table, groups, aggregates, where, having, order_limit)
            group = "grouped" if groups else "whole table"
            STATS[group] += 1
            out.append(f"SELECT agg_check($q${sql}$q$, '{group}');")
    print("\n".join(out))
    if "--stats" in sys.argv:
        for group, n in sorted(STATS.items()):
            print(f"{group}: {n}", file=sys.stderr)
        print(f"total: {sum(STATS.values())}", file=sys.stderr)


if __name__ == "__main__":
    main()
