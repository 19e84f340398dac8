"""The MariaDB lock observer on changes of known behaviour at 200 000 rows (issue 15).

One database for the module on the session's MariaDB: `orders` (200 000 rows, built with one
INSERT … SELECT); each change is made and then undone, so the cases share the table. The
observer reads metadata locks from the metadata_lock_info plugin, which it installs (the server
runs without performance_schema); a server of the module's own, with performance_schema and its
MDL instrument on, serves the logins that cannot install it. Stalls are compared between a
blocking change and its harmless counterpart, never against fixed times: the factors hold on a
busy 2-core machine, where a harmless change stalls writes for a few milliseconds and a blocking
one for about as long as the table takes to copy or index.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import machine
import pytest
import sqlalchemy
from lock_watches import connections_lost, interrupted
from mysql_changes import BLOCKING, CHANGES, Change, fill_orders

from migtest.databases import Database
from migtest.databases.mysql import MysqlServer
from migtest.errors import StepFailed
from migtest.locks import LockMeasurement
from migtest.locks.mysql import MysqlLockObserver
from migtest.locks.mysql_catalogue import PLUGIN

ROWS = 200_000
FACTOR = 3  # a blocking change's stall over its harmless counterpart's
WAIT_SECONDS = 60.0  # for the sampler's, a session's or a statement's progress, on a busy 2-core machine


@contextmanager
def _connection(database: Database) -> Iterator[sqlalchemy.Connection]:
    with database.connection() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")


def _as(database: Database, user: str) -> Database:
    """The same database reached through another login (password: the user's name)."""
    url = sqlalchemy.make_url(database.url).set(username=user, password=user)
    return Database(database.name, url.render_as_string(hide_password=False), database.server)


def _wait_until(ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not ready():
        assert time.monotonic() < deadline, f"{what} within {WAIT_SECONDS} s"
        threading.Event().wait(0.001)


def _wait_for_samples(measurement: LockMeasurement, count: int) -> None:
    _wait_until(lambda: measurement.samples >= count, f"the sampler took {count} samples")


@pytest.fixture(scope="module")
def database(mariadb_host) -> Iterator[Database]:
    server = MysqlServer(mariadb_host.url, disposable=True)  # the test's own: the plugin may be installed
    database = server.create("locks")
    try:
        with _connection(database) as connection:
            fill_orders(connection, ROWS)
        yield database
    finally:
        server.drop(database)
        server.close()


@pytest.fixture(scope="module")
def observer(database: Database) -> Iterator[MysqlLockObserver]:
    observer = MysqlLockObserver(database)
    try:
        yield observer
    finally:
        observer.close()


def _measure(observer: MysqlLockObserver, database: Database, change: Change) -> LockMeasurement:
    with _connection(database) as connection:
        with observer.watch(change.name) as measurement:
            connection.exec_driver_sql(change.sql)
        connection.exec_driver_sql(change.undo)
    return measurement


@pytest.fixture(scope="module")
def measured(observer, database) -> dict[str, LockMeasurement]:
    return {name: _measure(observer, database, change) for name, change in CHANGES.items()}


def _orders(measurement: LockMeasurement):
    return next(lock for lock in measurement.locks if lock.relation == "orders")


def test_the_blocking_changes_hold_shared_no_write_and_the_others_never(measured):
    for name in BLOCKING:
        lock = _orders(measured[name])
        assert lock.modes_ms.get("SHARED_NO_WRITE", 0) > 0, (name, lock)
        assert lock.mode in ("SHARED_NO_WRITE", "EXCLUSIVE"), (name, lock)
        assert lock.statement == CHANGES[name].sql
    for name in CHANGES.keys() - BLOCKING:
        assert not [lock for lock in measured[name].locks if "SHARED_NO_WRITE" in lock.modes_ms], name
    index = _orders(measured["index"])  # the build itself, under SHARED_UPGRADABLE: seen at any load
    assert index.modes_ms.get("SHARED_UPGRADABLE", 0) > 0, index
    assert index.statement == CHANGES["index"].sql


def test_only_the_copying_changes_rebuild_the_table(measured):
    assert {name: m.rewritten for name, m in measured.items() if m.rewritten} == {
        "copy": ["orders"],
        "int to bigint": ["orders"],
    }


@pytest.mark.parametrize(
    ("blocking", "harmless"), [("copy", "instant"), ("index lock shared", "index"), ("int to bigint", "varchar wider")]
)
def test_a_blocking_change_stalls_writes_far_longer_than_its_harmless_counterpart(measured, blocking, harmless):
    def stall(name: str) -> float:
        return next(s.write_ms for s in measured[name].stalls if s.table == "orders")

    assert stall(blocking) > FACTOR * max(stall(harmless), 1.0), {n: measured[n].stalls for n in (blocking, harmless)}


def test_a_copy_blocks_writes_while_reads_go_on(measured):
    stall = next(s for s in measured["copy"].stalls if s.table == "orders")
    assert stall.write_ms > FACTOR * max(stall.read_ms, 1.0), stall


def test_the_sampling_interval_and_count_are_reported(measured):
    copy = measured["copy"]
    assert copy.samples > 2
    assert 0 < copy.interval_ms < copy.duration_ms
    assert copy.note is None  # everything was observable


def test_the_probe_changes_no_data(database, measured):
    with _connection(database) as connection:
        count, total = connection.exec_driver_sql("SELECT count(*), sum(amount) FROM orders").one()
    assert (count, total) == (ROWS, ROWS * (ROWS + 1) // 2)


def _sessions(watching: sqlalchemy.Connection) -> set[int]:
    """The ids of the other sessions on the database: those an earlier test's statements left may
    still end while a test runs, so a test looks at the sessions it began, not at a count. Asked
    on one connection the test keeps: the session of one opened per question ends after it."""
    return set(
        watching.exec_driver_sql(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"
        ).scalars()
    )


def test_nothing_of_the_observer_runs_after_an_interrupt_and_close(database):
    with _connection(database) as watching:
        before = _sessions(watching)
        observer = MysqlLockObserver(database)
        measurement = interrupted(observer, _wait_for_samples)
        _gone(watching, before)  # the sampler's and the probe's sessions closed with the block
    assert measurement.samples >= 1
    observer.close()  # as the runner does: nothing left to close, no error


def test_the_connections_are_kept_from_watch_to_watch_until_closed(database):
    with _connection(database) as watching:
        before = _sessions(watching)
        observer = MysqlLockObserver(database)
        for label in ("first", "second"):
            with observer.watch(label) as measurement:
                _wait_for_samples(measurement, 1)
            assert len(_sessions(watching) - before) == 2
        observer.close()
        _gone(watching, before)


def test_connections_lost_mid_watch_are_said_and_the_next_watch_measures_again(database):
    with _connection(database) as watching:
        before = _sessions(watching)
        observer = MysqlLockObserver(database)

        def kill_own_sessions() -> None:
            for session in _sessions(watching) - before:
                watching.exec_driver_sql(f"KILL {session}")

        try:
            lost, following = connections_lost(observer, kill_own_sessions, _wait_for_samples)
        finally:
            observer.close()
    assert "table rewrites not observed: " in (lost.note or ""), lost.note
    assert following.samples >= 1 and "not observed" not in (following.note or "")


def _gone(watching: sqlalchemy.Connection, before: set[int]) -> None:
    """The server ends a session a moment after its client said goodbye."""
    _wait_until(lambda: not _sessions(watching) - before, "the observer's sessions to end on the database")


def _create_user(database: Database, user: str, *grants: str) -> None:
    with _connection(database) as connection:
        connection.exec_driver_sql(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{user}'")
        connection.exec_driver_sql(f"GRANT ALL ON `{database.name}`.* TO '{user}'@'127.0.0.1'")
        for grant in grants:
            connection.exec_driver_sql(f"GRANT {grant} TO '{user}'@'127.0.0.1'")


def _drop_user(database: Database, user: str) -> None:
    with _connection(database) as connection:
        connection.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'127.0.0.1'")


@contextmanager
def _user(database: Database, user: str, *grants: str) -> Iterator[Database]:
    _create_user(database, user, *grants)
    try:
        yield _as(database, user)
    finally:
        _drop_user(database, user)


def _held_row(database: Database, observer: MysqlLockObserver, table: str) -> LockMeasurement:
    """A session (root's) holds a row of `table` for update until the sampler saw it twice."""
    with _connection(database) as connection, observer.watch("held") as measurement:
        connection.exec_driver_sql("BEGIN")
        connection.exec_driver_sql(f"SELECT id FROM {table} ORDER BY id LIMIT 1 FOR UPDATE").fetchall()
        _wait_for_samples(measurement, measurement.samples + 2)
        connection.exec_driver_sql("ROLLBACK")
    return measurement


def test_without_the_process_privilege_locks_are_seen_and_rebuilds_said_unobservable(database, measured):
    with _user(database, "locks_plain") as plain:
        observer = MysqlLockObserver(plain)
        try:
            measurement = _held_row(database, observer, "orders")
        finally:
            observer.close()
    assert _orders(measurement).mode == "SHARED_WRITE"
    assert _orders(measurement).statement is None  # another login's statement is not shown without PROCESS
    assert measurement.rewritten == []
    assert "table rebuilds not observable" in measurement.note


# -- a server with performance_schema and its MDL instrument on, without the plugin ------------


@pytest.fixture(scope="module")
def instrumented() -> Iterator[Database]:
    options = ("--performance-schema=ON", "--performance-schema-instrument=wait/lock/metadata/sql/mdl=ON")
    with machine.host_mariadb(*options) as host:
        server = MysqlServer(host.url, disposable=True)
        database = server.create("instrumented")
        try:
            with _connection(database) as connection:
                connection.exec_driver_sql("CREATE TABLE items (id int PRIMARY KEY, name varchar(10))")
                connection.exec_driver_sql("INSERT INTO items VALUES (1, 'a'), (2, 'b')")
            yield database
        finally:
            server.drop(database)
            server.close()


def test_a_login_that_cannot_install_the_plugin_reads_performance_schema(instrumented):
    with _user(instrumented, "locks_ps", "SELECT ON performance_schema.*") as login:
        observer = MysqlLockObserver(login)
        try:
            measurement = _held_row(instrumented, observer, "items")
        finally:
            observer.close()
    assert [(lock.relation, lock.mode) for lock in measurement.locks] == [("items", "SHARED_WRITE")]
    assert "not as upgraded" in measurement.note
    assert "metadata_lock_info plugin could not be installed" in measurement.note


def test_a_users_server_is_not_changed_its_missing_plugin_is_named_with_how_to_add_it(instrumented):
    """A server of `database.url` is the user's: the plugin is not installed there, and the
    measurement says how to add it (performance_schema is read meanwhile)."""
    users = Database(instrumented.name, instrumented.url, MysqlServer(instrumented.url))
    observer = MysqlLockObserver(users)
    try:
        measurement = _held_row(instrumented, observer, "items")
    finally:
        observer.close()
        users.server.close()
    assert "metadata_lock_info plugin is not installed on this server" in measurement.note
    assert "INSTALL SONAME 'metadata_lock_info'" in measurement.note
    with _connection(instrumented) as connection:
        assert connection.exec_driver_sql(PLUGIN).first() is None
    assert [(lock.relation, lock.mode) for lock in measurement.locks] == [("items", "SHARED_WRITE")]


def test_where_no_lock_can_be_read_the_measurement_says_so_and_the_probe_still_measures(instrumented):
    with _user(instrumented, "locks_none") as login:
        observer = MysqlLockObserver(login)
        try:
            with _connection(instrumented) as connection, observer.watch("blind") as measurement:
                connection.exec_driver_sql("BEGIN")
                connection.exec_driver_sql("SELECT id FROM items ORDER BY id LIMIT 1 FOR UPDATE").fetchall()
                _wait_until(lambda: _probe_waits(connection, "locks_none"), "the probe waited on the held row")
                connection.exec_driver_sql("ROLLBACK")
        finally:
            observer.close()
    assert measurement.locks == [] and measurement.samples == 0
    assert measurement.note.startswith("metadata locks not observable")
    assert next(s.write_ms for s in measurement.stalls if s.table == "items") > 0


def _probe_waits(connection: sqlalchemy.Connection, user: str) -> bool:
    return bool(
        connection.exec_driver_sql(
            "SELECT count(*) FROM information_schema.PROCESSLIST WHERE USER = %s AND INFO LIKE %s",
            (user, "%FOR UPDATE"),
        ).scalar()
    )


def test_where_both_can_be_read_the_plugin_shows_the_upgrade_performance_schema_misses(instrumented):
    """An ALTER … ALGORITHM=COPY upgrades its lock to SHARED_NO_WRITE for the copy, and waits
    there for EXCLUSIVE while a reader's transaction is open: held as long as the test wants."""
    observer = MysqlLockObserver(instrumented)  # root: installs the plugin, uninstalled after
    try:
        with _connection(instrumented) as reader, _connection(instrumented) as migrating:
            alter = threading.Thread(
                target=migrating.exec_driver_sql, args=("ALTER TABLE items ADD COLUMN x int, ALGORITHM=COPY",)
            )
            with observer.watch("upgraded") as measurement:
                reader.exec_driver_sql("BEGIN")
                reader.exec_driver_sql("SELECT * FROM items").fetchall()
                alter.start()
                try:
                    _wait_until(lambda: _waits_for_metadata(reader), "the ALTER waited for its EXCLUSIVE lock")
                    _wait_for_samples(measurement, measurement.samples + 2)
                finally:  # the ALTER goes on and ends before its connection is closed
                    reader.exec_driver_sql("COMMIT")
                    alter.join(WAIT_SECONDS)
            assert not alter.is_alive(), f"the ALTER still ran {WAIT_SECONDS} s after the reader committed"
            migrating.exec_driver_sql("ALTER TABLE items DROP x")
    finally:
        observer.close()
        instrumented.server.execute("UNINSTALL SONAME IF EXISTS 'metadata_lock_info'")
    (lock,) = measurement.locks
    assert lock.modes_ms.get("SHARED_NO_WRITE", 0) > 0, lock
    assert measurement.note is None


def _waits_for_metadata(connection: sqlalchemy.Connection) -> bool:
    return bool(
        connection.exec_driver_sql(
            "SELECT count(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'ALTER TABLE items%%' "
            "AND STATE = 'Waiting for table metadata lock'"
        ).scalar()
    )


def test_a_measurement_that_cannot_start_stops_the_phase_with_why(database):
    observer = MysqlLockObserver(_as(database, "locks_nobody"))  # no such login
    refused = r"cannot measure locks: .*Access denied.*checks\.locks: off measures nothing"
    with pytest.raises(StepFailed, match=refused), observer.watch("refused"):
        pytest.fail("the block ran without a measurement")
    assert not [t for t in threading.enumerate() if t.name.startswith("migtest-lock-")]
    observer.close()
