"""migtest's overhead over the raw migration commands, on the alembic-shop example (SQLite).

Runs, in one process on the same machine:
  raw      what a hand-written script needs for the same scenarios: per scenario a new SQLite
           file, `alembic upgrade <from>`, the seed file, then `alembic upgrade|downgrade <to>`;
  migtest  `migtest run` on the same project (fresh installs reused, captures, checks, reports).

Prints both wall times, their ratio, and the share of migtest's own work (provision, seed,
capture, check) against the migration commands it ran (install, upgrade, downgrade, re-run).

Then the CPU of one Alembic command: the commands of the release chain (per pair of releases, a
fresh install of the older, upgrade, downgrade, upgrade again) through migtest's Alembic
migrator (a worker per job that forks a child serving the commands of one scenario: a release
tree, database and environment), against the floor: the same commands through Alembic's command
API in this one process, warmed up by a first round. The commands run once as a scenario's in one
child, and once alternating between two scenarios, so that each runs in a new child. Measured
twice: on alembic-shop as it is (its env.py imports no models), and with SQLAlchemy ORM models
of its tables that env.py imports for `target_metadata`, as most projects' env.py does.
Usage: python bench/overhead.py [--rounds N] [--only run|commands]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from alembic import command
from alembic.config import Config

from migtest.config import load_config
from migtest.databases.sqlite import SqliteServer
from migtest.migrators import DOWNGRADE, UPGRADE
from migtest.migrators.alembic import AlembicMigrator
from migtest.plan import plan
from migtest.sources import Workspace

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "alembic-shop"
ALEMBIC = str(Path(sys.executable).with_name("alembic"))
MIGRATION_PHASES = ("install", "upgrade", "downgrade")
MODELS = """
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(255), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    addresses: Mapped[list["Address"]] = relationship(back_populates="customer")
    orders: Mapped[list["Order"]] = relationship(back_populates="customer")


class Address(Base):
    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    street: Mapped[str | None] = mapped_column(sa.String(200))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    customer: Mapped[Customer] = relationship(back_populates="addresses")


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    price_cents: Mapped[int]
    reviews: Mapped[list["Review"]] = relationship(back_populates="product")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default="new")
    created_at: Mapped[sa.DateTime] = mapped_column(sa.DateTime, server_default=sa.func.now())
    customer: Mapped[Customer] = relationship(back_populates="orders")
    items: Mapped[list["OrderItem"]] = relationship(back_populates="order")


class OrderItem(Base):
    __tablename__ = "order_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"))
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"))
    quantity: Mapped[int]
    order: Mapped[Order] = relationship(back_populates="items")
    product: Mapped[Product] = relationship()


class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"))
    rating: Mapped[int]
    body: Mapped[str | None] = mapped_column(sa.Text)
    product: Mapped[Product] = relationship(back_populates="reviews")
