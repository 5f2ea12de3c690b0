#!/usr/bin/env python3
"""Generates the join differential test (tests/regress/sql/07_joins.sql runs it).

Prints one line per query:

  SELECT join_check($q$<query over joined.*>$q$, '<group>');

join_check runs the query against the imported foreign tables and against local copies of all
their rows (the same text with joined.<table> replaced by local_<table>) and compares the two
results as text, as multisets: a join Salesforce answers through relationship fields must give
exactly what Postgres computes from the rows. It also records whether the join was shipped (no
join node in the plan).

The joins: a child to its parent on each kind of reference (standard, custom `__c`, an object to
itself, polymorphic What and Owner), chains of two and three parents, inner and left joins;
with conditions on the child, on the parent (shipped as relationship conditions, or evaluated
here), on both; NULL references and NULL parent fields; grouping by parent columns (ids,
booleans, numbers, dates, picklists, text) with aggregates of the child's columns, and
aggregates of the whole join; ORDER BY ... LIMIT; and joins that must stay local (a polymorphic
parent's other fields, a join on another column, a left join with a condition on the parent).
Deterministic: fixed seed.

Usage: gen_joins.py [--stats]
"""
import collections
import random
import sys

RNG = random.Random(20261203)
STATS = collections.Counter()

# (group, FROM clause with the child aliased c, parent columns by alias, child columns)
JOINS = [
    ("opportunity-account",
     "joined.opportunity c {join} joined.account p ON c.account_id = p.id",
     {"p": ["p.name", "p.industry", "p.annual_revenue", "p.number_of_employees", "p.id",
            "p.parent_id", "p.created_date", "p.rating"]},
     ["c.id", "c.name", "c.amount", "c.stage_name", "c.close_date", "c.is_won", "c.account_id"]),
    ("opportunity-account (parent first)",
     "joined.account p {join_rev} joined.opportunity c ON p.id = c.account_id",
     {"p": ["p.name", "p.industry", "p.rating"]},
     ["c.id", "c.amount", "c.is_closed"]),
    ("contact-account",
     "joined.contact c {join} joined.account p ON p.id = c.account_id",
     {"p": ["p.name", "p.type", "p.billing_city", "p.annual_revenue"]},
     ["c.id", "c.last_name", "c.email", "c.birthdate"]),
    ("invoice-opportunity (custom reference)",
     "joined.invoice__c c {join} joined.opportunity p ON c.opportunity__c = p.id",
     {"p": ["p.name", "p.amount", "p.stage_name", "p.close_date", "p.is_won", "p.id"]},
     ["c.id", "c.name", "c.amount__c", "c.is_paid__c", "c.due_date__c", "c.status__c"]),
    ("account-parent account (self)",
     "joined.account c {join} joined.account p ON c.parent_id = p.id",
     {"p": ["p.name", "p.industry", "p.number_of_employees"]},
     ["c.id", "c.name", "c.industry", "c.number_of_employees"]),
    ("opportunity-account-owner (chain)",
     "joined.opportunity c {join} joined.account p ON c.account_id = p.id"
     " {join2} joined.user u ON p.owner_id = u.id",
     {"p": ["p.name", "p.industry"], "u": ["u.name", "u.is_active", "u.department"]},
     ["c.id", "c.amount", "c.stage_name"]),
    ("invoice-opportunity-account (chain)",
     "joined.invoice__c c {join} joined.opportunity p ON c.opportunity__c = p.id"
     " {join2} joined.account a ON p.account_id = a.id",
     {"p": ["p.name", "p.amount"], "a": ["a.name", "a.industry", "a.annual_revenue"]},
     ["c.id", "c.amount__c", "c.is_paid__c"]),
    ("task-opportunity (polymorphic What)",
     "joined.task c {join} joined.opportunity p ON c.what_id = p.id",
     {"p": ["p.name", "p.id"]},
     ["c.id", "c.subject", "c.status", "c.activity_date"]),
    ("invoice-owner (polymorphic Owner)",
     "joined.invoice__c c {join} joined.user p ON c.owner_id = p.id",
     {"p": ["p.name", "p.id"]},
     ["c.id", "c.name", "c.amount__c"]),
    ("contact-account-parent (chain)",
     "joined.contact c {join} joined.account p ON c.account_id = p.id"
     " {join2} joined.account g ON p.parent_id = g.id",
     {"p": ["p.name"], "g": ["g.name", "g.industry"]},
     ["c.id", "c.last_name"]),
]

