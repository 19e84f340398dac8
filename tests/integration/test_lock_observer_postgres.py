"""The PostgreSQL lock observer on changes of known behaviour at 200 000 rows (issue 15).

One database for the module: `orders` (200 000 rows, built with one INSERT … SELECT) and
`customers`; each change is made and then undone, so the cases share the table. A change runs
as a migration file would: in a transaction of its own (CONCURRENTLY outside one). Stalls are
compared between a blocking change and its harmless counterpart, never against fixed times: the
factors hold on a busy 2-core machine, where a harmless change's probe takes a few milliseconds
and a blocking one's about as long as the table takes to scan or rewrite.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy
from lock_watches import connections_lost, interrupted
from machine import wait_for
from pg_sessions import client_sessions

from migtest.databases import Database
from migtest.databases.postgres import PostgresServer
from migtest.errors import StepFailed
from migtest.locks import LockMeasurement
from migtest.locks.postgres import PostgresLockObserver

ROWS = 200_000
FACTOR = 3  # a blocking change's stall over its harmless counterpart's
SAMPLES_SECONDS = 60.0  # for the sampler thread's progress, on a busy 2-core machine


@dataclass(frozen=True)
class Change:
    name: str
    sql: str
    undo: str
    in_transaction: bool = True


CHANGES = {
    change.name: change
    for change in (
        Change("index", "CREATE INDEX orders_amount ON orders (amount)", "DROP INDEX orders_amount"),
        Change(
            "index concurrently",
            "CREATE INDEX CONCURRENTLY orders_amount ON orders (amount)",
            "DROP INDEX orders_amount",
            in_transaction=False,
        ),
        Change("constant default", "ALTER TABLE orders ADD COLUMN flag int DEFAULT 7", "ALTER TABLE orders DROP flag"),
        Change(
            "volatile default",
            "ALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT clock_timestamp()",
            "ALTER TABLE orders DROP seen",
        ),
        Change(
            "int to bigint", "ALTER TABLE orders ALTER amount TYPE bigint", "ALTER TABLE orders ALTER amount TYPE int"
        ),
        Change(
            "varchar wider",
            "ALTER TABLE orders ALTER note TYPE varchar(20)",
            "ALTER TABLE orders ALTER note TYPE varchar(10)",
        ),
        Change(
            "set not null",
            "ALTER TABLE orders ALTER amount SET NOT NULL",
            "ALTER TABLE orders ALTER amount DROP NOT NULL",
        ),
        Change(
            "foreign key",
            "ALTER TABLE orders ADD CONSTRAINT orders_buyer FOREIGN KEY (customer_id) REFERENCES customers",
            "ALTER TABLE orders DROP CONSTRAINT orders_buyer",
        ),
        Change(
            "foreign key not valid",
            "ALTER TABLE orders ADD CONSTRAINT orders_buyer FOREIGN KEY (customer_id) REFERENCES customers NOT VALID",
            "ALTER TABLE orders DROP CONSTRAINT orders_buyer",
        ),
    )
}


@pytest.fixture(scope="module")
def database(postgres_host) -> Iterator[Database]:
    server = PostgresServer(postgres_host.url)
    database = server.create("locks")
    try:
        with _autocommit(database) as connection:
            connection.exec_driver_sql("CREATE TABLE customers (id int PRIMARY KEY)")
            connection.exec_driver_sql(
                "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount int, note varchar(10))"
            )
            connection.exec_driver_sql("INSERT INTO customers SELECT generate_series(1, 1000)")
            connection.exec_driver_sql(
                f"INSERT INTO orders SELECT g, g %% 1000 + 1, g, 'n' FROM generate_series(1, {ROWS}) g"
            )
            connection.exec_driver_sql("VACUUM ANALYZE")
        yield database
    finally:
        server.drop(database)
        server.close()


@pytest.fixture(scope="module")
def observer(database: Database) -> Iterator[PostgresLockObserver]:
    observer = PostgresLockObserver(database)
    try:
        yield observer
    finally:
        observer.close()


class _autocommit:
    def __init__(self, database: Database) -> None:
        self.engine = database.connect()

    def __enter__(self) -> sqlalchemy.Connection:
        self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()
        self.engine.dispose()


def _measure(
    observer: PostgresLockObserver, database: Database, change: Change, *, hold: bool = False
) -> LockMeasurement:
    """The change measured, then undone. `hold`: its transaction stays open until the sampler
    has seen it twice more, so that a lock taken and released within one sampling interval is
    seen too (a migration's later statements hold it just the same)."""
    with _autocommit(database) as connection:
        with observer.watch(change.name) as measurement:
            if change.in_transaction:
                connection.exec_driver_sql("BEGIN")
            connection.exec_driver_sql(change.sql)
            if hold:
                _wait_for_samples(measurement, measurement.samples + 2)
            if change.in_transaction:
                connection.exec_driver_sql("COMMIT")
        connection.exec_driver_sql(change.undo)
    return measurement


def _wait_for_samples(measurement: LockMeasurement, count: int, seconds: float = SAMPLES_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while measurement.samples < count:
        assert time.monotonic() < deadline, f"the sampler took {count} samples within {seconds} s"
        threading.Event().wait(0.001)


@pytest.fixture(scope="module")
def measured(observer, database) -> dict[str, LockMeasurement]:
    return {name: _measure(observer, database, change) for name, change in CHANGES.items()}


def test_each_change_holds_the_lock_mode_it_is_known_for(observer, database):
    expected = {
        "index": "ShareLock",
        "index concurrently": "ShareUpdateExclusiveLock",
        "constant default": "AccessExclusiveLock",
        "volatile default": "AccessExclusiveLock",
        "int to bigint": "AccessExclusiveLock",
        "varchar wider": "AccessExclusiveLock",
        "set not null": "AccessExclusiveLock",
        "foreign key": "ShareRowExclusiveLock",
        "foreign key not valid": "ShareRowExclusiveLock",
    }
    modes = {}
    for name, change in CHANGES.items():
        measurement = _measure(observer, database, change, hold=True)
        modes[name] = next(lock.mode for lock in measurement.locks if lock.relation == "orders")
        if name.startswith("foreign key"):
            assert {lock.relation: lock.mode for lock in measurement.locks}["customers"] == "ShareRowExclusiveLock"
        assert next(lock.statement for lock in measurement.locks if lock.relation == "orders") == change.sql
    assert modes == expected


def test_only_the_rewriting_changes_rewrite_and_only_the_plain_index_blocks(measured):
    assert {name for name, m in measured.items() if m.rewritten} == {"volatile default", "int to bigint"}
    assert measured["int to bigint"].rewritten == ["orders"]
    assert {name: m.blocking_indexes for name, m in measured.items() if m.blocking_indexes} == {
        "index": ["orders_amount"]
    }


@pytest.mark.parametrize(
    ("blocking", "harmless", "kind"),
    [
        ("index", "index concurrently", "write"),
        ("volatile default", "constant default", "read"),
        ("volatile default", "constant default", "write"),
        ("int to bigint", "varchar wider", "read"),
        ("int to bigint", "varchar wider", "write"),
        ("set not null", "constant default", "blocked"),
        ("foreign key", "foreign key not valid", "write"),
    ],
)
def test_a_blocking_change_stalls_the_table_far_longer_than_its_harmless_counterpart(
    measured, observer, database, blocking, harmless, kind
):
    """The harmless change's stall is the probe's own latency: its least of three rounds, so
    that one moment of a busy machine's scheduling is not taken for a stall. SET NOT NULL blocks
    for as long as a scan of the table takes (tens of ms): the probe, reading and writing in turn,
    meets it with one or the other, so there the longer of both counts (`blocked`)."""

    def stall(measurement: LockMeasurement) -> float:
        """On orders; a foreign key's on the table it references too."""
        tables = ("orders", "customers") if measurement.label.startswith("foreign key") else ("orders",)
        stalls = [s for s in measurement.stalls if s.table in tables]
        kinds = {"read": lambda s: s.read_ms, "write": lambda s: s.write_ms, "blocked": lambda s: s.blocked_ms}
        return max(map(kinds[kind], stalls), default=0.0)

    harmless_rounds = [measured[harmless], *(_measure(observer, database, CHANGES[harmless]) for _ in range(2))]
    least = min(stall(m) for m in harmless_rounds)
    assert stall(measured[blocking]) > FACTOR * max(least, 1.0), (measured[blocking].stalls, least)


def test_the_sampling_interval_and_count_are_reported(measured):
    rewrite = measured["int to bigint"]
    assert rewrite.samples > 2
    assert 0 < rewrite.interval_ms < rewrite.duration_ms


def test_the_probe_changes_no_data(database, measured):
    with _autocommit(database) as connection:
        count, total = connection.exec_driver_sql("SELECT count(*), sum(amount) FROM orders").one()
    assert (count, total) == (ROWS, ROWS * (ROWS + 1) // 2)


def test_nothing_of_the_observer_runs_after_an_interrupt_and_close(database):
    with _autocommit(database) as watching:  # one connection asks: each new one's backend would end late
        before = client_sessions(watching)
        observer = PostgresLockObserver(database)
        interrupted(observer, _wait_for_samples)
        opened = client_sessions(watching) - before
        assert len(opened) == 2  # the sampler's and the probe's, until closed
        observer.close()
        # A backend ends after its client has gone: pg_stat_activity may show it for a moment (which
        # is also why sessions are told apart by pid, not counted: earlier tests' may still be ending).
        wait_for(lambda: not client_sessions(watching) & opened, "the observer's sessions ending", timeout=30)


def test_connections_lost_mid_watch_are_said_and_the_next_watch_measures_again(database):
    with _autocommit(database) as watching:
        before = client_sessions(watching)
        observer = PostgresLockObserver(database)

        def kill_own_sessions() -> None:
            for pid in client_sessions(watching) - before:
                watching.exec_driver_sql("SELECT pg_terminate_backend(%(pid)s)", {"pid": pid})

        try:
            lost, following = connections_lost(observer, kill_own_sessions, _wait_for_samples)
        finally:
            observer.close()
    assert lost.note is not None and lost.note.startswith("table rewrites not observed: "), lost.note
    assert following.samples >= 1 and following.note is None


def test_a_measurement_that_cannot_start_says_why_without_a_traceback(database):
    gone = Database("gone", database.url.rsplit("/", 1)[0] + "/migtest_no_such_database", database.server)
    observer = PostgresLockObserver(gone)
    cannot = r"cannot measure locks: .*checks\.locks: off measures nothing"
    with pytest.raises(StepFailed, match=cannot), observer.watch("nowhere"):
        pytest.fail("the migration ran unmeasured")
    observer.close()


def test_a_table_dropped_or_refusing_the_probe_leaves_the_rounds_quietly(database, monkeypatch):
    """A migration dropping a table, and a table whose trigger refuses every update: the probe
    leaves them without an error of its thread, and the watch ends as usual."""
    thread_errors = []
    monkeypatch.setattr(threading, "excepthook", thread_errors.append)
    with _autocommit(database) as connection:
        for statement in (
            "CREATE TABLE doomed (id int PRIMARY KEY)",
            "CREATE TABLE refusing (id int PRIMARY KEY)",
            "INSERT INTO refusing VALUES (1)",
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE 'no'; END $$",
            "CREATE TRIGGER refuse BEFORE UPDATE ON refusing FOR EACH ROW EXECUTE FUNCTION refuse()",
        ):
            connection.exec_driver_sql(statement)
        observer = PostgresLockObserver(database)
        try:
            with observer.watch("drop") as measurement:
                _wait_for_samples(measurement, 3)
                connection.exec_driver_sql("DROP TABLE doomed")
                _wait_for_samples(measurement, measurement.samples + 3)
        finally:
            observer.close()
            connection.exec_driver_sql("DROP TABLE IF EXISTS doomed, refusing; DROP FUNCTION refuse()")
    assert thread_errors == []
    assert measurement.duration_ms > 0
