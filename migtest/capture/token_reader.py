"""Row tokens (row_tokens) taken while the rows are read, not before or after them.

On PostgreSQL a table's token is a query hashing every row on the server, which costs about
0.4 of reading the rows: run on the capture's connection, the capture waits for it. A second
connection in the same snapshot (`pg_export_snapshot`, `SET TRANSACTION SNAPSHOT`) sees exactly
the rows the capture reads, so the server hashes one table while the capture converts and stores
the rows of another, or of the same one. The connection is opened only once a token is wanted
(a table on disk), tables are hashed one at a time in the order asked, and anything that stops
the second connection (a standby, no connection left) leaves the token to the capture's own
connection, as before. SQLite's tokens read the file the capture reads: they stay in the capture.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor

import sqlalchemy

from migtest.capture import row_tokens
from migtest.capture.dialects import Name
from migtest.threads import background_pool

# what a table's name and its rows' text depend on: the second connection reads them as the capture's would
SETTINGS = ("search_path", "DateStyle", "IntervalStyle", "TimeZone", "bytea_output", "lc_monetary")
# the snapshot to share, or NULL where none can be (a standby exports none: asking would fail the transaction)
_EXPORT = (
    "SELECT current_setting('transaction_isolation'), CASE WHEN NOT pg_is_in_recovery() THEN pg_export_snapshot() END, "
    + ", ".join(f"current_setting('{setting}')" for setting in SETTINGS)
)
_SETTINGS = "SELECT " + ", ".join(f"set_config('{setting}', %s, false)" for setting in SETTINGS)


class Tokens:
    """The tokens of a capture's tables (`connection` in the capture's snapshot, `tokened`: see
    `row_tokens.snapshot`); `start` asks for them ahead, `get` waits for one. A context manager:
    leaving it cancels what nobody waits for and closes the second connection."""

    def __init__(self, connection: sqlalchemy.Connection, tokened: bool) -> None:
        self.connection = connection
        self.tokened = tokened
        self.concurrent = tokened and connection.dialect.name == "postgresql"
        self.asked: dict[str, Future[str | None]] = {}
        self.tables: dict[str, Name] = {}  # of `asked`, in the order asked
        self.taken: dict[str, str | None] = {}  # tokens of `asked` the capture's connection took instead
        self.worker: ThreadPoolExecutor | None = None
        self.other: sqlalchemy.Connection | None = None
        self.snapshot: tuple[str, str, tuple[str, ...]] = ("", "", ())  # isolation, snapshot, SETTINGS for `other`

    def __enter__(self) -> Tokens:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self, tables: Mapping[str, Name]) -> None:
        """Begin taking these tables' tokens, in this order, where it can be done on the side."""
        if self.worker is None and self.concurrent and tables:
            self.concurrent = self._export()
        if not self.concurrent:
            return
        for key, table in tables.items():
            if key not in self.asked:
                self.asked[key] = self.worker.submit(self._token, key, table)  # type: ignore[union-attr]
                self.tables[key] = table

    def get(self, key: str, table: Name) -> str | None:
        """The table's token (None: it has none): waited for where the worker took it up, taken by
        the capture's connection where it did not (yet); each table's once."""
        if not self.tokened:
            return None
        if key not in self.taken:
            asked = self.asked.get(key)
            if asked is not None and not asked.cancel():
                self._meanwhile(asked)
                try:
                    return asked.result()
                except sqlalchemy.exc.DBAPIError:  # the second connection failed: the capture's own takes it
                    pass
            self.taken[key] = row_tokens.tokens(self.connection, {key: table})[key]
        return self.taken[key]

    def _meanwhile(self, awaited: Future[str | None]) -> None:
        """While the worker hashes the table waited for, the capture's connection hashes the next
        ones it has not begun: the server hashes two tables at once (a capture that reads no table,
        all unchanged, waits for the slowest instead of for all)."""
        for key, table in self.tables.items():
            if awaited.done():
                return
            if key not in self.taken and self.asked[key].cancel():
                self.taken[key] = row_tokens.tokens(self.connection, {key: table})[key]

    def close(self) -> None:
        if self.worker is None:
            return
        self.worker.shutdown(wait=False, cancel_futures=True)
        if self.other is not None and any(future.running() for future in self.asked.values()):
            self.other.connection.dbapi_connection.cancel()  # type: ignore[union-attr]  # a table nobody waits for
        self.worker.shutdown(wait=True)  # the worker opened and used `other`: now it is the capture's to close
        if self.other is not None:
            self.other.close()

    def _export(self) -> bool:
        """Share the capture's snapshot (on its connection, by the capture's thread): False where
        it cannot be."""
        isolation, exported, *settings = self.connection.exec_driver_sql(_EXPORT).one()
        if exported is None:
            return False
        self.snapshot = (isolation.upper(), exported, tuple(settings))
        self.worker = background_pool(1, "migtest-tokens")
        return True

    def _token(self, key: str, table: Name) -> str | None:
        if self.other is None:
            self.other = self._open()
        return row_tokens.tokens(self.other, {key: table})[key]

    def _open(self) -> sqlalchemy.Connection:
        """A connection of its own (closed, not pooled, when done) in the capture's snapshot."""
        isolation, exported, settings = self.snapshot
        other = self.connection.engine.connect()
        other.detach()
        try:
            other.exec_driver_sql(f"SET TRANSACTION ISOLATION LEVEL {isolation} READ ONLY")
            other.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{exported}'")
            other.exec_driver_sql(_SETTINGS, settings)
        except BaseException:
            other.close()
            raise
        return other