CHILD_WHERES = {
    "opportunity": ["c.is_won", "c.amount > 250000", "c.stage_name = 'Closed Won'",
                    "c.close_date >= '2025-01-01'", "c.account_id IS NULL",
                    "c.name LIKE '%a%'", "c.amount IS NULL"],
    "contact": ["c.last_name >= 'M'", "c.birthdate IS NULL", "c.email LIKE '%example%'"],
    "invoice__c": ["c.is_paid__c", "c.amount__c > 1000", "c.status__c = 'Paid'",
                   "c.opportunity__c IS NULL"],
    "account": ["c.number_of_employees > 1000", "c.industry = 'Energy'", "c.parent_id IS NULL"],
    "task": ["c.status = 'Completed'", "c.activity_date IS NULL", "c.what_id IS NULL",
             "c.subject LIKE 'Call%'"],
}

PARENT_WHERES = {
    "p.industry": ["{col} = 'Energy'", "{col} IN ('Banking', 'Retail')", "{col} IS NULL",
                   "{col} <> 'Energy'"],
    "p.annual_revenue": ["{col} > 1000000", "{col} IS NULL"],
    "p.number_of_employees": ["{col} BETWEEN 10 AND 5000"],
    "p.name": ["{col} LIKE 'A%'", "lower({col}) < 'm'"],
    "p.amount": ["{col} > 100000"],
    "p.is_won": ["{col}", "NOT {col}"],
    "p.stage_name": ["{col} = 'Prospecting'"],
    "p.type": ["{col} = 'Prospect'"],
    "p.rating": ["{col} = 'Hot'"],
    "u.is_active": ["{col}"],
    "u.department": ["{col} IS NOT NULL"],
    "a.industry": ["{col} = 'Energy'"],
    "g.industry": ["{col} IS NOT NULL"],
}


def child_of(group_from):
    # The table aliased c.
    for part in group_from.split("joined.")[1:]:
        name, alias = part.split()[0], part.split()[1]
        if alias == "c":
            return name
    raise ValueError(group_from)


def rows_query(from_clause, child_cols, parent_cols, join, join2, where, order_limit):
    cols = RNG.sample(child_cols, RNG.randint(1, min(3, len(child_cols))))
    cols += RNG.sample(parent_cols, RNG.randint(1, min(3, len(parent_cols))))
    rev = {"JOIN": "JOIN", "LEFT JOIN": "RIGHT JOIN"}[join]
    sql = f"SELECT {', '.join(cols)} FROM " + from_clause.format(join=join, join_rev=rev, join2=join2)
    if where:
        sql += " WHERE " + " AND ".join(where)
    if order_limit:
        # c.id is unique in every join shipped here: the order is total, LIMIT picks the same rows.
        sql += f" ORDER BY c.id LIMIT {RNG.choice([1, 5, 40])}"
    return sql


# Aggregates of the child's columns (what an aggregate over a shipped join may ship).
CHILD_AGGREGATES = {
    "opportunity": ["max(c.close_date)", "min(c.close_date)", "count(c.amount)",
                    "count(DISTINCT c.account_id)"],
    "contact": ["max(c.birthdate)", "count(c.email)", "min(c.birthdate)"],
    "invoice__c": ["max(c.due_date__c)", "count(c.amount__c)", "min(c.due_date__c)"],
    "account": ["sum(c.number_of_employees)", "max(c.number_of_employees)",
                "count(c.industry)"],
    "task": ["max(c.activity_date)", "count(c.subject)"],
}


# Parent columns whose grouping Salesforce may compute (ids, booleans, integers, dates, and
# industry, which 07_joins marks group_exact); the others group here.
SHIPPABLE_KEYS = {"id", "parent_id", "is_won", "is_active", "number_of_employees", "close_date",
                  "industry"}


