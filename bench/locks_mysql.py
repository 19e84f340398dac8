"""The MariaDB lock observer at work: what it costs a migration, and what it measures.

For each schema change of known behaviour (tests/mysql_changes.py) on a table `orders` of N rows,
the change runs alone (the floor) and under the observer's watch, each then undone; the best of
--rounds of each is kept, floor and watched alternating (and which goes first) so that both see
the same load and neither always follows the other's undo. Printed
per change: both times and their ratio (the observer's cost: its sampler and probe share the
server and the CPUs with the migration, and the probe's locks may delay it a little), then what
the watch measured: the strongest metadata lock on orders and the time seen under
SHARED_NO_WRITE, the longest stall of reads and of writes, whether the table was rebuilt, and the
sampling interval reached with its sample count.

A MariaDB server is started on this machine for the run (as tests/machine.py does) unless --url
names one. Usage: python bench/locks_mysql.py [--rows 200000,1000000] [--rounds 4] [--url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import machine
from mysql_changes import CHANGES, Change, fill_orders

from migtest.databases import Database
from migtest.databases.mysql import MysqlServer
from migtest.locks import LockMeasurement
from migtest.locks.mysql import MysqlLockObserver


def timed(database: Database, change: Change, observer: MysqlLockObserver | None) -> tuple[float, LockMeasurement]:
    with database.connection() as connection:
        watch = observer.watch(change.name) if observer else contextlib.nullcontext(LockMeasurement(change.name))
        started = time.perf_counter()
        with watch as measurement:
            connection.exec_driver_sql(change.sql)
        seconds = time.perf_counter() - started
        connection.exec_driver_sql(change.undo)
    return seconds, measurement


def measure(server: MysqlServer, rows: int, rounds: int) -> None:
    database = server.create(f"bench_locks_{rows}")
    observer = MysqlLockObserver(database)
    try:
        with database.connection() as connection:
            fill_orders(connection, rows)
            connection.commit()
        print(f"\n{rows:,} rows, best of {rounds}")
        print(
            f"{'change':<18} {'alone s':>8} {'watched s':>9} {'ratio':>6}  {'lock on orders':<16} "
            f"{'SNW ms':>7} {'reads ms':>9} {'writes ms':>9} {'rebuilt':<7} {'interval ms':>11} {'samples':>7}"
        )
        for change in CHANGES.values():
            alone, watched, best = float("inf"), float("inf"), None
            for round_number in range(rounds):
                for watching in (False, True) if round_number % 2 == 0 else (True, False):
                    seconds, measurement = timed(database, change, observer if watching else None)
                    if not watching:
                        alone = min(alone, seconds)
                    elif seconds < watched:
                        watched, best = seconds, measurement
            assert best is not None
            lock = next((lock for lock in best.locks if lock.relation == "orders"), None)
            stall = next(stall for stall in best.stalls if stall.table == "orders")
            print(
                f"{change.name:<18} {alone:>8.3f} {watched:>9.3f} {watched / alone:>6.2f}  "
                f"{lock.mode if lock else '-':<16} {lock.modes_ms.get('SHARED_NO_WRITE', 0) if lock else 0:>7.1f} "
                f"{stall.read_ms:>9.1f} {stall.write_ms:>9.1f} {'yes' if best.rewritten else 'no':<7} "
                f"{best.interval_ms:>11.1f} {best.samples:>7}"
            )
    finally:
        observer.close()
        server.drop(database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an existing MariaDB server (default: start one here)")
    parser.add_argument("--rows", default="200000,1000000", help="sizes of orders, comma-separated")
    parser.add_argument("--rounds", type=int, default=4, help="runs of each change, alone and watched")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(machine.host_mariadb()).url
        server = MysqlServer(url)
        stack.callback(server.close)
        for rows in (int(size) for size in args.rows.split(",")):
            measure(server, rows, args.rounds)


if __name__ == "__main__":
    main()