"""


def alembic(project: Path, database: Path, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    subprocess.run([ALEMBIC, "-c", str(project / "alembic.ini"), *args], env=env, check=True, capture_output=True)


def raw_run(project: Path, workdir: Path) -> float:
    config = load_config(str(project / "migtest.yml"))
    revisions = {v.name: v.revision for v in config.versions}
    started = time.perf_counter()
    for scenario in plan(config.versions, config.matrix):
        database = workdir / f"{scenario.id}.db"
        first = scenario.source or scenario.target
        alembic(project, database, "upgrade", revisions[first])
        with sqlite3.connect(database) as connection:
            connection.executescript((project / "seeds" / f"{first}.sql").read_text())
        if scenario.kind == "downgrade":
            alembic(project, database, "downgrade", revisions[scenario.target])
        elif scenario.source is not None:
            alembic(project, database, "upgrade", revisions[scenario.target])
    return time.perf_counter() - started


def migtest_run(project: Path, report_dir: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    command = [
        sys.executable,
        "-m",
        "migtest",
        "run",
        "-c",
        str(project / "migtest.yml"),
        "--report-dir",
        str(report_dir),
    ]
    subprocess.run(command, check=True, capture_output=True)
    elapsed = time.perf_counter() - started
    return elapsed, json.loads((report_dir / "results.json").read_text())


def phase_split(results: dict) -> tuple[float, float]:
    migration = own = 0.0
    for scenario in results["scenarios"]:
        for phase in scenario["phases"]:
            if phase["name"].startswith(MIGRATION_PHASES):
                migration += phase["seconds"]
            else:
                own += phase["seconds"]
    return migration, own


def chain_commands(project: Path) -> list[tuple[str, str, str]]:
    """(database, direction, target) of each command: per pair of releases, a fresh install of
    the older one, then upgrade, downgrade and upgrade again."""
    revisions = [version.revision for version in load_config(str(project / "migtest.yml")).versions]
    commands = []
    for older, newer in itertools.pairwise(revisions):
        database = f"{older}-{newer}"
        commands += [(database, UPGRADE, older), (database, UPGRADE, newer), (database, DOWNGRADE, older)]
        commands.append((database, UPGRADE, newer))
    return commands


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def workers_cpu() -> tuple[float, float]:
    """CPU seconds of this process's children (the Alembic workers: importing Alembic, forking)
    and of every process they forked (the zygotes that read a release tree once, the children
    that ran the commands), ended and waited for or still running, read from /proc while the
    workers run."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):  # a process that ended meanwhile
            stats[int(stat.parent.name)] = [int(field) for field in stat.read_text().rsplit(")", 1)[1].split()[1:15]]
    children: dict[int, list[int]] = {}
    for pid, fields in stats.items():  # stat(5): ppid first, then utime, stime, cutime, cstime at 10-13
        children.setdefault(fields[0], []).append(pid)
    workers = children.get(os.getpid(), [])
    own = sum(stats[pid][10] + stats[pid][11] for pid in workers) / tick
    forked = sum(stats[pid][12] + stats[pid][13] for pid in workers)  # waited for by the workers
    pending = [child for pid in workers for child in children.get(pid, [])]
    while pending:  # still running, and what they waited for
        pid = pending.pop()
        forked += sum(stats[pid][10:14])
        pending += children.get(pid, [])
    return own, forked / tick


def through_migrator(project: Path, workdir: Path, commands: list[tuple[str, str, str]]) -> tuple[float, float]:
    """CPU seconds per command (its process, and the migrator's side in this one) and of the
    worker's own work, for commands run through a migrator started and closed here."""
    config = load_config(str(project / "migtest.yml"))
    workspace = Workspace(config.versions[-1], config.root, config.root)
    server = SqliteServer(workdir)
    databases = {name: server.create(name) for name, _, _ in commands}
    before = own_cpu()
    migrator = AlembicMigrator(config.migrations, workdir)
    try:
        for name, direction, target in commands:
            migrator.migrate(workspace, databases[name], direction, target)
        side = own_cpu() - before
        worker, processes = workers_cpu()
    finally:
        migrator.close()
    return (processes + side) / len(commands), worker


def in_process(project: Path, workdir: Path, commands: list[tuple[str, str, str]], log: TextIO) -> float:
    """CPU seconds of the same commands through Alembic's API in this process, output to `log`."""
    urls = {name: f"sqlite:///{workdir / name}.db" for name, _, _ in commands}
    sys.path_importer_cache.pop(".", None)  # prepend_sys_path's ".": cached as the folder it first meant
    started = time.process_time()
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log), contextlib.chdir(project):
        for name, direction, target in commands:
            os.environ["DATABASE_URL"] = urls[name]
            config = Config(str(project / "alembic.ini"))
            config.set_main_option("sqlalchemy.url", urls[name])
            getattr(command, direction)(config, target)
    return time.process_time() - started


def with_models(project: Path, target: Path) -> Path:
    """A copy of `project` whose env.py imports ORM models of its tables for `target_metadata`."""
    shutil.copytree(project, target)
    (target / "shop_models.py").write_text(MODELS)
    env = target / "migrations" / "env.py"
    models = "from shop_models import Base\n\ntarget_metadata = Base.metadata"
    env.write_text(env.read_text().replace("target_metadata = None", models))
    return target


