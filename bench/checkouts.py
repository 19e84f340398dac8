"""One example's `migtest run` on a server, by two checkouts of migtest in turn (each with its own
.venv, as `make .venv/.installed` makes it): how a change moves the CPU of a whole run, measured
in alternation so that both meet the same load.

Each round runs the example once per checkout on one server started on this machine (as
tests/machine.py does), in a fresh copy of the example. It prints, per run, the wall seconds and
the CPU seconds of migtest and every process it started (getrusage of the children), then each
checkout's sorted figures and the ratio of their medians (the second checkout's over the first's).
The server's own CPU is not counted.

Usage: python bench/checkouts.py BEFORE AFTER [--example flyway-shop] [--engine postgres|mariadb] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import machine

SERVERS = {"postgres": machine.host_postgres, "mariadb": machine.host_mariadb}


def run_once(checkout: Path, example: str, database: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one `migtest run` of a fresh copy of the example."""
    with tempfile.TemporaryDirectory(prefix="migtest-bench-") as work:
        project = Path(work) / example
        ignored = shutil.ignore_patterns("migtest-results*", ".migtest-cache")
        shutil.copytree(checkout / "examples" / example, project, ignore=ignored)
        config = project / "migtest.yml"
        settings = yaml.safe_load(config.read_text())
        config.write_text(yaml.safe_dump({**settings, "database": database}, sort_keys=False))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        command = [str(checkout / ".venv/bin/migtest"), "run", "--progress", "plain"]
        outcome = subprocess.run(command, cwd=project, capture_output=True, text=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if outcome.returncode not in (0, 1):
        sys.exit(f"{checkout}: migtest exited {outcome.returncode}:\n{outcome.stdout[-2000:]}{outcome.stderr[-2000:]}")
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--example", default="flyway-shop")
    parser.add_argument("--engine", choices=sorted(SERVERS), default="postgres")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    checkouts = {"before": args.before.resolve(), "after": args.after.resolve()}
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in checkouts}
    with SERVERS[args.engine]() as server:
        database = {"engine": server.engine, "url": server.url}
        for round_number in range(1, args.rounds + 1):
            for name, checkout in checkouts.items():
                wall, cpu = run_once(checkout, args.example, database)
                figures[name].append((wall, cpu))
                load = os.getloadavg()[0]
                print(f"round {round_number} {name}: wall {wall:.2f} s, CPU {cpu:.2f} s (load {load:.1f})", flush=True)
    medians = {}
    for name, runs in figures.items():
        walls, cpus = sorted(wall for wall, _ in runs), sorted(cpu for _, cpu in runs)
        medians[name] = statistics.median(cpus)
        print(f"{name}: wall {', '.join(f'{w:.2f}' for w in walls)} s; CPU {', '.join(f'{c:.2f}' for c in cpus)} s")
    print(f"CPU, median after / before: {medians['after'] / medians['before']:.2f}x")


if __name__ == "__main__":
    main()
