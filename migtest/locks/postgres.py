"""PostgreSQL's lock observer: a sampler of `pg_locks` and a probe of every table, each a thread
with a connection of its own, for as long as a migration runs.

The sampler records, per relation, the strongest lock mode granted to any client session but the
observer's own, and for how long (locks/tracking.py: from sample to sample that saw it). The probe
keeps reading one row of each table and updating one row to itself (rolled back: no data
changes) under a short `lock_timeout`, so a lock that blocks users shows as the time those tiny
statements could not complete. Rewrites are told by the catalogue, not guessed: a table whose
`relfilenode` changed was rewritten; an index new since the start whose catalogue rows were
written in one transaction was not built CONCURRENTLY (that build commits in three).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
import sqlalchemy

from migtest.databases import Database
from migtest.locks import LockMeasurement
from migtest.locks.tracking import Record, after_migration, running, starting
from migtest.threads import BackgroundThread

# From the weakest to the strongest, as PostgreSQL's documentation lists them.
MODES = (
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
)
# Indexes are left out: their locks follow their table's, and whoever blocks users blocks the table.
KINDS = {"r": "table", "p": "table", "S": "sequence", "v": "view", "m": "view"}
SAMPLE_PAUSE = 0.003  # between two samples: a few milliseconds apart with the query's own time
PROBE_PAUSE = 0.008  # between two rounds of the probe over every table
LOCK_TIMEOUT_MS = 10  # a probe statement waiting longer counts as stalled; short, so that one
# blocked table keeps the probe from the others for little longer than that
STATEMENT_TIMEOUT_MS = 2000  # bounds a probe statement whatever it waits for

USER_RELATIONS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%%'"
SHOWN_NAME = "CASE WHEN n.nspname = current_schema() THEN c.relname ELSE n.nspname || '.' || c.relname END"
SAMPLE = f"""
SELECT {SHOWN_NAME}, c.relkind::text, l.mode, a.query
FROM pg_locks l
JOIN pg_class c ON c.oid = l.relation
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.granted AND l.locktype = 'relation'
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.pid <> ALL(%s) AND a.backend_type = 'client backend' AND c.relkind NOT IN ('i', 'I') AND {USER_RELATIONS}
"""
# A column the probe may set to itself: not generated, not an identity that refuses it.
COLUMN = """
SELECT quote_ident(attname) FROM pg_attribute
WHERE attrelid = {table} AND attnum > 0 AND NOT attisdropped AND attgenerated = '' AND attidentity <> 'a'
ORDER BY attnum LIMIT 1
"""
TABLES = f"""
SELECT c.oid::bigint, {SHOWN_NAME}, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relfilenode::bigint,
       false, ({COLUMN.format(table="c.oid")})
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't' AND {USER_RELATIONS}
ORDER BY 2
"""
INDEXES = """
SELECT i.indrelid::bigint, c.relname, i.xmin::text = c.xmin::text
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = ANY(%s)
"""
FILE_NODES = "SELECT oid::bigint, relfilenode::bigint FROM pg_class WHERE oid = ANY(%s)"
STALLED = (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled)
GONE = (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn)


@dataclass
class Table:
    """A table listed when the watch started."""

    oid: int
    name: str  # as measurements show it
    quoted: str  # schema-qualified, for statements
    file_node: int
    has_rows: bool = False
    column: str | None = None  # the probe's write sets it to itself (None: LOCK TABLE instead)


@dataclass
class Watch:
    """What the threads record while one watch runs."""

    tables: list[Table]
    stop: threading.Event = field(default_factory=threading.Event)
    record: Record = field(default_factory=lambda: Record(MODES))


class PostgresLockObserver:
    """Watches one database; its two connections are opened at the first watch and kept until
    `close` (a step walk watches every migration with the same ones)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._engine: sqlalchemy.Engine | None = None
        self._sampler: Any = None
        self._probe: Any = None
        self._pooled: list[Any] = []

    def _open(self) -> None:
        if self._engine is not None:
            return
        self._engine = self.database.engine()
        self._pooled = [self._engine.raw_connection() for _ in range(2)]  # closed with them
        self._sampler, self._probe = (pooled.driver_connection for pooled in self._pooled)
        for connection in (self._sampler, self._probe):
            connection.autocommit = True
            connection.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        self._probe.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")

    def close(self) -> None:
        if self._engine is None:
            return
        for pooled in self._pooled:
            pooled.invalidate()  # its session may be mid-statement after an interrupt: not pooled again
        self._engine = None

    @contextmanager
    def watch(self, label: str) -> Iterator[LockMeasurement]:
        with starting(self.close, (psycopg.Error, sqlalchemy.exc.SQLAlchemyError)):
            self._open()
            watch = Watch(self._tables())
            indexes = self._indexes(watch.tables)
        measurement = LockMeasurement(label)
        own = [self._sampler.info.backend_pid, self._probe.info.backend_pid]
        threads = [
            BackgroundThread(self._sample, "migtest-lock-sampler", (watch, own, measurement)),
            BackgroundThread(self._probe_tables, "migtest-lock-probe", (watch,)),
        ]
        names = [t.name for t in watch.tables]
        try:
            with running(threads, watch.stop, self._cancel, watch.record, measurement, names):
                yield measurement
        finally:
            notes: list[str] = []
            with after_migration(notes, self.close, (psycopg.Error,)):
                self._rewrites(measurement, watch, indexes)
            measurement.note = "; ".join(notes) or None

    def _cancel(self) -> None:
        for connection in (self._sampler, self._probe):
            connection.cancel()

    def _tables(self) -> list[Table]:
        tables = [Table(*row) for row in self._sampler.execute(TABLES).fetchall()]
        if tables:
            some = " UNION ALL ".join(f"SELECT {t.oid} WHERE EXISTS (SELECT FROM {t.quoted})" for t in tables)
            with_rows = {row[0] for row in self._sampler.execute(some).fetchall()}
            for table in tables:
                table.has_rows = table.oid in with_rows
        return tables

    def _indexes(self, tables: list[Table]) -> set[tuple[int, str]]:
        rows = self._sampler.execute(INDEXES, ([t.oid for t in tables],)).fetchall()
        return {(table, name) for table, name, _ in rows}

    def _sample(self, watch: Watch, own: list[int], measurement: LockMeasurement) -> None:
        """Until the watch ends; a lost connection ends the sampling, keeping what it saw. The
        sample count is kept up to date as it goes (tests hold a lock until it was sampled)."""
        try:
            while not watch.stop.is_set():
                rows = self._sampler.execute(SAMPLE, (own,)).fetchall()
                held = [(relation, KINDS.get(relkind, relkind), mode, query) for relation, relkind, mode, query in rows]
                watch.record.sample(time.perf_counter(), held)
                measurement.samples = len(watch.record.sampled_at)
                watch.stop.wait(SAMPLE_PAUSE)
        except psycopg.Error:
            return

    def _probe_tables(self, watch: Watch) -> None:
        """Round after round over every table until the watch ends; a table the migration drops
        leaves the rounds, a lost connection ends them."""
        probed = list(watch.tables)
        try:
            while probed and not watch.stop.is_set():
                probed = [table for table in probed if watch.stop.is_set() or self._probe_table(watch, table)]
                watch.stop.wait(PROBE_PAUSE)
        except psycopg.OperationalError:
            return

    def _probe_table(self, watch: Watch, table: Table) -> bool:
        """One read and one write of the table; False once the table is gone (or its column, and
        no other can be written) or refuses the probe: it leaves the rounds."""
        read = f"SELECT FROM {table.quoted} LIMIT 1"
        if table.column is None:
            write = f"BEGIN; LOCK TABLE {table.quoted} IN ROW EXCLUSIVE MODE; ROLLBACK"
        else:
            first = f"(SELECT ctid FROM {table.quoted} LIMIT 1)"
            write = f"BEGIN; UPDATE {table.quoted} SET {table.column} = {table.column} WHERE ctid = {first}; ROLLBACK"
        for statement, writes in ((read, False), (write, True)):
            started = time.perf_counter()
            try:
                self._probe.execute(statement)
                completed = True
            except STALLED:
                completed = False
            except psycopg.OperationalError:
                raise
            except psycopg.Error as exc:  # gone; or refusing the probe (a trigger raising, no privilege)
                self._rolled_back()
                return isinstance(exc, GONE) and self._refresh(table)
            self._rolled_back()
            watch.record.attempted(table.name, writes, started, time.perf_counter(), completed)
        return True

    def _rolled_back(self) -> None:
        """A probe statement that failed leaves its transaction aborted: end it."""
        if self._probe.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
            self._probe.execute("ROLLBACK")

    def _refresh(self, table: Table) -> bool:
        """The migration dropped the table or the column the probe writes: find another column."""
        column = self._probe.execute(COLUMN.format(table="%s"), (table.oid,)).fetchone()
        if column is None or column[0] == table.column:
            return False
        table.column = column[0]
        return True

    def _rewrites(self, measurement: LockMeasurement, watch: Watch, before: set[tuple[int, str]]) -> None:
        oids = [t.oid for t in watch.tables]
        nodes = dict(self._sampler.execute(FILE_NODES, (oids,)).fetchall())
        populated = {t.oid: t for t in watch.tables if t.has_rows}
        measurement.rewritten = [t.name for t in populated.values() if t.oid in nodes and nodes[t.oid] != t.file_node]
        indexes = self._sampler.execute(INDEXES, (list(populated),)).fetchall()
        measurement.blocking_indexes = [
            name for table, name, one_transaction in indexes if (table, name) not in before and one_transaction
        ]
