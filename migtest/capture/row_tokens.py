"""A token of a table's rows as a capture reads them, cheap next to reading them: a later capture
finding a table's token equal to that of an earlier capture takes the earlier capture's rows
instead of reading and storing them again (running an upgrade again, which changes nothing).

So equal tokens must mean identical rows, every value of the same type (1, 1.0 and True apart),
never a count or a sample; a token that changes while the rows did not only costs a read. Tokens
and rows are read in one snapshot (`snapshot`), so that a token is that of the rows read:
- SQLite: the table's `CREATE` text and its pages, read from the database file in tree order (see
  sqlite_digests): equal pages hold equal values of equal types in the same order. The capture's
  read transaction holds a shared lock, so nobody commits under it. Not in WAL mode or in memory.
- PostgreSQL: the digest of table_digests (two sums of 64-bit hashes of every row's text, all
  float digits, with the columns' names and types), in a REPEATABLE READ transaction begun for
  the capture, taken by a second connection in that snapshot while the rows are read (token_reader).
Elsewhere (MySQL, MariaDB, a connection in autocommit or one that wrote) there is no token: rows are read every time.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import closing

import sqlalchemy

from migtest.capture.dialects import Name
from migtest.capture.sqlite_digests import _page_file, _quoted, pages_token
from migtest.capture.table_digests import table_digests

SNAPSHOTS = ("repeatable read", "serializable")


def snapshot(connection: sqlalchemy.Connection) -> bool:
    """Make the connection's transaction a snapshot for the rows and tokens read next (ended by
    the caller, as any capture's); False where tokens cannot be taken."""
    engine = connection.dialect.name
    if engine == "sqlite":
        driver = connection.connection.driver_connection
        if driver.total_changes:  # it wrote: the file may not hold what it reads
            return False
        if not driver.in_transaction:
            driver.execute("BEGIN")  # a shared lock from the first read on, until the caller's rollback
        return True
    if engine != "postgresql" or connection.dialect.server_version_info < (11,):
        return False
    if connection.connection.dbapi_connection.autocommit:  # each statement its own snapshot
        return False
    state = "SELECT current_setting('transaction_isolation'), txid_current_if_assigned() IS NOT NULL"
    isolation, wrote = connection.exec_driver_sql(state).one()
    if isolation in SNAPSHOTS:
        return True
    if wrote:  # the caller's own transaction, not the capture's to end
        return False
    connection.commit()  # nothing written: it has only read so far
    connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    return True


def tokens(connection: sqlalchemy.Connection, tables: Mapping[str, Name]) -> dict[str, str | None]:
    """The token of each table, by its capture key; None for a table that has none."""
    if not tables:
        return {}
    if connection.dialect.name == "sqlite":
        return _sqlite(connection, tables)
    return _postgres(connection, tables)


def _postgres(connection: sqlalchemy.Connection, tables: Mapping[str, Name]) -> dict[str, str | None]:
    """The step walk's digests (table_digests), named as it names tables: the default schema None."""
    default = connection.dialect.default_schema_name
    listed = {key: Name(None if t.schema in (None, default) else t.schema, t.name) for key, t in tables.items()}
    names = {name.key for name in listed.values()}
    found = table_digests(connection, {name.schema for name in listed.values()}, lambda name: name.key in names)
    return {key: (found or {}).get(name.key) for key, name in listed.items()}


def _sqlite(connection: sqlalchemy.Connection, tables: Mapping[str, Name]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    with closing(connection.connection.driver_connection.cursor()) as cursor:
        for key, table in tables.items():
            attached = table.schema or "main"
            pages = _page_file(cursor, attached)
            master = f"SELECT sql FROM {_quoted(attached)}.sqlite_master WHERE type = 'table' AND name = ?"
            create = cursor.execute(master, (table.name,)).fetchone()
            found[key] = (
                None if pages is None or create is None else pages_token(cursor, pages, attached, table.name, create[0])
            )
    return found