def command_cpu(project: Path, tmp: Path, rounds: int) -> None:
    """Rounds interleave the measures, so that a machine busy for a while slows all alike."""
    commands = chain_commands(project)
    environment = dict(os.environ)
    floors, shared, apart, workers = [], [], [], []
    with open(tmp / "in-process.log", "w") as log:  # env.py's logging writes here for the rest of the run
        in_process(project, Path(tempfile.mkdtemp(dir=tmp)), commands, log)  # imports, first-use caches
        for _ in range(rounds):
            floors.append(in_process(project, Path(tempfile.mkdtemp(dir=tmp)), commands, log) / len(commands))
            per_command, worker = through_migrator(project, Path(tempfile.mkdtemp(dir=tmp)), repeated(commands, 2))
            shared.append(per_command)
            workers.append(worker)
            apart.append(through_migrator(project, Path(tempfile.mkdtemp(dir=tmp)), interleaved(commands))[0])
        os.environ.clear()
        os.environ.update(environment)
        logging.disable()  # the log closes: nothing may write to it any more
    floor, worker, count = min(floors), min(workers), 2 * len(commands)
    print(f"{project.name}: CPU of one Alembic command ({len(commands)} commands), best of {rounds} round(s)")
    print(f"  in one process (floor)                       {1000 * floor:6.1f} ms")
    for label, per_command, note in (
        ("a scenario's commands in one child", min(shared), ""),
        ("a new child per command (interleaved)", min(apart), ""),
        ("the first, with its share of the worker", min(shared) + worker / count, f" ({count} per worker)"),
    ):
        print(f"  {label:<44} {1000 * per_command:6.1f} ms   ratio {per_command / floor:.2f}x{note}")
    print(f"  (the worker's own CPU: {1000 * worker:.0f} ms: starting, importing Alembic, forking)")


def repeated(commands: list[tuple[str, str, str]], times: int) -> list[tuple[str, str, str]]:
    """The commands `times` over, each time on databases of their own."""
    return [(f"{name}-{time}", direction, target) for time in range(times) for name, direction, target in commands]


def interleaved(commands: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The commands twice, on databases of their own, alternating between the two: no command
    follows one of its own scenario, so each runs in a new child."""
    twice = repeated(commands, 2)
    return [command for pair in zip(twice[: len(commands)], twice[len(commands) :], strict=True) for command in pair]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", choices=["run", "commands"], help="one of the two measures (default: both)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="migtest-bench-") as tmp:
        project = Path(tmp) / "alembic-shop"
        shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("migtest-results", ".migtest-cache"))
        if args.only != "run":
            command_cpu(project, Path(tmp), max(args.rounds, 3))
            command_cpu(with_models(project, Path(tmp) / "alembic-shop-with-models"), Path(tmp), max(args.rounds, 3))
        if args.only == "commands":
            return
        raw_times, migtest_times = [], []
        for round_number in range(args.rounds):
            workdir = Path(tmp) / f"raw-{round_number}"
            workdir.mkdir()
            raw_times.append(raw_run(project, workdir))
            elapsed, results = migtest_run(project, Path(tmp) / f"report-{round_number}")
            migtest_times.append(elapsed)
        raw, total = min(raw_times), min(migtest_times)
        migration, own = phase_split(results)
        scenarios = len(results["scenarios"])
    print(f"alembic-shop: {scenarios} scenarios, best of {args.rounds} round(s)")
    print(f"  raw migration commands     {raw:7.2f}s")
    print(f"  migtest run (all checks)   {total:7.2f}s")
    print(f"  ratio migtest / raw        {total / raw:7.2f}x")
    print(f"  inside migtest: migration commands {migration:.2f}s, capture+seed+check {own:.2f}s")
    print(f"  capture and checks on top of the migrations: {100 * own / migration:.1f}%")


if __name__ == "__main__":
    main()
