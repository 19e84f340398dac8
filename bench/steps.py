"""The step walk's overhead over the raw migrations, on SQLite, PostgreSQL and MariaDB.

A Flyway-layout project of N migrations on one table of ROWS rows: migration 1 creates it, each
next one adds a column, fills it for every row and indexes it (its undo file drops both). With
--tables T, migration 1 also creates T tables of ROWS rows that no later migration touches, as in
a real schema where a migration changes one table of many.
`migtest steps` walks it: per migration seed (once), capture, upgrade, capture, checks,
downgrade, capture, upgrade again. The baseline is the same SQL a hand-written script would run
for the same walk, and nothing else: the seed, then every migration up, down and up again, each
file in one transaction, through the same driver. Both run in this process, a few rounds each;
the best round counts, in wall seconds and in this process's CPU seconds (on SQLite all the
work; on a server the client's side only).

Usage: python bench/steps.py [--engine sqlite|postgres|mariadb] [--migrations N] [--rows ROWS] [--tables T] [--rounds R]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import machine

from migtest.cli import main as migtest
from migtest.databases import Database
from migtest.databases.mysql import MysqlServer
from migtest.databases.postgres import PostgresServer
from migtest.databases.sqlite import SqliteServer

SERVERS = {"postgres": (machine.host_postgres, PostgresServer), "mariadb": (machine.host_mariadb, MysqlServer)}


def write_project(root: Path, migrations: int, rows: int, tables: int, database: dict[str, str] | None) -> Path:
    (root / "db").mkdir(parents=True)
    names = ["items", *(f"other{number}" for number in range(1, tables + 1))]
    create = [f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);" for name in names]
    (root / "db/V1__items.sql").write_text("\n".join(create) + "\n")
    for number in range(2, migrations + 1):
        column = f"c{number}"
        up = [
            f"ALTER TABLE items ADD COLUMN {column} INTEGER;",
            f"UPDATE items SET {column} = id * {number};",
            f"CREATE INDEX ix_items_{column} ON items ({column});",
        ]
        index = f"ix_items_{column}" + (" ON items" if database and database["engine"] == "mariadb" else "")
        down = [f"DROP INDEX {index};", f"ALTER TABLE items DROP COLUMN {column};"]
        (root / f"db/V{number}__{column}.sql").write_text("\n".join(up) + "\n")
        (root / f"db/U{number}__{column}.sql").write_text("\n".join(down) + "\n")
    values = ", ".join(f"({row}, 'item {row}')" for row in range(1, rows + 1))
    seed = [f"INSERT INTO {name} (id, name) VALUES {values};" for name in names]
    (root / "seed.sql").write_text("\n".join(seed) + "\n")
    config = {
        "migrations": {"tool": "sql", "dir": "db"},
        "versions": [{"name": "1", "revision": "1"}, {"name": "head", "revision": str(migrations)}],
        "seed": {"sql": "seed.sql"},
        **({"database": database} if database else {}),
    }
    (root / "migtest.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return root / "migtest.yml"


def statements(path: Path) -> list[str]:
    return [part.strip() for part in path.read_text().split(";\n") if part.strip()]


class Clock:
    """Wall seconds, and this process's CPU seconds (all of SQLite's work; a server's client side):
    CPU moves less than wall time with the load of a shared machine."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def raw_walk(project: Path, database: Database, migrations: int) -> tuple[float, float]:
    """The walk's SQL alone: V1, the seed, then each next migration up, down, up."""
    engine = database.connect()
    clock = Clock()

    def apply(path: Path) -> None:
        with engine.begin() as connection:
            for statement in statements(path):
                connection.exec_driver_sql(statement)

    apply(project / "db/V1__items.sql")
    apply(project / "seed.sql")
    for number in range(2, migrations + 1):
        for name in (f"V{number}__c{number}", f"U{number}__c{number}", f"V{number}__c{number}"):
            apply(project / f"db/{name}.sql")
    seconds = clock.read()
    engine.dispose()
    return seconds


def migtest_walk(config: Path) -> tuple[float, float]:
    clock = Clock()
    with contextlib.redirect_stdout(io.StringIO()) as output:
        code = migtest(["steps", "-c", str(config), "--report-dir", str(config.parent / "report")])
    if code != 0:
        raise SystemExit(f"migtest steps failed:\n{output.getvalue()[-3000:]}")
    return clock.read()


@contextlib.contextmanager
def raw_database(engine: str, workdir: Path, server_url: str | None) -> Iterator[Database]:
    """A new, empty database for one raw round: a SQLite file, or one made on the server."""
    server = SqliteServer(workdir) if engine == "sqlite" else SERVERS[engine][1](server_url)
    database = server.create(f"raw_{time.monotonic_ns()}")
    try:
        yield database
    finally:
        server.drop(database)
        server.close()


def bench(
    engine: str, server_url: str | None, migrations: int, rows: int, tables: int, rounds: int, workdir: Path
) -> None:
    database = {"engine": engine, "url": server_url} if engine in SERVERS else None
    config = write_project(workdir / "project", migrations, rows, tables, database)
    raw, walked = [], []
    for _ in range(rounds):
        with raw_database(engine, workdir, server_url) as database:
            raw.append(raw_walk(config.parent, database, migrations))
        walked.append(migtest_walk(config))
    (raw_wall, raw_cpu), (walk_wall, walk_cpu) = best(raw), best(walked)
    untouched = f" (+ {tables} untouched tables of as many)" if tables else ""
    print(f"{engine}: {migrations} migrations, {rows} rows{untouched}, best of {rounds}")
    print(f"  raw SQL (up, down, up)  {raw_wall:6.2f}s  {raw_wall / (migrations - 1) * 1000:7.1f} ms/migration")
    print(f"  migtest steps           {walk_wall:6.2f}s  {walk_wall / migrations * 1000:7.1f} ms/migration")
    print(f"  ratio                   {walk_wall / raw_wall:6.2f}x")
    print(f"  CPU of this process     {raw_cpu:6.2f}s raw, {walk_cpu:.2f}s migtest, {walk_cpu / raw_cpu:.2f}x")


def best(rounds: list[tuple[float, float]]) -> tuple[float, float]:
    """The least wall and the least CPU seconds, each of any round."""
    return min(wall for wall, _cpu in rounds), min(cpu for _wall, cpu in rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("sqlite", *SERVERS), default="sqlite")
    parser.add_argument("--migrations", type=int, default=30)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--tables", type=int, default=0, help="tables no migration after the first touches")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        server_url = stack.enter_context(SERVERS[args.engine][0]()).url if args.engine in SERVERS else None
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="migtest-bench-")))
        bench(args.engine, server_url, args.migrations, args.rows, args.tables, args.rounds, workdir)


if __name__ == "__main__":
    main()