def grouped_query(from_clause, child, parent_cols, join, join2, where):
    aggs = ["count(*)", "count(c.id)", "count(DISTINCT c.id)"] + CHILD_AGGREGATES[child]
    chosen = RNG.sample(aggs, RNG.randint(1, 3))
    if RNG.random() < 0.2:
        # A count of the parent's key counts the children that have one (computed here).
        chosen.append(f"count({parent_cols[0].split('.')[0]}.id)")
    rev = {"JOIN": "JOIN", "LEFT JOIN": "RIGHT JOIN"}[join]
    from_sql = from_clause.format(join=join, join_rev=rev, join2=join2)
    # One in five aggregates the whole join (one row, even when nothing matches).
    if RNG.random() < 0.2:
        sql = f"SELECT {', '.join(chosen)} FROM {from_sql}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return sql
    shippable = [c for c in parent_cols if c.split(".")[1] in SHIPPABLE_KEYS]
    key = RNG.choice(shippable if shippable and RNG.random() < 0.7 else parent_cols)
    sql = f"SELECT {key}, {', '.join(chosen)} FROM {from_sql}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql + " GROUP BY 1"


def main():
    out = []
    for group, from_clause, parents, child_cols in JOINS:
        parent_cols = [c for cols in parents.values() for c in cols]
        child = child_of(from_clause)
        for n in range(30):
            join = "JOIN" if n % 2 == 0 else "LEFT JOIN"
            join2 = RNG.choice(["JOIN", "LEFT JOIN"]) if "{join2}" in from_clause else ""
            where = []
            if RNG.random() < 0.5:
                where.append(RNG.choice(CHILD_WHERES[child]))
            if join == "JOIN" and RNG.random() < 0.5:
                col = RNG.choice([c for c in parent_cols if c in PARENT_WHERES] or [None])
                if col:
                    where.append(RNG.choice(PARENT_WHERES[col]).format(col=col))
            if n % 3 == 2:
                sql = grouped_query(from_clause, child, parent_cols, join, join2, where)
                kind = "grouped"
            else:
                sql = rows_query(from_clause, child_cols, parent_cols, join, join2, where,
                                 RNG.random() < 0.25)
                kind = "rows"
            STATS[f"{group}: {kind}"] += 1
            out.append(f"SELECT join_check($q${sql}$q$, '{group}');")
    # Joins that must stay local: a polymorphic parent's field other than Id and Name, a join on
    # another column, a left join whose parent has a condition of its own, a join that is not
    # on the parent's Id.
    for sql in [
        "SELECT c.id, u.department FROM joined.invoice__c c JOIN joined.user u ON c.owner_id = u.id",
        "SELECT t.id, o.amount FROM joined.task t JOIN joined.opportunity o ON t.what_id = o.id",
        "SELECT c.id, p.name FROM joined.opportunity c JOIN joined.account p ON c.name = p.name",
        "SELECT c.id, p.name FROM joined.opportunity c LEFT JOIN joined.account p"
        " ON c.account_id = p.id AND p.industry = 'Energy'",
        "SELECT c.id, p.name FROM joined.opportunity c LEFT JOIN joined.account p"
        " ON c.account_id = p.id AND c.amount > p.annual_revenue",
    ]:
        STATS["stays local"] += 1
        out.append(f"SELECT join_check($q${sql}$q$, 'stays local');")
    # An inner join with another join clause is shipped, the other clause checked here.
    sql = ("SELECT c.id, p.name FROM joined.opportunity c JOIN joined.account p"
           " ON c.account_id = p.id AND c.amount > p.number_of_employees")
    STATS["another join clause"] += 1
    out.append(f"SELECT join_check($q${sql}$q$, 'another join clause');")
    print("\n".join(out))
    if "--stats" in sys.argv:
        for group, n in sorted(STATS.items()):
            print(f"{group}: {n}", file=sys.stderr)
        print(f"total: {sum(STATS.values())}", file=sys.stderr)


if __name__ == "__main__":
    main()
