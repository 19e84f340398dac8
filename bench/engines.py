"""State reuse, parallel scenarios and growth with the number of releases, on a real server.

Generates a Flyway-layout SQL project with N releases (each adds a table, a column to the
previous one and an index; seeds of a few hundred rows per table), matrix: fresh installs, the
upgrade chain, every release straight to the newest (skips), and the downgrade chain. Then runs
`migtest run` on it, one run after another in this process:

  reuse    8 releases, --jobs 1, cloning each fresh install (PostgreSQL: CREATE DATABASE ...
           TEMPLATE, MariaDB: tables re-created and rows copied inside the server) against
           --no-reuse (replaying the migrations for every scenario)
  jobs     8 releases, --jobs 1 against --jobs 2
  growth   4, 8 and 16 releases, --jobs 1: seconds, scenarios, seconds per scenario

A server of the engine is started on this machine for the run (as tests/machine.py does) unless
--url names one. Usage: python bench/engines.py [--engine postgres|mariadb] [--url URL]
"""

from __future__ import annotations

import argparse
import contextlib
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


def bench(engine: str, url: str, workdir: Path) -> None:
    eight = write_project(workdir / "r8", 8, engine, url)
    reuse, replay = timed_run(eight, "--jobs", "1"), timed_run(eight, "--jobs", "1", "--no-reuse")
    print(f"{engine}: reuse, 8 releases, {scenarios(eight)} scenarios, --jobs 1")
    print(f"        cloned fresh installs {reuse:6.1f}s   replayed migrations {replay:6.1f}s", end="")
    print(f"   ratio {reuse / replay:.2f}x")
    two = timed_run(eight, "--jobs", "2")
    print(f"jobs    --jobs 1 {reuse:6.1f}s   --jobs 2 {two:6.1f}s   ratio {two / reuse:.2f}x")
    print("growth  releases  scenarios  seconds  seconds/scenario")
    for releases in (4, 8, 16):
        config = eight if releases == 8 else write_project(workdir / f"r{releases}", releases, engine, url)
        seconds = reuse if releases == 8 else timed_run(config, "--jobs", "1")
        count = scenarios(config)
        print(f"        {releases:8d}  {count:9d}  {seconds:7.1f}  {seconds / count:16.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=sorted(SERVERS), default="postgres")
    parser.add_argument("--url", help="an existing server of that engine (default: start one here)")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(SERVERS[args.engine]()).url
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="migtest-bench-")))
        bench(args.engine, url, workdir)


if __name__ == "__main__":
    main()
