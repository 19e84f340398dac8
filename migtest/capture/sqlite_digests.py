"""SQLite's table digests (see table_digests), reading a table's rows only where it may have changed.

SQLite has no hash function, so a digest hashes the table's `CREATE` text and its rows as the
driver returns them (an int, a float, a str, bytes or None, whose repr keeps 1, 1.0 and '1'
apart); that read costs about as much as capturing the rows. But a table's rows are exactly what
the pages of its b-tree hold (interior, leaf and overflow pages, each value stored with its type):
equal page bytes, read in the same tree order, are equal rows. So the pages, listed by the
`dbstat` table and read from the database file, are hashed first, in the time a file read takes:
where they are the pages whose rows were hashed last time, that digest is the table's again. Only
where they differ are the rows read; a table rewritten with the same rows (a column dropped and
added again) then keeps its digest, and the walk its captured rows.

The file has every committed page, and nobody writes it under us, only in a read transaction (its
shared lock keeps writers out; SQLite rolls back a hot journal before granting it) and outside WAL
mode (committed pages may still be in the -wal file). A database in WAL mode or in memory, or an
SQLite built without `dbstat`, has its rows hashed every time.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field

import sqlalchemy

from migtest.capture.dialects import Name

BATCH = 5000  # rows hashed at a time: the digest's memory does not grow with the table


Known = dict[str, tuple[str, str]]  # a table's key: its pages' hash, and the digest of the rows they hold


def sqlite_digests(
    connection: sqlalchemy.Connection,
    schemas: Iterable[str | None],
    wanted: Callable[[Name], bool],
    known: Known | None = None,
) -> dict[str, str]:
    """The digest of each table of `schemas` that `wanted` keeps, by its key, in a read
    transaction the caller ends; the tables and their `CREATE` text from one query per schema.
    A table's rows are hashed only where its pages are not those `known` holds (which it updates)."""
    driver = connection.connection.driver_connection
    if not driver.in_transaction:
        driver.execute("BEGIN")  # a shared lock from the first read on, until the caller's rollback
    found: dict[str, str] = {}
    known = {} if known is None else known
    with closing(driver.cursor()) as cursor:
        for schema in schemas:
            attached = schema or "main"
            path = _page_file(cursor, attached)
            master = f"SELECT name, sql FROM {_quoted(attached)}.sqlite_master WHERE type = 'table' ORDER BY name"
            for name, create in cursor.execute(master).fetchall():
                table = Name(schema, name)
                if not wanted(table):
                    continue
                pages = None if path is None else _hashed(create, _pages(cursor, attached, name, path))
                if pages is not None and known.get(table.key, ("",))[0] == pages:
                    found[table.key] = known[table.key][1]
                    continue
                found[table.key] = _hashed(create, _rows(cursor, attached, name))
                if pages is not None:
                    known[table.key] = (pages, found[table.key])
    return found


def _hashed(create: str, chunks: Iterator[bytes]) -> str:
    digest = hashlib.sha256(create.encode())
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class SchemaToken:
    """The schema as its `CREATE` texts: `whole` for every table, index, view and trigger (equal
    tokens, equal schema), `tables` for each table with its indexes and triggers."""

    whole: str
    tables: dict[str, str] = field(compare=False)


def schema_token(connection: sqlalchemy.Connection) -> SchemaToken:
    """The main schema's token, from one read of `sqlite_master`."""
    rows = connection.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").all()
    entries: dict[str, list[tuple[str, str, str | None]]] = {}
    for kind, name, table, create in rows:
        entries.setdefault(table, []).append((kind, name, create))
    tables = {table: hashlib.sha256(repr(listed).encode()).hexdigest() for table, listed in entries.items()}
    return SchemaToken(hashlib.sha256(repr(rows).encode()).hexdigest(), tables)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _page_file(cursor: sqlite3.Cursor, schema: str) -> str | None:
    """The file whose pages hold the schema's tables as committed, or None where they may not."""
    if cursor.execute(f"PRAGMA {_quoted(schema)}.journal_mode").fetchone()[0].lower() == "wal":
        return None
    try:
        cursor.execute("SELECT 1 FROM dbstat LIMIT 0")
    except sqlite3.OperationalError:  # built without SQLITE_ENABLE_DBSTAT_VTAB
        return None
    files = {name: path for _number, name, path in cursor.execute("PRAGMA database_list")}
    return files.get(schema) or None  # '' for a database in memory


def _pages(cursor: sqlite3.Cursor, schema: str, table: str, path: str) -> Iterator[bytes]:
    """The table's pages in tree order, each with its place in the tree."""
    size = cursor.execute(f"PRAGMA {_quoted(schema)}.page_size").fetchone()[0]
    query = "SELECT path, pageno FROM dbstat WHERE schema = ? AND name = ? ORDER BY path"
    pages = cursor.execute(query, (schema, table)).fetchall()
    descriptor = os.open(path, os.O_RDONLY)
    try:
        for place, number in pages:
            yield f"{place} {number}\n".encode()
            yield os.pread(descriptor, size, (number - 1) * size)
    finally:
        os.close(descriptor)


def _rows(cursor: sqlite3.Cursor, schema: str, table: str) -> Iterator[bytes]:
    """The table's rows as the driver returns them, without conversion."""
    cursor.execute(f"SELECT * FROM {_quoted(schema)}.{_quoted(table)}")
    while batch := cursor.fetchmany(BATCH):
        yield repr(batch).encode()
