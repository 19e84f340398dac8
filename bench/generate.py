"""`seed.generate` at volume: rows generated and inserted per second, on SQLite and PostgreSQL.

Creates three tables (customers; orders referring to them, with check constraints and JSON;
order lines keyed by order and line number), fills each with --rows rows (default 100 000) the
way `migtest run` does, batched (--batch, default 1000), and prints per table and in all: rows,
seconds, rows per second. PostgreSQL is started on this machine for the run (as tests/machine.py
does) unless --url names a server. Usage:
  python bench/generate.py [--rows N] [--batch N] [--engines sqlite,postgres] [--url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import machine

from migtest.config import GenerateConfig
from migtest.databases import Database
from migtest.databases.postgres import PostgresServer
from migtest.databases.sqlite import SqliteServer
from migtest.seeding.generate import generate

TYPES = {
    "sqlite": {"json": "JSON", "timestamp": "TIMESTAMP"},
    "postgres": {"json": "JSONB", "timestamp": "TIMESTAMP"},
}


def schema(engine: str) -> list[str]:
    types = TYPES[engine]
    return [
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(80) NOT NULL UNIQUE, name VARCHAR(50) NOT NULL, "
        f"born DATE, created {types['timestamp']}, balance NUMERIC(10, 2), active BOOLEAN, notes TEXT)",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), "
        f"placed {types['timestamp']} NOT NULL, status VARCHAR(10) NOT NULL CHECK (status IN ('new', 'paid', 'sent')), "
        f"total NUMERIC(10, 2) CHECK (total >= 0), payload {types['json']})",
        "CREATE TABLE order_lines (order_id INTEGER NOT NULL REFERENCES orders (id), line INTEGER NOT NULL, "
        "sku VARCHAR(20) NOT NULL, quantity INTEGER NOT NULL CHECK (quantity > 0), PRIMARY KEY (order_id, line))",
    ]


def fill(engine: str, database: Database, rows: int, batch: int) -> None:
    with database.connection() as connection:
        for statement in schema(engine):
            connection.exec_driver_sql(statement)
        connection.commit()
    with database.connection() as connection:
        generated = generate(connection, GenerateConfig(rows=rows, batch=batch))
    print(f"{engine}: {generated.describe()}")
    for table in generated.tables:
        figures(table.table, table.inserted, table.seconds)
    figures("in all", generated.rows, generated.seconds)


def figures(name: str, rows: int, seconds: float) -> None:
    print(f"  {name:<12} {rows:>8} rows  {seconds:6.1f} s  {rows / seconds:8.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--url", help="an existing PostgreSQL server (default: start one here)")
    args = parser.parse_args()
    engines = args.engines.split(",")
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="migtest-bench-")))
        if "sqlite" in engines:
            server = SqliteServer(workdir)
            fill("sqlite", server.create("bench"), args.rows, args.batch)
        if "postgres" in engines:
            url = args.url or stack.enter_context(machine.host_postgres()).url
            postgres = PostgresServer(url)
            stack.callback(postgres.close)
            fill("postgres", postgres.create("bench"), args.rows, args.batch)


if __name__ == "__main__":
    main()
