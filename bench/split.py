"""Seconds per MB to cut SQL files into statements: sqlparse.split (before) and migtest.sql.split
(after), against a floor measured in the same run: reading the file and `str.split(";")`.

Three files from tests/seed_sql.py: one-line INSERTs with tricky strings (a seed file), one INSERT
of many rows (mysqldump's way), and migrations full of functions, triggers and CASE...END (which
migtest.sql.split hands to sqlparse statement by statement). Each cut is checked to be sqlparse's;
the best of a few rounds counts.

Usage: python bench/split.py [--rows N] [--rounds R]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import seed_sql

from migtest.sql import split as sqlsplit


def best(rounds: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def bench(name: str, path: Path, rounds: int) -> None:
    megabytes = path.stat().st_size / 1e6
    floor = best(rounds, lambda: path.read_text(encoding="utf-8").split(";"))
    before = best(rounds, lambda: sqlparse.split(path.read_text(encoding="utf-8")))
    after = best(rounds, lambda: sqlsplit.split(path.read_text(encoding="utf-8")))
    text = path.read_text(encoding="utf-8")
    assert sqlsplit.split(text) == sqlparse.split(text), name
    print(
        f"{name:36} {megabytes:5.2f} MB  floor {floor / megabytes:.4f} s/MB  "
        f"sqlparse {before / megabytes:6.3f} s/MB ({before / floor:5.0f}x)  "
        f"sqlsplit {after / megabytes:6.3f} s/MB ({after / floor:4.0f}x)  {before / after:5.1f}x faster"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files = {
        f"{args.rows} one-line INSERTs": seed_sql.inserts(args.rows),
        f"one INSERT of {args.rows} rows": seed_sql.one_insert(args.rows),
        f"{args.rows // 100} migrations (functions, triggers)": seed_sql.migrations(args.rows // 100),
    }
    with tempfile.TemporaryDirectory(prefix="migtest-bench-split-") as folder:
        print(f"best of {args.rounds} rounds")
        for name, sql in files.items():
            path = Path(folder) / "file.sql"
            path.write_text(sql, encoding="utf-8")
            bench(name, path, args.rounds)


if __name__ == "__main__":
    main()
