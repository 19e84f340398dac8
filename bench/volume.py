"""Capture and compare at volume: migtest's peak memory and capture + check seconds against a floor.

Writes a Flyway-layout project of two releases: three tables (customers; orders referring to
them; order lines keyed by order and line number) filled with --rows rows each by one bulk
INSERT per table (a recursive CTE on SQLite, generate_series on PostgreSQL); the second release
adds a column with a default to each table and fills one from existing values. Runs
`migtest run --only upgrade --jobs 1` on it in a subprocess and prints, per engine and round:

  peak RSS   migtest's peak resident memory (ru_maxrss of the process, read by a parent that
             runs nothing else)
  capture    the seconds of the phases "capture before", "capture after" and "capture again"
  check      the seconds of the phase "check"
  floor      one keyed read of every row (`ORDER BY` the key, same driver, rows fetched and
             dropped) of the same database before and after the upgrade, measured in this run
  ratio      (capture + check) / floor

The machine may be shared: take the best of --rounds. PostgreSQL is started on this machine
(as tests/machine.py does) unless --url names a server. Usage:
  python bench/volume.py [--rows N[,N...]] [--rounds N] [--engines sqlite,postgres] [--url URL]

--rows takes several sizes (10000,100000,1000000): peak RSS flat as rows grow is the goal, and a
summary line per size and engine ends the run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import machine

from migtest.sql.text import as_written

CAPTURES = ("capture before", "capture after", "capture again")
TABLES = {"customers": "id", "orders": "id", "order_lines": "order_id, line"}
RELEASE_1 = [
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(80) NOT NULL, name VARCHAR(50) NOT NULL, "
    "created TIMESTAMP, balance NUMERIC(10, 2), active BOOLEAN, notes TEXT)",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), "
    "placed TIMESTAMP NOT NULL, status VARCHAR(10) NOT NULL, total NUMERIC(10, 2))",
    "CREATE TABLE order_lines (order_id INTEGER NOT NULL REFERENCES orders (id), line INTEGER NOT NULL, "
    "sku VARCHAR(20) NOT NULL, quantity INTEGER NOT NULL, PRIMARY KEY (order_id, line))",
]
RELEASE_2 = [
    "ALTER TABLE customers ADD COLUMN tier VARCHAR(10) NOT NULL DEFAULT 'basic'",
    "ALTER TABLE orders ADD COLUMN currency VARCHAR(3) NOT NULL DEFAULT 'EUR'",
    "ALTER TABLE order_lines ADD COLUMN note VARCHAR(40)",
    "UPDATE order_lines SET note = sku",
]
SERIES = {
    "sqlite": "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) SELECT i FROM n) AS g",
    "postgres": "generate_series(1, {rows}) AS g(i)",
}
STAMP = {
    "sqlite": "datetime('2024-01-01', '+' || (i % 86400) || ' seconds')",
    "postgres": "TIMESTAMP '2024-01-01' + (i % 86400) * INTERVAL '1 second'",
}


def seed(engine: str, rows: int) -> list[str]:
    series, stamp = SERIES[engine].format(rows=rows), STAMP[engine]
    active = "(i % 2 = 0)"
    return [
        "INSERT INTO customers (id, email, name, created, balance, active, notes) "
        f"SELECT i, 'user' || i || '@example.com', 'name ' || i, {stamp}, (i % 10000) / 100.0, {active}, "
        f"CASE WHEN i % 3 = 0 THEN NULL ELSE 'note about customer ' || i END FROM {series}",
        "INSERT INTO orders (id, customer_id, placed, status, total) "
        f"SELECT i, i, {stamp}, CASE i % 3 WHEN 0 THEN 'new' WHEN 1 THEN 'paid' ELSE 'sent' END, "
        f"(i % 5000) / 10.0 FROM {series}",
        "INSERT INTO order_lines (order_id, line, sku, quantity) "
        f"SELECT (i + 1) / 2, 1 + i % 2, 'SKU-' || (i % 997), 1 + i % 7 FROM {series}",
    ]


def write_project(root: Path, engine: str, rows: int, url: str | None) -> Path:
    migrations, seeds = root / "migrations", root / "seeds"
    migrations.mkdir(parents=True)
    seeds.mkdir()
    (migrations / "V1__shop.sql").write_text(";\n".join(RELEASE_1) + ";\n")
    (migrations / "V2__tiers.sql").write_text(";\n".join(RELEASE_2) + ";\n")
    for version in ("1.0", "1.1"):
        (seeds / f"{version}.sql").write_text(";\n".join(seed(engine, rows)) + ";\n")
    config = {
        "migrations": {"tool": "sql", "dir": "migrations", "layout": "flyway"},
        "versions": [{"name": "1.0", "revision": "1"}, {"name": "1.1", "revision": "2"}],
        "seed": {"sql": "seeds/{version}.sql"},
    }
    if url:
        config["database"] = {"engine": engine, "url": url}
    path = root / "migtest.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


# Run in a parent of its own, so that ru_maxrss of its children is migtest's alone.
MEASURED = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)


def run_migtest(config: Path) -> tuple[float, float, float]:
    """Peak RSS in MB, capture seconds and check seconds of one `migtest run`."""
    report = config.parent / "report"
    command = [sys.executable, "-m", "migtest", "run", "-c", str(config), "--report-dir", str(report)]
    command += ["--only", "upgrade", "--jobs", "1", "--progress", "plain"]
    measured = subprocess.run([sys.executable, "-c", MEASURED, *command], capture_output=True, text=True)
    peak_kb, code = measured.stdout.split()[-2:]
    if code != "0":
        raise SystemExit(f"migtest run failed ({code}):\n{measured.stdout[-3000:]}{measured.stderr[-3000:]}")
    (scenario,) = json.loads((report / "results.json").read_text())["scenarios"]
    seconds = {}
    for phase in scenario["phases"]:
        seconds[phase["name"]] = seconds.get(phase["name"], 0.0) + phase["seconds"]
    return int(peak_kb) / 1024, sum(seconds.get(name, 0.0) for name in CAPTURES), seconds.get("check", 0.0)


def keyed_read(connection: sqlalchemy.Connection) -> float:
    """Seconds to read every row of the three tables in key order, fetched in batches and dropped."""
    started = time.perf_counter()
    for table, key in TABLES.items():
        result = connection.exec_driver_sql(f"SELECT * FROM {table} ORDER BY {key}")
        while result.fetchmany(10_000):
            pass
    return time.perf_counter() - started


def floor(url: str, engine: str, rows: int) -> float:
    """One keyed read of every row before the upgrade plus one after, on a database of our own."""
    database = sqlalchemy.create_engine(url)
    try:
        with database.connect() as connection:
            for statement in [*RELEASE_1, *seed(engine, rows)]:
                connection.exec_driver_sql(as_written(connection, statement))
            connection.commit()
            before = keyed_read(connection)
            for statement in RELEASE_2:
                connection.exec_driver_sql(statement)
            connection.commit()
            return before + keyed_read(connection)
    finally:
        database.dispose()


@contextlib.contextmanager
def floor_database(engine: str, workdir: Path, server: str | None):
    """A URL to an empty database for the floor, removed afterwards."""
    if engine == "sqlite":
        yield f"sqlite:///{workdir / 'floor.db'}"
        return
    admin = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql("DROP DATABASE IF EXISTS migtest_volume_floor")
            connection.exec_driver_sql("CREATE DATABASE migtest_volume_floor")
        yield sqlalchemy.make_url(server).set(database="migtest_volume_floor").render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql("DROP DATABASE IF EXISTS migtest_volume_floor")
        admin.dispose()


def bench(engine: str, rows: int, rounds: int, server: str | None, workdir: Path) -> tuple[float, float]:
    """The best (ratio, peak RSS) of the rounds, each round printed as it ends."""
    print(f"{engine}: 3 tables x {rows} rows, one upgrade scenario, best of {rounds}")
    print("  round  peak RSS  capture  check   floor  (capture+check)/floor")
    best = None
    for number in range(1, rounds + 1):
        root = workdir / f"{engine}-{rows}-{number}"
        with floor_database(engine, root.parent, server) as url:
            base = floor(url, engine, rows)
        if engine == "sqlite":
            (workdir / "floor.db").unlink()
        peak, capture, check = run_migtest(write_project(root, engine, rows, server))
        ratio = (capture + check) / base
        print(f"  {number:5d}  {peak:5.0f} MB  {capture:6.2f}s  {check:5.2f}s  {base:5.2f}s  {ratio:6.1f}x")
        best = min(best or (ratio, peak), (ratio, peak))
    print(f"  best ratio {best[0]:.1f}x, peak RSS {best[1]:.0f} MB", flush=True)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="100000", help="rows per table, or several sizes: 10000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--url", help="an existing PostgreSQL server (default: start one here)")
    args = parser.parse_args()
    sizes = [int(rows) for rows in args.rows.split(",")]
    summary = []
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="migtest-bench-")))
        for engine in args.engines.split(","):
            server = None if engine == "sqlite" else args.url or stack.enter_context(machine.host_postgres()).url
            for rows in sizes:
                ratio, peak = bench(engine, rows, args.rounds, server, workdir)
                summary.append(f"  {engine:8s} {rows:9d}  {peak:6.0f} MB  {ratio:5.1f}x")
    print("engine    rows/table  peak RSS  best (capture+check)/floor", *summary, sep="\n")


if __name__ == "__main__":
    main()
