"""migtest's overhead over the raw migration commands, on the alembic-shop example (SQLite).

Runs, in one process on the same machine:
  raw      what a hand-written script needs for the same scenarios: per scenario a new SQLite
           file, `alembic upgrade <from>`, the seed file, then `alembic upgrade|downgrade <to>`;
  migtest  `migtest run` on the same project (fresh installs reused, captures, checks, reports).

Prints both wall times, their ratio, and the share of migtest's own work (provision, seed,
capture, check) against the migration commands it ran (install, upgrade, downgrade, re-run).
Usage: python bench/overhead.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from migtest.config import load_config
from migtest.plan import plan

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "alembic-shop"
ALEMBIC = str(Path(sys.executable).with_name("alembic"))
MIGRATION_PHASES = ("install", "upgrade", "downgrade")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="migtest-bench-") as tmp:
        project = Path(tmp) / "alembic-shop"
        shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("migtest-results", ".migtest-cache"))
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
