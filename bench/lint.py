"""`migtest lint`'s speed: a generated history linted, against a floor measured in the same run
(the parser alone: pglast for PostgreSQL; the split and sqlglot for MySQL), and the latency of one
pre-commit call (`migtest lint --dialect postgres FILE`) against starting migtest (`migtest --version`:
Python, the command line and the configuration's models) and Python alone (`python -c pass`).

The history: --migrations files of --statements DDL statements each on tables the first file
creates (indexes, ALTERs that trigger or just miss the rules, renames, drops, SET lock_timeout).
The best of --rounds counts; the machine may be shared, so the ratios are what to compare.

Usage: python bench/lint.py [--migrations N] [--statements S] [--rounds R]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import sqlglot
from pglast import parse_sql
from split import best  # bench/split.py, beside this file

from migtest.lint import Migration
from migtest.lint.run import lint_history
from migtest.sql import split as sqlsplit

POSTGRES = [
    "SET lock_timeout = '2s';",
    "CREATE INDEX ix_{n} ON t{t} (note);",
    "CREATE INDEX CONCURRENTLY ixc_{n} ON t{t} (note);",
    "ALTER TABLE t{t} ADD COLUMN c{n} timestamptz DEFAULT now();",
    "ALTER TABLE t{t} ALTER COLUMN note TYPE varchar({width});",
    "ALTER TABLE t{t} ADD CONSTRAINT ck_{n} CHECK (id > 0) NOT VALID;",
    "ALTER TABLE t{t} RENAME COLUMN c{n} TO d{n};",
    "DROP INDEX ix_{n};",
]
MYSQL = [
    "SET SESSION lock_wait_timeout = 5;",
    "CREATE INDEX ix_{n} ON t{t} (note);",
    "ALTER TABLE t{t} ADD COLUMN c{n} INT, ALGORITHM=INSTANT;",
    "ALTER TABLE t{t} MODIFY note VARCHAR({width});",
    "ALTER TABLE t{t} RENAME COLUMN c{n} TO d{n};",
    "ALTER TABLE t{t} DROP COLUMN d{n};",
]
TABLES = 20


def history(templates: list[str], migrations: int, statements: int) -> list[Migration]:
    first = "\n".join(f"CREATE TABLE t{t} (id int PRIMARY KEY, note varchar(10));" for t in range(TABLES))
    files = [Migration("1", Path("V1__tables.sql"), first)]
    for m in range(2, migrations + 2):
        lines = [
            templates[s % len(templates)].format(n=f"{m}_{s}", t=(m + s) % TABLES, width=10 + m)
            for s in range(statements)
        ]
        files.append(Migration(str(m), Path(f"V{m}__step.sql"), "\n".join(lines) + "\n"))
    return files


def parse_mysql(files: list[Migration]) -> None:
    for migration in files:
        for start, end in sqlsplit.spans(migration.sql):
            sqlglot.parse_one(migration.sql[start:end], read="mysql")


def run(command: list[str]) -> None:
    subprocess.run(command, check=False, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--migrations", type=int, default=200)
    parser.add_argument("--statements", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"best of {args.rounds} rounds; {args.migrations} migrations of {args.statements} statements")
    for dialect, templates, floor_work in (
        ("postgres", POSTGRES, lambda files: [parse_sql(m.sql) for m in files]),
        ("mysql", MYSQL, parse_mysql),
    ):
        files = history(templates, args.migrations, args.statements)
        count = args.migrations * args.statements + TABLES
        findings = len(lint_history(files, dialect).findings)  # and the modules imported before timing
        floor = best(args.rounds, lambda files=files, work=floor_work: work(files))
        linted = best(args.rounds, lambda files=files, dialect=dialect: lint_history(files, dialect))
        print(
            f"{dialect:9} {count} statements  parse (floor) {floor * 1e6 / count:7.1f} µs/statement  "
            f"lint {linted * 1e6 / count:7.1f} µs/statement ({linted / floor:4.2f}x the floor)  {findings} findings"
        )
    with tempfile.TemporaryDirectory(prefix="migtest-bench-lint-") as folder:
        path = Path(folder) / "V2__step.sql"
        path.write_text(history(POSTGRES, 1, args.statements)[1].sql)
        start = best(args.rounds, lambda: run([sys.executable, "-c", "pass"]))
        cli = best(args.rounds, lambda: run([sys.executable, "-m", "migtest", "--version"]))
        hook = best(
            args.rounds, lambda: run([sys.executable, "-m", "migtest", "lint", "--dialect", "postgres", str(path)])
        )
        print(
            f"one pre-commit call: python -c pass {start * 1e3:.0f} ms  migtest --version (floor) {cli * 1e3:.0f} ms  "
            f"migtest lint FILE {hook * 1e3:.0f} ms ({hook / cli:.2f}x the floor)"
        )


if __name__ == "__main__":
    main()
