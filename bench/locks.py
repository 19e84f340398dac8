"""The cost of measuring locks (issue 15) on a PostgreSQL step walk, and the figures of a worked
example at two table sizes.

overhead  The project of bench/steps.py (N migrations on one table of ROWS rows, each adding a
          column, filling and indexing it) walked by `migtest steps` with `checks.locks` on (the
          default) and off, alternating, best of R rounds each; the ratio on/off, and the
          sampling interval the observer reached (median of the steps' medians) and its samples.
example   One table `orders` of 10 000 and of 1 000 000 rows (the seed migration fills it with one
          INSERT … SELECT generate_series), then three migrations: ADD COLUMN with a volatile
          default (a rewrite), CREATE INDEX without CONCURRENTLY, and the same index CONCURRENTLY.
          Prints, per migration: the strongest lock on orders, how long it was held, how long
          reads and writes of orders were blocked, and the findings of the locks check.

A PostgreSQL server is started on this machine for the run (as tests/machine.py does).
Usage: python bench/locks.py [--only overhead|example] [--migrations N] [--rows ROWS] [--rounds R]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import machine
from steps import Clock, best, write_project

from migtest.cli import main as migtest

EXAMPLE_SIZES = (10_000, 1_000_000)
EXAMPLE = {
    "V1__orders.sql": "CREATE TABLE orders (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL);\n"
    "INSERT INTO orders SELECT g, g FROM generate_series(1, {rows}) g;\n",
    "V2__seen.sql": "ALTER TABLE orders ADD COLUMN seen TIMESTAMPTZ DEFAULT clock_timestamp();\n",
    "V3__amount_index.sql": "CREATE INDEX orders_amount ON orders (amount);\n",
    "V4__amount_index_concurrently.sql": "CREATE INDEX CONCURRENTLY orders_amount2 ON orders (amount);\n",
}


def walk(config: Path, locks: bool) -> tuple[tuple[float, float], dict]:
    """One `migtest steps` with checks.locks on or off: (wall, CPU) seconds and its results."""
    settings = yaml.safe_load(config.read_text())
    settings["checks"] = {"locks": True if locks else "off"}
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    report = config.parent / "report"
    clock = Clock()
    with contextlib.redirect_stdout(io.StringIO()) as output:
        code = migtest(["steps", "-c", str(config), "--report-dir", str(report)])
    seconds = clock.read()
    if code not in (0, 1):
        raise SystemExit(f"migtest steps failed:\n{output.getvalue()[-3000:]}")
    return seconds, json.loads((report / "results.json").read_text())


def overhead(url: str, migrations: int, rows: int, rounds: int, workdir: Path) -> None:
    config = write_project(workdir / "overhead", migrations, rows, 0, {"engine": "postgres", "url": url})
    on, off, intervals, samples = [], [], [], 0
    for _ in range(rounds):
        seconds, results = walk(config, locks=False)
        off.append(seconds)
        seconds, results = walk(config, locks=True)
        on.append(seconds)
        measured = [m for scenario in results["scenarios"] for m in scenario.get("locks", [])]
        intervals += [m["interval_ms"] for m in measured if m["samples"] > 1]
        samples = max(samples, sum(m["samples"] for m in measured))
    best_off, best_on = best(off), best(on)
    print(f"postgres: {migrations} migrations, {rows} rows, best of {rounds} (the machine was shared)")
    print(f"  checks.locks off   {best_off[0]:6.2f}s wall  {best_off[1]:6.2f}s CPU")
    print(f"  checks.locks on    {best_on[0]:6.2f}s wall  {best_on[1]:6.2f}s CPU")
    print(f"  ratio on/off       {best_on[0] / best_off[0]:6.3f}x wall  {best_on[1] / best_off[1]:6.3f}x CPU")
    print(f"  sampling interval  {statistics.median(intervals):.1f} ms (median), {samples} samples in a walk")


def example(url: str, workdir: Path) -> None:
    for rows in EXAMPLE_SIZES:
        root = workdir / f"example-{rows}"
        (root / "db").mkdir(parents=True)
        for name, text in EXAMPLE.items():
            (root / "db" / name).write_text(text.format(rows=rows))
        (root / "db/V4__amount_index_concurrently.sql.conf").write_text("executeInTransaction=false\n")
        config = root / "migtest.yml"
        settings = {
            "migrations": {"tool": "sql", "dir": "db"},
            "database": {"engine": "postgres", "url": url},
            "versions": [{"name": "head", "revision": "4"}],
        }
        config.write_text(yaml.safe_dump(settings, sort_keys=False))
        _seconds, results = walk(config, locks=True)
        print(f"orders at {rows} rows")
        for scenario in results["scenarios"][1:]:
            for m in scenario.get("locks", []):
                lock = next((lock for lock in m["locks"] if lock["relation"] == "orders"), None)
                stall = next((s for s in m["stalls"] if s["table"] == "orders"), {"read_ms": 0, "write_ms": 0})
                held = f"{lock['mode']} held {lock['held_ms']:.0f} ms" if lock else "no lock seen"
                print(
                    f"  {m['label']:36} {held:36} reads blocked {stall['read_ms']:7.0f} ms, "
                    f"writes {stall['write_ms']:7.0f} ms; interval {m['interval_ms']} ms"
                )
            check = next(c for c in scenario["checks"] if c["name"] == "locks")
            for line in check["evidence"]:
                print(f"    {check['status']}: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("overhead", "example"))
    parser.add_argument("--migrations", type=int, default=10)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with machine.host_postgres() as server, tempfile.TemporaryDirectory(prefix="migtest-bench-") as workdir:
        if args.only in (None, "overhead"):
            overhead(server.url, args.migrations, args.rows, args.rounds, Path(workdir))
        if args.only in (None, "example"):
            example(server.url, Path(workdir))


if __name__ == "__main__":
    main()
