"""MySQL's and MariaDB's lock observer: a sampler of the metadata locks and a probe of every table,
each a thread with a connection of its own, for as long as a migration runs.

The sampler records, per table, the strongest metadata lock (MDL) granted to any session but the
observer's own, and for how long (first to last sample that saw it); where the server does not
show MDL (see mysql_catalogue), the measurement's note says so and the probe still measures. The
probe keeps reading one row of each table and locking one row for update in a transaction it
rolls back (no data changes, no trigger fires) under a short wait bound, so a lock that blocks
users shows as the time those tiny statements could not complete. A table whose InnoDB table id
changed between the start and the end was rebuilt.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy

from migtest.databases import Database
from migtest.databases.mysql import backquoted
from migtest.locks import LockMeasurement
from migtest.locks.mysql_catalogue import MODES, MdlSource, mdl_source, table_ids
from migtest.locks.tracking import Record, after_migration, running, starting
from migtest.sql.statement_limit import canceller
from migtest.threads import BackgroundThread

SAMPLE_PAUSE = 0.002  # between two samples: a few milliseconds apart with the query's own time
PROBE_PAUSE = 0.005  # between two rounds of the probe over every table
# A probe statement waiting longer counts as stalled; short, so that one blocked table keeps the
# probe from the others for little longer than that. MariaDB bounds any wait (max_statement_time,
# in seconds); MySQL only in whole seconds, and an attempt ends as soon as it is granted anyway.
MARIADB_PROBE = "SET SESSION max_statement_time = 0.01, lock_wait_timeout = 2, innodb_lock_wait_timeout = 2"
MYSQL_PROBE = "SET SESSION lock_wait_timeout = 1, innodb_lock_wait_timeout = 1"
READ_TIMEOUT = 10  # seconds: bounds every read of the observer's connections, whatever happens
# The errors of a probe statement that waited too long: max_statement_time, a lock wait timeout,
# MySQL's max_execution_time, a KILL QUERY, a deadlock (InnoDB picks the probe: it wrote nothing).
STALLED = {1969, 1205, 3024, 1317, 1213}
DEFINITION_CHANGED = 1412  # the table changed since this consistent read's snapshot began
CLIENT_ERRORS = 2000  # and above: the connection's, not the statement's (lost, timed out)
TABLES = """
SELECT TABLE_NAME FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME
"""


@dataclass
class Table:
    """A table listed when the watch started."""

    name: str
    quoted: str
    table_id: int | None  # InnoDB's, None where unknown (another engine, no privilege)
    has_rows: bool


@dataclass
class Watch:
    tables: list[Table]
    record: Record = field(default_factory=lambda: Record(MODES))
    stop: threading.Event = field(default_factory=threading.Event)
    notes: list[str] = field(default_factory=list)


class MysqlLockObserver:
    """Watches one database; its two connections are opened at the first watch and kept until
    `close` (a step walk watches every migration with the same ones)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._engine: sqlalchemy.Engine | None = None
        self._sampler: sqlalchemy.Connection | None = None
        self._probe: sqlalchemy.Connection | None = None
        self._source = MdlSource(None)
        self._own: tuple[int, int] = (0, 0)

    def _open(self) -> sqlalchemy.Connection:
        """The sampler's connection (the probe's is opened with it)."""
        if self._sampler is None or self._probe is None:
            self._engine = self.database.connect()
            sqlalchemy.event.listen(self._engine, "do_connect", _bounded_reads)
            self._sampler, self._probe = (
                self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") for _ in range(2)
            )
            mariadb = "MariaDB" in self._sampler.exec_driver_sql("SELECT VERSION()").scalar_one()
            self._probe.exec_driver_sql(MARIADB_PROBE if mariadb else MYSQL_PROBE)
            self._own = (_session(self._sampler), _session(self._probe))
            self._source = mdl_source(
                self._sampler, mariadb, install=getattr(self.database.server, "disposable", False)
            )
        return self._sampler

    def close(self) -> None:
        for connection in (self._sampler, self._probe):
            if connection is not None:
                connection.invalidate()  # its session may be mid-statement after an interrupt
                connection.close()
        self._sampler = self._probe = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def watch(self, label: str) -> Iterator[LockMeasurement]:
        with starting(self.close, (sqlalchemy.exc.SQLAlchemyError,)):
            sampler = self._open()
            watch = Watch(self._tables(sampler))
        measurement = LockMeasurement(label)
        threads = [
            BackgroundThread(self._sample, "migtest-lock-sampler", (watch, measurement)),
            BackgroundThread(self._probe_tables, "migtest-lock-probe", (watch,)),
        ]
        if self._source.note:
            watch.notes.append(self._source.note)
        names = [t.name for t in watch.tables]
        interrupted = False
        try:
            with running(threads, watch.stop, self._cancel, watch.record, measurement, names):
                yield measurement
        except (KeyboardInterrupt, SystemExit):
            interrupted = True
            raise
        finally:
            with after_migration(watch.notes, self.close, (sqlalchemy.exc.SQLAlchemyError,)):
                measurement.rewritten = self._rebuilt(sampler, watch)
            measurement.note = "; ".join(watch.notes) or None
            if interrupted:  # the run is being torn down: nothing of the observer outlives the block
                self.close()

    def _cancel(self) -> None:
        """What still runs on the observer's connections, killed on the server."""
        for connection in (self._sampler, self._probe):
            if connection is not None:
                with contextlib.suppress(sqlalchemy.exc.DBAPIError):
                    canceller(connection)()

    def _tables(self, connection: sqlalchemy.Connection) -> list[Table]:
        ids = table_ids(connection, self._schema(connection)) or {}
        tables = []
        for name in connection.exec_driver_sql(TABLES).scalars().all():
            quoted = backquoted(name)
            try:
                has_rows = bool(connection.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM {quoted})").scalar_one())
            except sqlalchemy.exc.DBAPIError:  # unreadable (its engine is missing…): not probed
                continue
            tables.append(Table(name, quoted, ids.get(name), has_rows))
        return tables

    @staticmethod
    def _schema(connection: sqlalchemy.Connection) -> str:
        return connection.exec_driver_sql("SELECT DATABASE()").scalar_one()

    def _rebuilt(self, connection: sqlalchemy.Connection, watch: Watch) -> list[str]:
        ids = table_ids(connection, self._schema(connection))
        if ids is None:
            watch.notes.append("table rebuilds not observable: the InnoDB table ids need the PROCESS privilege")
            return []
        return [
            table.name
            for table in watch.tables
            if table.has_rows and table.table_id is not None and ids.get(table.name, table.table_id) != table.table_id
        ]

    def _sample(self, watch: Watch, measurement: LockMeasurement) -> None:
        """Until the watch ends; a failed sample ends the sampling (said in the note), keeping
        what it saw. The sample count is kept up to date as it goes (tests wait on it)."""
        assert self._sampler is not None
        query = self._source.query
        if query is None:
            return
        try:
            while not watch.stop.is_set():
                rows = self._sampler.exec_driver_sql(query, self._own).fetchall()
                watch.record.sample(time.perf_counter(), [(table, "table", mode, info) for table, mode, info in rows])
                measurement.samples = len(watch.record.sampled_at)
                watch.stop.wait(SAMPLE_PAUSE)
        except sqlalchemy.exc.DBAPIError as exc:
            if not watch.stop.is_set():
                watch.notes.append(f"metadata lock sampling stopped early: {exc.orig or exc}")

    def _probe_tables(self, watch: Watch) -> None:
        """Round after round over every table until the watch ends; a table the migration drops
        (or that refuses the probe) leaves the rounds, a lost connection ends them."""
        probed = list(watch.tables)
        try:
            while probed and not watch.stop.is_set():
                probed = [table for table in probed if watch.stop.is_set() or self._probe_table(watch, table)]
                watch.stop.wait(PROBE_PAUSE)
        except sqlalchemy.exc.DBAPIError as exc:
            if not watch.stop.is_set():
                watch.notes.append(f"the probe stopped early: {exc.orig or exc}")

    def _probe_table(self, watch: Watch, table: Table) -> bool:
        """One read and one locking read (as a write would lock) of the table; False once it is
        gone or refuses the probe."""
        assert self._probe is not None
        run = self._probe.exec_driver_sql
        for write in (False, True):
            started = time.perf_counter()
            try:
                if write:
                    run("BEGIN")
                run(f"SELECT 1 FROM {table.quoted} LIMIT 1{' FOR UPDATE' if write else ''}").fetchall()
                completed = True
            except sqlalchemy.exc.DBAPIError as exc:
                code = _code(exc)
                if code is None or code >= CLIENT_ERRORS:
                    raise
                if code not in STALLED and code != DEFINITION_CHANGED:
                    return False  # gone (dropped), or refused (a privilege…): it leaves the rounds
                completed = code == DEFINITION_CHANGED  # answered at once, not a wait: the next try reads
            finally:
                if write:
                    run("ROLLBACK")
            watch.record.attempted(table.name, write, started, time.perf_counter(), completed)
        return True


def _bounded_reads(dialect: object, record: object, cargs: list, cparams: dict) -> None:
    cparams["read_timeout"] = READ_TIMEOUT


def _session(connection: sqlalchemy.Connection) -> int:
    return int(connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar_one())


def _code(exc: sqlalchemy.exc.DBAPIError) -> int | None:
    args = exc.orig.args if exc.orig is not None else ()
    return args[0] if args and isinstance(args[0], int) else None
