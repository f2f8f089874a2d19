#!/usr/bin/env python3
"""Saves the rows of every sql/*.sql query on a real database as fixtures, in the format of
tests/fixtures/oracle/ (one JSON file per query), which tests/it/oracle.rs accepts as is.

For a DBA: needs python3 and SQL*Plus 12.2 or newer (for SET MARKUP CSV; it can query an 11g
database). Read-only: it runs exactly the doctor's queries, as the monitoring user.

  LMD_PASSWORD=... python3 sql/capture.py --connect db-host:1521/ORCLPDB1 --user CDCMON \\
      --connector-user DEBEZIUM --tables INVENTORY.CUSTOMERS,SALES.ORDERS --out my-db

The password is read from LMD_PASSWORD and given to SQL*Plus on its standard input, never on a
command line. Check the rows (host names, SQL texts) before publishing them.
"""
import argparse
import csv
import io
import json
import os
import pathlib
import re
import subprocess
import sys

SQL_DIR = pathlib.Path(__file__).resolve().parent
TABLES = "((:owner_1, :table_1))"
FLUSH = "flush_owner.flush_table"
IDENT = re.compile(r"^[A-Z0-9_$#]{1,128}$")


def expand(text, connector_user, tables, flush):
    """The query as the collector sends it, with SQL*Plus bind variables: (sql, {name: value})."""
    binds = {}
    if ":max_islands" in text:
        binds["max_islands"] = "4"
    if ":connector_user" in text:
        binds["connector_user"] = connector_user
    if TABLES in text:
        pairs = []
        for i, (owner, table) in enumerate(tables, 1):
            pairs.append("(:owner_%d, :table_%d)" % (i, i))
            binds["owner_%d" % i] = owner
            binds["table_%d" % i] = table
        text = text.replace(TABLES, "(%s)" % ", ".join(pairs or ["(NULL, NULL)"]))
    if FLUSH in text:
        owner, table = flush
        text = text.replace(FLUSH, '"%s"."%s"' % (owner, table))
    return text, binds


def rows_from_csv(text):
    """SQL*Plus CSV (header line, then rows) to fixture rows. Oracle stores '' as NULL, so an
    empty field is null. An ORA- or SP2- line means the query failed: raise with it."""
    lines = [l for l in text.splitlines() if l.strip()]
    for l in lines:
        if re.match(r"^(ORA|SP2|PLS)-\d+", l):
            raise RuntimeError(l)
    if not lines:
        return []
    reader = csv.reader(io.StringIO("\n".join(lines)))
    header = [h.strip().upper() for h in next(reader)]
    return [
        {h: (v if v != "" else None) for h, v in zip(header, row)} for row in reader
    ]


def fixture(file, version, source, rows):
    return {"source": source, "version": version, "file": file, "rows": rows}


def sqlplus(login, script):
    p = subprocess.run(
        ["sqlplus", "-s", "-L", "/nolog"],
        input=login + script,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return p.stdout


def run_query(login, sql, binds):
    script = [
        "SET MARKUP CSV ON QUOTE ON",
        "SET FEEDBACK OFF VERIFY OFF ECHO OFF TERMOUT ON",
        "SET PAGESIZE 50000 LINESIZE 32767 NUMWIDTH 40 LONG 100000 SQLBLANKLINES ON",
        "WHENEVER SQLERROR CONTINUE",
    ]
    for name, value in binds.items():
        script.append("VARIABLE %s VARCHAR2(128)" % name)
        script.append("EXEC :%s := '%s'" % (name, value.replace("'", "''")))
    script.append(sql.rstrip().rstrip(";"))
    script.append("/")
    script.append("EXIT")
    return rows_from_csv(sqlplus(login, "\n".join(script) + "\n"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--connect", help="connect string, e.g. db-host:1521/ORCLPDB1")
    ap.add_argument("--user", help="the monitoring user")
    ap.add_argument("--connector-user", help="the connector's database user")
    ap.add_argument("--tables", default="", help="captured tables, OWNER.TABLE,...")
    ap.add_argument("--flush-table", help="default <connector-user>.LOG_MINING_FLUSH")
    ap.add_argument("--out", required=True, help="directory to write the JSON files to")
    ap.add_argument("--from-csv", help="convert one saved SQL*Plus CSV output instead (tests)")
    ap.add_argument("--file", help="with --from-csv: the sql/ file it came from")
    ap.add_argument("--version", default="unknown", help="with --from-csv: the database version")
    a = ap.parse_args()
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)

    if a.from_csv:
        rows = rows_from_csv(pathlib.Path(a.from_csv).read_text())
        doc = fixture(a.file, a.version, "converted from SQL*Plus CSV", rows)
        (out / a.file.replace(".sql", ".json")).write_text(json.dumps(doc, indent=1))
        return 0

    for need in ("connect", "user", "connector_user"):
        if not getattr(a, need):
            ap.error("--%s is required" % need.replace("_", "-"))
    password = os.environ.get("LMD_PASSWORD")
    if not password:
        ap.error("set LMD_PASSWORD to the monitoring user's password")
    user = a.connector_user.upper()
    tables = []
    for t in filter(None, (t.strip().upper() for t in a.tables.split(","))):
        owner, _, table = t.partition(".")
        tables.append((owner, table))
    flush = tuple((a.flush_table or user + ".LOG_MINING_FLUSH").upper().split(".", 1))
    for part in [user, *flush, *(x for t in tables for x in t)]:
        if not IDENT.match(part):
            ap.error("%r is not a plain Oracle identifier" % part)
    if '"' in password or "\n" in password:
        ap.error("a password with a double quote or a newline cannot be given to SQL*Plus")
    login = 'CONNECT "%s"/"%s"@"%s"\n' % (a.user.upper(), password, a.connect)

    version_rows = run_query(
        login,
        "SELECT version FROM product_component_version WHERE product LIKE 'Oracle%' AND ROWNUM = 1",
        {},
    )
    version = version_rows[0]["VERSION"] if version_rows else "unknown"
    source = "captured with sql/capture.py from %s (Oracle %s)" % (a.connect, version)
    for path in sorted(SQL_DIR.glob("*.sql")):
        if path.name == "grants.sql":
            continue
        sql, binds = expand(path.read_text(), user, tables, flush)
        try:
            rows = run_query(login, sql, binds)
        except RuntimeError as e:
            print("%s: %s (not saved)" % (path.name, e), file=sys.stderr)
            continue
        doc = fixture(path.name, version, source, rows)
        (out / path.name.replace(".sql", ".json")).write_text(json.dumps(doc, indent=1))
        print("%s: %d rows" % (path.name, len(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
