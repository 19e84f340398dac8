"""A digest of each table's columns and rows, cheap next to a capture, so that the step walk reads
again only the tables whose digest changed since its last capture.

Reusing a table's captured rows on an equal digest is only sound if equal digests mean equal rows,
so a digest covers every stored value exactly and never stands for a count or a sample: an UPDATE
that keeps the count changes it, whatever ran the UPDATE (the migration, a trigger, a cascade).
- PostgreSQL (11 and later) computes it on the server, so that no row crosses the wire: the count,
  and two sums of 64-bit hashes of each row's text (`t::text`, every column as its type outputs it,
  floats with all their digits), with the columns' names and types.
- MariaDB and MySQL compute it on the server too: the count, and the sums of the two 64-bit halves
  of each row's MD5, with the columns' names and types. A row's text is each value as the server
  sends it to the driver, cast to bytes (no collation to mix), quoted by `QUOTE` (its quotes and
  backslashes escaped, so one value's text never runs into the next), NULL as the unquoted word.
  That costs the server two thirds of a length prefix's time. Sums, not XOR: duplicate rows of a
  key-less table do not cancel out.
- SQLite: the table's rows, read again only where its pages changed (sqlite_digests).
A digest that changes while the rows did not (rows read in another order) only costs a read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy

from migtest.capture.catalogue_tokens import catalogue_token
from migtest.capture.dialects import Name
from migtest.capture.sqlite_digests import Known, SchemaToken, sqlite_digests
from migtest.capture.sqlite_digests import schema_token as sqlite_schema_token

_POSTGRES_TABLES = """SELECT n.nspname, c.relname,
  (SELECT string_agg(quote_ident(attname) || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
     FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%s) ORDER BY n.nspname, c.relname"""
# Each row's text made once for both hashes: OFFSET 0 keeps the planner from making it twice.
_POSTGRES = """SELECT count(*), sum(hashtextextended(r, 0)), sum(hashtextextended(r, 1))
FROM (SELECT t::text AS r FROM {source} AS t OFFSET 0) AS rows"""

_MYSQL_COLUMNS = """SELECT IF(c.TABLE_SCHEMA = DATABASE(), NULL, c.TABLE_SCHEMA), c.TABLE_NAME,
  c.COLUMN_NAME, c.COLUMN_TYPE
FROM information_schema.COLUMNS c JOIN information_schema.TABLES t USING (TABLE_SCHEMA, TABLE_NAME)
WHERE t.TABLE_TYPE = 'BASE TABLE' AND (c.TABLE_SCHEMA = DATABASE() OR c.TABLE_SCHEMA IN %s)
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION"""
_MYSQL_VALUE = "QUOTE(CAST({column} AS BINARY))"
_MYSQL = """SELECT count(*), count(h),
  sum(CAST(CONV(LEFT(h, 16), 16, 10) AS UNSIGNED)), sum(CAST(CONV(RIGHT(h, 16), 16, 10) AS UNSIGNED))
FROM (SELECT MD5(CONCAT({values})) AS h FROM {source}) AS t"""

Wanted = Callable[[Name], bool]
TOGETHER = 100  # tables digested by one statement


def table_digests(
    connection: sqlalchemy.Connection, schemas: Iterable[str | None], wanted: Wanted, known: Known | None = None
) -> dict[str, str | None] | None:
    """The digest of each table of `schemas` (None: the default one) that `wanted` keeps, by its
    key, read in the connection's transaction (which the caller ends). The tables are listed by a
    catalogue query the digests need anyway, not by one more. None where the engine has no digest,
    a table's None where that table has none. `known`: what SQLite's digests kept from the last
    time, to spare reading rows again (sqlite_digests)."""
    engine = connection.dialect.name
    if engine == "sqlite":
        return sqlite_digests(connection, schemas, wanted, known)
    if engine in ("mysql", "mariadb"):
        return _mysql(connection, set(schemas), wanted)
    if engine == "postgresql" and connection.dialect.server_version_info >= (11,):
        setting = "SELECT current_setting('extra_float_digits'), set_config('extra_float_digits', %s, true)"
        before, _ = connection.exec_driver_sql(setting, ("3",)).one()  # every digit, whatever it was
        found = _postgres(connection, set(schemas), wanted)
        connection.exec_driver_sql(setting, (before,))  # the capture after it reads floats as it was
        return found
    return None


def schema_token(connection: sqlalchemy.Connection, schemas: Iterable[str | None]) -> SchemaToken | None:
    """Equal tokens mean an equal schema, so that its reflection can be reused, and a table's equal
    token its own reflection: SQLite keeps every table, index, view and trigger as its `CREATE`
    text (of the main schema), the servers' catalogues are read for `schemas` (see catalogue_tokens).
    None where there is no such token."""
    if connection.dialect.name == "sqlite":
        return sqlite_schema_token(connection)
    return catalogue_token(connection, schemas)


def _source(connection: sqlalchemy.Connection, table: Name) -> str:
    preparer = connection.dialect.identifier_preparer
    quoted = preparer.quote(table.name)
    return quoted if table.schema is None else f"{preparer.quote_schema(table.schema)}.{quoted}"


def _postgres(connection: sqlalchemy.Connection, schemas: set[str | None], wanted: Wanted) -> dict[str, str | None]:
    """One catalogue query lists the tables with their columns' names and types, then one query
    digests them all."""
    default = connection.dialect.default_schema_name
    names = [default if schema is None else schema for schema in schemas]
    tables = {}
    for schema, name, columns in connection.exec_driver_sql(_POSTGRES_TABLES, (names,)).all():
        table = Name(None if schema == default else schema, name)
        if wanted(table):
            tables[table.key] = (columns, _POSTGRES.format(source=_source(connection, table)))
    return {key: repr((columns, *sums)) for key, (columns, sums) in _digested(connection, tables).items()}


def _mysql(connection: sqlalchemy.Connection, schemas: set[str | None], wanted: Wanted) -> dict[str, str | None]:
    """One catalogue query lists the tables with their columns' names and types, then one query
    digests them all."""
    columns: dict[Name, list[tuple[str, str]]] = {}
    listed = connection.exec_driver_sql(_MYSQL_COLUMNS, (tuple(schemas - {None}) or ("",),))
    for schema, name, column, kind in listed:
        columns.setdefault(Name(schema, name), []).append((column, kind))
    preparer = connection.dialect.identifier_preparer
    tables = {}
    for table, described in columns.items():
        if wanted(table):
            values = ", ".join(_MYSQL_VALUE.format(column=preparer.quote(column)) for column, _kind in described)
            tables[table.key] = (described, _MYSQL.format(values=values, source=_source(connection, table)))
    found: dict[str, str | None] = {}
    for key, (described, (count, hashed, *sums)) in _digested(connection, tables).items():
        # a row longer than max_allowed_packet has no MD5 (NULL, left out of the sums): no digest
        found[key] = repr((described, count, *sums)) if hashed == count else None
    return found


def _digested(
    connection: sqlalchemy.Connection, tables: dict[str, tuple[Any, str]]
) -> dict[str, tuple[Any, tuple[Any, ...]]]:
    """Each table's digest query, run together with the others' (UNION ALL, a round trip and a
    statement for up to TOGETHER tables instead of one per table): by key, what came with the
    query, and the query's row."""
    found = {}
    keys = list(tables)
    for start in range(0, len(keys), TOGETHER):
        part = keys[start : start + TOGETHER]
        selects = (f"SELECT {number}, d.* FROM ({tables[key][1]}) AS d" for number, key in enumerate(part))
        query = " UNION ALL ".join(selects)
        for number, *row in connection.exec_driver_sql(query).all():  # names quoted, `%` doubled
            found[part[number]] = (tables[part[number]][0], tuple(row))
    return found
