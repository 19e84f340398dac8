"""State reuse, parallel scenarios and growth with the number of releases, on a real server.

Generates a Flyway-layout SQL project with N releases (each adds a table, a column to the
previous one and an index; seeds of a few hundred rows per table), matrix: fresh installs, the
upgrade chain, every release straight to the newest (skips), and the downgrade chain. Then runs
`migtest run` on it, one run after another in this process:

  reuse    8 releases, --jobs 1, cloning each fresh install (PostgreSQL: CREATE DATABASE ...
           TEMPLATE, MariaDB: tables re-created and rows copied inside the server) against
           --no-reuse (replaying the migrations for every scenario)
  jobs     8 releases, --jobs 1 against --jobs 2
  growth   4, 8, 16 and 32 releases, --jobs 1: seconds, scenarios, seconds per scenario. Each
           release only replaces the index of one table of 300 rows, so that a scenario's data
           and schema stay the same size and what grows is the history alone (the tax of long
           histories: every command reads every revision, fresh installs replay them all);
           Alembic revisions (--tool alembic, the default) or Flyway files (--tool sql)

A server of the engine is started on this machine for the run (as tests/machine.py does) unless
--url names one; growth also runs on SQLite files (--engine sqlite).
Usage: python bench/engines.py [--engine postgres|mariadb|sqlite] [--url URL] [--only reuse|growth]
       [--tool alembic|sql]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import machine

ROWS = 300
SERVERS = {"postgres": machine.host_postgres, "mariadb": machine.host_mariadb}
GROWTH = (4, 8, 16, 32)
MIGRATING = ("install", "upgrade", "downgrade")  # the phases that run migration commands
ITEMS = "id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, amount INTEGER NOT NULL"
ALEMBIC_ENV = """from alembic import context
from sqlalchemy import create_engine, pool

engine = create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""
ALEMBIC_REVISION = """import sqlalchemy as sa
from alembic import op

revision = "{number:04d}"
down_revision = {previous}


def upgrade():
    {create}
    op.create_index("ix_items_{number}", "items", ["name", "amount"])
    {drop_previous}


def downgrade():
    {create_previous}
    op.drop_index("ix_items_{number}", table_name="items")
    {drop}
"""


def write_project(root: Path, releases: int, engine: str, url: str) -> Path:
    migrations = root / "db"
    seeds = root / "seeds"
    migrations.mkdir(parents=True)
    seeds.mkdir()
    for number in range(1, releases + 1):
        up = [
            f"CREATE TABLE t{number} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, amount INTEGER NOT NULL);",
            f"CREATE INDEX ix_t{number}_name ON t{number} (name);",
        ]
        down = [f"DROP TABLE t{number};"]
        if number > 1:
            up += [
                f"ALTER TABLE t{number - 1} ADD COLUMN note{number} VARCHAR(100);",
                f"UPDATE t{number - 1} SET note{number} = name;",
            ]
            down.append(f"ALTER TABLE t{number - 1} DROP COLUMN note{number};")
        (migrations / f"V{number}__release_{number}.sql").write_text("\n".join(up) + "\n")
        (migrations / f"U{number}__release_{number}.sql").write_text("\n".join(down) + "\n")
        inserts = [
            f"INSERT INTO t{table} (id, name, amount) VALUES "
            + ", ".join(f"({row}, 'row {row} of {table}', {row * table})" for row in range(1, ROWS + 1))
            + ";"
            for table in range(1, number + 1)
        ]
        (seeds / f"{number}.0.sql").write_text("\n".join(inserts) + "\n")
    names = [f"{number}.0" for number in range(1, releases + 1)]
    config = {
        "migrations": {"tool": "sql", "dir": "db"},
        "database": {"engine": engine, "url": url},
        "versions": [{"name": name, "revision": name.split(".")[0]} for name in names],
        "matrix": {"upgrade": "chain", "skip": [[name, names[-1]] for name in names[:-2]], "downgrade": "chain"},
        "seed": {"sql": "seeds/{version}.sql"},
    }
    path = root / "migtest.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def write_history(root: Path, releases: int, engine: str, url: str | None, tool: str) -> Path:
    """A project whose releases differ only by the index of one table (see growth above)."""
    root.mkdir(parents=True)
    (root / "seeds").mkdir()
    rows = ", ".join(f"({row}, 'row {row}', {row * 7})" for row in range(1, ROWS + 1))
    for number in range(1, releases + 1):
        (root / "seeds" / f"{number}.0.sql").write_text(f"INSERT INTO items (id, name, amount) VALUES {rows};\n")
    migrations = write_alembic(root, releases) if tool == "alembic" else write_flyway(root, releases, engine)
    names = [f"{number}.0" for number in range(1, releases + 1)]
    config = {
        "migrations": migrations,
        "database": {"engine": engine, **({"url": url} if url else {})},
        "versions": [{"name": name, "revision": f"{int(name.split('.')[0]):04d}"} for name in names],
        "matrix": {"upgrade": "chain", "skip": [[name, names[-1]] for name in names[:-2]], "downgrade": "chain"},
        "seed": {"sql": "seeds/{version}.sql"},
    }
    if tool == "sql":
        config["versions"] = [{"name": name, "revision": name.split(".")[0]} for name in names]
    path = root / "migtest.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def write_alembic(root: Path, releases: int) -> dict[str, str]:
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    (root / "migrations" / "env.py").write_text(ALEMBIC_ENV)
    table = 'op.create_table("items", sa.Column("id", sa.Integer, primary_key=True), '
    table += 'sa.Column("name", sa.String(100), nullable=False), sa.Column("amount", sa.Integer, nullable=False))'
    for number in range(1, releases + 1):
        first = number == 1
        text = ALEMBIC_REVISION.format(
            number=number,
            previous="None" if first else f'"{number - 1:04d}"',
            create=table if first else "",
            drop_previous="" if first else f'op.drop_index("ix_items_{number - 1}", table_name="items")',
            create_previous="" if first else f'op.create_index("ix_items_{number - 1}", "items", ["name", "amount"])',
            drop='op.drop_table("items")' if first else "",
        )
        (versions / f"{number:04d}_release_{number}.py").write_text(text)
    return {"tool": "alembic", "config": "alembic.ini"}


