"""A digest of each table's columns and rows, cheap next to a capture, so that the step walk reads
again only the tables whose digest changed since its last capture.

Reusing a table's captured rows on an equal digest is only sound if equal digests mean equal rows,
so a digest covers every stored value exactly and never stands for a count or a sample: an UPDATE
that keeps the count changes it, whatever ran the UPDATE (the migration, a trigger, a cascade).
- PostgreSQL (11 and later) computes it on the server, so that no row crosses the wire: the count,
  and two sums of 64-bit hashes of each row's text (`t::text`, every column as its type outputs it,
  floats with all their digits), with the columns' names and types.
- SQLite: a hash of the table's `CREATE` text and of its rows as the driver returns them (an int,
  a float, a str, bytes or None, whose repr keeps 1, 1.0 and '1' apart), read without normalizing.
- Other engines have none (`None`): the walk reads every table every time there.
A digest that changes while the rows did not (rows read in another order) only costs a read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import sqlalchemy

from migtest.dialects import Name
from migtest.sqltext import as_written

BATCH = 5000  # rows hashed at a time: the digest's memory does not grow with the table

_POSTGRES = """SELECT
  (SELECT string_agg(quote_ident(attname) || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
     FROM pg_attribute WHERE attrelid = '{literal}'::regclass AND attnum > 0 AND NOT attisdropped),
  count(*), sum(hashtextextended(t::text, 0)), sum(hashtextextended(t::text, 1))
FROM {source} AS t"""


def table_digests(connection: sqlalchemy.Connection, tables: Iterable[Name]) -> dict[str, str] | None:
    """Each table's digest by its key, read in the connection's transaction (which the caller
    ends); None where the engine has no digest."""
    engine = connection.dialect.name
    if engine == "sqlite":
        return {table.key: _sqlite(connection, table) for table in tables}
    if engine == "postgresql" and connection.dialect.server_version_info >= (11,):
        setting = "SELECT current_setting('extra_float_digits'), set_config('extra_float_digits', %s, true)"
        before, _ = connection.exec_driver_sql(setting, ("3",)).one()  # every digit, whatever it was
        found = {table.key: _postgres(connection, table) for table in tables}
        connection.exec_driver_sql(setting, (before,))  # the capture after it reads floats as it was
        return found
    return None


def schema_token(connection: sqlalchemy.Connection) -> str | None:
    """Equal tokens mean an equal schema, so that its reflection can be reused: SQLite keeps every
    table, index, view and trigger as its `CREATE` text. None where there is no such token."""
    if connection.dialect.name != "sqlite":
        return None
    rows = connection.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
    return hashlib.sha256(repr(rows.all()).encode()).hexdigest()


def _source(connection: sqlalchemy.Connection, table: Name) -> str:
    preparer = connection.dialect.identifier_preparer
    quoted = preparer.quote(table.name)
    return quoted if table.schema is None else f"{preparer.quote_schema(table.schema)}.{quoted}"


def _postgres(connection: sqlalchemy.Connection, table: Name) -> str:
    source = _source(connection, table)
    query = _POSTGRES.format(literal=source.replace("'", "''"), source=source)
    row = connection.exec_driver_sql(as_written(connection, query)).one()
    return repr(tuple(row))


def _sqlite(connection: sqlalchemy.Connection, table: Name) -> str:
    master = _source(connection, Name(table.schema, "sqlite_master"))
    digest = hashlib.sha256()
    cursor = connection.connection.cursor()  # the driver's own rows: no conversion on the way
    try:
        cursor.execute(f"SELECT sql FROM {master} WHERE type = 'table' AND name = ?", (table.name,))
        digest.update(repr(cursor.fetchall()).encode())
        cursor.execute(f"SELECT * FROM {_source(connection, table)}")
        while batch := cursor.fetchmany(BATCH):
            digest.update(repr(batch).encode())
    finally:
        cursor.close()
    return digest.hexdigest()
