"""SQLite's table digests (see table_digests), without decoding a row where it can be helped.

SQLite has no hash function, and reading every row to hash it costs as much as capturing it. But
a table's rows are exactly what the pages of its b-tree hold (interior, leaf and overflow pages,
each value stored with its type): equal page bytes, read in the same tree order, are equal rows.
So the digest hashes the table's `CREATE` text and its pages, listed by the `dbstat` table and
read from the database file, in the time a file read takes instead of a row-by-row fetch.

That holds only while the file has every committed page and nobody writes it under us: a read
transaction is opened first (its shared lock keeps writers out; SQLite rolls back a hot journal
before granting it), and a database in WAL mode (committed pages may still be in the -wal file),
in memory, or a build without `dbstat` hashes its rows as the driver returns them instead (an
int, a float, a str, bytes or None, whose repr keeps 1, 1.0 and '1' apart).
A page changed while its rows did not (a VACUUM, rows moved) only costs a read.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing

import sqlalchemy

from migtest.dialects import Name

BATCH = 5000  # rows hashed at a time where rows are hashed: the digest's memory does not grow with the table


def sqlite_digests(
    connection: sqlalchemy.Connection, schemas: Iterable[str | None], wanted: Callable[[Name], bool]
) -> dict[str, str]:
    """The digest of each table of `schemas` that `wanted` keeps, by its key, in a read
    transaction the caller ends; the tables and their `CREATE` text from one query per schema."""
    driver = connection.connection.driver_connection
    if not driver.in_transaction:
        driver.execute("BEGIN")  # a shared lock from the first read on, until the caller's rollback
    found = {}
    with closing(driver.cursor()) as cursor:
        for schema in schemas:
            attached = schema or "main"
            path = _page_file(cursor, attached)
            master = f"SELECT name, sql FROM {_quoted(attached)}.sqlite_master WHERE type = 'table' ORDER BY name"
            for name, create in cursor.execute(master).fetchall():
                if not wanted(Name(schema, name)):
                    continue
                digest = hashlib.sha256(create.encode())
                chunks = _rows(cursor, attached, name) if path is None else _pages(cursor, attached, name, path)
                for chunk in chunks:
                    digest.update(chunk)
                found[Name(schema, name).key] = f"{'rows' if path is None else 'pages'}:{digest.hexdigest()}"
    return found


def schema_token(connection: sqlalchemy.Connection) -> str:
    """Every table, index, view and trigger as its `CREATE` text: equal tokens, equal schema."""
    rows = connection.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
    return hashlib.sha256(repr(rows.all()).encode()).hexdigest()


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