def write_flyway(root: Path, releases: int, engine: str) -> dict[str, str]:
    migrations = root / "db"
    migrations.mkdir()
    on_table = " ON items" if engine == "mariadb" else ""
    for number in range(1, releases + 1):
        up = [f"CREATE INDEX ix_items_{number} ON items (name, amount);"]
        down = [f"DROP INDEX ix_items_{number}{on_table};"]
        if number == 1:
            up.insert(
                0, "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, amount INTEGER NOT NULL);"
            )
            down.append("DROP TABLE items;")
        else:
            up.append(f"DROP INDEX ix_items_{number - 1}{on_table};")
            down.insert(0, f"CREATE INDEX ix_items_{number - 1} ON items (name, amount);")
        (migrations / f"V{number}__release_{number}.sql").write_text("\n".join(up) + "\n")
        (migrations / f"U{number}__release_{number}.sql").write_text("\n".join(down) + "\n")
    return {"tool": "sql", "dir": "db"}


def timed_run(config: Path, *options: str) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "migtest", "run", "-c", str(config), "--report-dir", str(config.parent / "r")]
    result = subprocess.run([*command, *options], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"migtest run {' '.join(options)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return time.perf_counter() - started


def scenarios(config: Path) -> int:
    listing = subprocess.run(
        [sys.executable, "-m", "migtest", "plan", "-c", str(config)], capture_output=True, text=True, check=True
    )
    return int(listing.stdout.split()[0])


def reuse_and_jobs(engine: str, url: str, workdir: Path) -> None:
    eight = write_project(workdir / "r8", 8, engine, url)
    reuse, replay = timed_run(eight, "--jobs", "1"), timed_run(eight, "--jobs", "1", "--no-reuse")
    print(f"{engine}: reuse, 8 releases, {scenarios(eight)} scenarios, --jobs 1")
    print(f"        cloned fresh installs {reuse:6.1f}s   replayed migrations {replay:6.1f}s", end="")
    print(f"   ratio {reuse / replay:.2f}x")
    two = timed_run(eight, "--jobs", "2")
    print(f"jobs    --jobs 1 {reuse:6.1f}s   --jobs 2 {two:6.1f}s   ratio {two / reuse:.2f}x")


def growth(engine: str, url: str | None, workdir: Path, tool: str, releases: list[int], rounds: int) -> None:
    """Seconds and CPU seconds per scenario (migtest and every process it waited for: on a shared
    machine the CPU figure is the steadier one), best of `rounds`, against the first count; and
    the seconds per scenario outside the migration commands, which the history does not lengthen
    (fresh installs and skips replay more migrations as it grows, the matrix asks for that)."""
    print(f"growth  {engine}, {tool}, --jobs 1, best of {rounds}, per scenario:")
    print("        releases  scenarios  run      seconds  CPU seconds  outside migrations  against the first")
    first = None
    for count in releases:
        config = write_history(workdir / f"{tool}-{count}", count, engine, url, tool)
        runs = [cpu_timed_run(config) for _ in range(rounds)]
        total = scenarios(config)
        run = min(figures[0] for figures in runs)
        figures = [min(figures[index] for figures in runs) / total for index in range(3)]
        first = first or figures
        ratios = " / ".join(f"{now / then:.2f}x" for now, then in zip(figures, first, strict=True))
        seconds, cpu, rest = figures
        print(f"        {count:8d}  {total:9d}  {run:6.1f}s  {seconds:6.2f}s  {cpu:10.2f}s  {rest:17.2f}s  {ratios}")


def cpu_timed_run(config: Path) -> tuple[float, float, float]:
    """Seconds, CPU seconds, and seconds outside the migration commands of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = timed_run(config, "--jobs", "1")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    results = json.loads((config.parent / "r" / "results.json").read_text())["scenarios"]
    migrating = sum(
        phase["seconds"] for result in results for phase in result["phases"] if phase["name"].startswith(MIGRATING)
    )
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, seconds - migrating


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=[*sorted(SERVERS), "sqlite"], default="postgres")
    parser.add_argument("--url", help="an existing server of that engine (default: start one here)")
    parser.add_argument("--only", choices=["reuse", "growth"], help="one of the figures (default: all)")
    parser.add_argument("--tool", choices=["alembic", "sql"], default="alembic", help="growth's migrations")
    parser.add_argument("--releases", default=",".join(map(str, GROWTH)), help="growth's release counts")
    parser.add_argument("--rounds", type=int, default=1, help="growth's runs of each count (the best is shown)")
    args = parser.parse_args()
    if args.engine == "sqlite" and args.only != "growth":
        parser.error("--engine sqlite measures growth only (--only growth)")
    with contextlib.ExitStack() as stack:
        url = args.url
        if url is None and args.engine != "sqlite":
            url = stack.enter_context(SERVERS[args.engine]()).url
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="migtest-bench-")))
        if args.only != "growth":
            reuse_and_jobs(args.engine, url, workdir)
        if args.only != "reuse":
            counts = [int(count) for count in args.releases.split(",")]
            growth(args.engine, url, workdir, args.tool, counts, args.rounds)


if __name__ == "__main__":
    main()
