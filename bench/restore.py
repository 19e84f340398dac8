"""`seed.restore`: a snapshot restored once per run and cloned per scenario, against one restore per
scenario (--no-reuse), with the floor of one restore by the client program alone.

Makes a Flyway-layout project of four releases (1.0 creates three tables, each later one adds a
column), a "production" database at 1.0 holding ROWS rows per table, and its snapshot by the
engine's own tool; then runs the three scenarios that start from 1.0 (the upgrade to 1.1, skips
to 1.2 and 2.0) with `migtest run --jobs 1`, with and without reuse, and prints the seconds of
their restore and provision (clone) phases, best of --rounds. The floor is the same snapshot
restored once into an empty database by the client (pg_restore, psql, mysql) or SQLite's backup,
timed in the same process.

A server of the engine is started on this machine for the run (as tests/machine.py does).
Usage: python bench/restore.py [--engine postgres|mariadb|sqlite] [--form custom|plain|...]
       [--rows N] [--rounds N]
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
from snapshots import SUFFIXES, make_snapshot

from migtest.config import DatabaseConfig, load_config
from migtest.databases import Database, DatabaseServer, open_server
from migtest.migrators import UPGRADE
from migtest.migrators.sql import SqlMigrator
from migtest.seeding.restore import SnapshotRestorer
from migtest.sources import Workspace

SERVERS = {"postgres": machine.host_postgres, "mariadb": machine.host_mariadb}
FORMS = {"postgres": "custom", "mariadb": "mysqldump", "sqlite": "file"}
TABLES = ("customers", "orders", "events")
BATCH = 10_000


def write_project(root: Path, engine: str, url: str | None, snapshot: str) -> Path:
    migrations = root / "db"
    migrations.mkdir(parents=True)
    tables = [f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, amount INTEGER);" for t in TABLES]
    (migrations / "V1__tables.sql").write_text("\n".join(tables) + "\n")
    for number in (2, 3, 4):
        (migrations / f"V{number}__note.sql").write_text(
            f"ALTER TABLE customers ADD COLUMN note{number} VARCHAR(20);\n"
        )
    versions = [{"name": name, "revision": name[0]} for name in ("1.0", "2.0", "3.0", "4.0")]
    config = {
        "migrations": {"tool": "sql", "dir": "db"},
        "database": {"engine": engine, **({"url": url} if url else {})},
        "versions": versions,
        "matrix": {"fresh": False, "upgrade": "chain", "skip": [["1.0", "3.0"], ["1.0", "4.0"]], "downgrade": "none"},
        "seed": {"restore": f"snapshots/{snapshot}"},
        "checks": {"idempotent": False},
    }
    path = root / "migtest.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def fill_production(config_path: Path, server: DatabaseServer, rows: int) -> Database:
    """A database at release 1.0 with `rows` rows in each table."""
    config = load_config(config_path)
    database = server.create("production")
    SqlMigrator(config.migrations).migrate(
        Workspace(config.versions[0], config.root, config.root), database, UPGRADE, "1"
    )
    with database.connection() as connection:
        for table in TABLES:
            insert = sqlalchemy.text(f"INSERT INTO {table} (id, name, amount) VALUES (:id, :name, :amount)")
            for start in range(1, rows + 1, BATCH):
                numbers = range(start, min(start + BATCH, rows + 1))
                connection.execute(insert, [{"id": n, "name": f"{table} row {n}", "amount": n % 997} for n in numbers])
            connection.commit()
    return database


def restore_floor(config_path: Path, server: DatabaseServer) -> float:
    """One restore of the 1.0 snapshot into an empty database, by what migtest runs for it."""
    config = load_config(config_path)
    assert config.seed.restore is not None
    restorer = SnapshotRestorer(config.root, config.seed.restore, config.database.engine, 3600.0, str(config_path))
    database = server.create("floor")
    try:
        started = time.perf_counter()
        restorer.restore("1.0", database)
        return time.perf_counter() - started
    finally:
        server.drop(database)


def restore_seconds(config: Path, *options: str) -> tuple[float, float]:
    """The run's seconds in restore and provision (clone) phases, and its whole time."""
    report = config.parent / "r"
    command = [sys.executable, "-m", "migtest", "run", "-c", str(config), "--report-dir", str(report), "--jobs", "1"]
    command += ["--only", "*-1.0-to-*"]  # the scenarios that start from the release with a snapshot
    started = time.perf_counter()
    result = subprocess.run([*command, *options], capture_output=True, text=True)
    whole = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"migtest run {' '.join(options)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    scenarios = json.loads((report / "results.json").read_text())["scenarios"]
    phases = [phase for scenario in scenarios for phase in scenario["phases"]]
    return sum(p["seconds"] for p in phases if p["name"].startswith(("restore", "provision"))), whole


def bench(engine: str, form: str, url: str | None, workdir: Path, rows: int, rounds: int) -> None:
    snapshot = f"1.0{SUFFIXES[form]}"
    config = write_project(workdir / "project", engine, url, snapshot)
    server = open_server(DatabaseConfig(engine=engine, url=url), workdir / "production")
    try:
        production = fill_production(config, server, rows)
        make_snapshot(production.url, form, config.parent / "snapshots" / snapshot)
        server.drop(production)
        size = (config.parent / "snapshots" / snapshot).stat().st_size / 1e6
        print(f"{engine}, {form} snapshot of {len(TABLES)} tables x {rows} rows ({size:.1f} MB), 3 scenarios from 1.0")
        floor = min(restore_floor(config, server) for _ in range(rounds))
    finally:
        server.close()
    reuse = min((restore_seconds(config) for _ in range(rounds)), key=lambda figures: figures[0])
    each = min((restore_seconds(config, "--no-reuse") for _ in range(rounds)), key=lambda figures: figures[0])
    print(f"floor: one restore by the client             {floor:7.2f}s")
    for label, (seconds, whole) in (("restored once, cloned", reuse), ("restored per scenario", each)):
        print(f"{label}: restore + clone phases {seconds:7.2f}s = {seconds / floor:5.2f}x floor (run {whole:.1f}s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["postgres", "mariadb", "sqlite"], default="postgres")
    parser.add_argument("--form", choices=sorted(SUFFIXES), help="the snapshot's format (default: the engine's own)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(SERVERS[args.engine]()).url if args.engine in SERVERS else None
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="migtest-bench-")))
        bench(args.engine, args.form or FORMS[args.engine], url, workdir, args.rows, args.rounds)


if __name__ == "__main__":
    main()
