"""SQLite's table digests (see table_digests), from the table's pages rather than its rows.

SQLite has no hash function, and reading a table's rows through the driver costs about as much as
capturing them. But a rowid table's rows are exactly the cells of its b-tree's leaf pages: each
cell is the row's rowid and its record (every value stored with its type, so 1, 1.0, '1' and
x'01' differ), with what does not fit on the page in a chain of overflow pages. So a digest
hashes the table's `CREATE` text (column types and defaults: how the records read) and its leaf
cells in tree order, read from the database file in the time a file read takes. It leaves out
where the cells sit on their page and what the free space holds, which differ after the same rows
were written another way (a column dropped and added again, an UPDATE that moves them), so such a
table keeps its digest, and the walk its captured rows. Interior pages hold only rowids and child
page numbers: no row is there. Where the pages are byte for byte those of the last digest, that
digest is the table's again without parsing a cell.

A table whose digest changed (one the walk changes) keeps its records by rowid with the digest, so
that the next capture can tell the rows whose values the last one holds (sqlite_records); a digest
found unchanged keeps the records it has. Reading them costs a parse half as much again, so the
parse reads them where the last one found the digest unchanged: a step's table changes with its
migration, its downgrade and upgrade again bring back the same rows (on other pages), then it
changes again. Where it did not, a changed digest has the cells parsed once more for them.

The file has every committed page, and nobody writes it under us, only in a read transaction (its
shared lock keeps writers out; SQLite rolls back a hot journal before granting it) and outside WAL
mode (committed pages may still be in the -wal file). A database in WAL mode or in memory, an
SQLite built without `dbstat`, a WITHOUT ROWID table (an index b-tree, whose interior pages
hold rows too) or a virtual table (FTS5, R*Tree: its rows are in other tables, or computed, on no
page of its own) has its rows read and hashed through the driver instead.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sqlite3
import struct
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy

from migtest.capture.dialects import Name

BATCH = 5000  # rows hashed at a time: the digest's memory does not grow with the table
TABLE_LEAF = 13  # the first byte of a rowid table's leaf page
KEPT_CELLS = 100_000  # records kept in all at most: beyond, a capture reads the rows again
Cells = dict[bytes, bytes | None]  # the rowid's varint: the row's record (None: it overflows its page, not kept)


class Kept(NamedTuple):
    """What a table's last digest leaves for the next: its pages' hash, the digest of the rows they
    hold, (for a table parsed again, of at most KEPT_CELLS rows) those rows' records, and whether
    that digest was `steady`, the one the table had before."""

    pages: str
    digest: str
    cells: Cells | None = None
    steady: bool = False


Known = dict[str, Kept]  # by table key


def sqlite_digests(
    connection: sqlalchemy.Connection,
    schemas: Iterable[str | None],
    wanted: Callable[[Name], bool],
    known: Known | None = None,
) -> dict[str, str]:
    """The digest of each table of `schemas` that `wanted` keeps, by its key, in a read
    transaction the caller ends; the tables and their `CREATE` text from one query per schema.
    A table's cells are parsed only where its pages are not those `known` holds (which it updates)."""
    driver = connection.connection.driver_connection
    if not driver.in_transaction:
        driver.execute("BEGIN")  # a shared lock from the first read on, until the caller's rollback
    found: dict[str, str] = {}
    known = {} if known is None else known
    last = dict(known)
    with closing(driver.cursor()) as cursor:
        for schema in schemas:
            attached = schema or "main"
            master = f"SELECT name, sql FROM {_quoted(attached)}.sqlite_master WHERE type = 'table' ORDER BY name"
            tables = cursor.execute(master).fetchall()  # the shared lock taken: the file's header is written
            pages = _page_file(cursor, attached) if tables else None
            for name, create in tables:
                table = Name(schema, name)
                if not wanted(table):
                    continue
                digest = None if pages is None else _from_pages(cursor, pages, attached, name, create, known, table.key)
                found[table.key] = digest or _hashed(b"rows", create, _rows(cursor, attached, name))
    _bounded(known, {key for key, kept in known.items() if kept is not last.get(key)})
    return found


def _bounded(known: Known, parsed: set[str]) -> None:
    """At most KEPT_CELLS records kept in all, those of the tables just `parsed` first: a walk
    changing many tables keeps those of the last step, not every table's."""
    room = KEPT_CELLS
    for key in sorted(known, key=lambda key: key not in parsed):
        cells = known[key].cells
        if cells is not None and len(cells) > room:
            known[key] = known[key]._replace(cells=None)
        elif cells is not None:
            room -= len(cells)


def _from_pages(
    cursor: sqlite3.Cursor, pages: PageFile, schema: str, table: str, create: str, known: Known, key: str
) -> str | None:
    """The digest of the table's leaf cells, `known`'s where every page is as it was; None for a
    table whose rows are not (only) in leaf cells."""
    listed = _listed(cursor, schema, table)
    if not listed:  # a virtual table: its rows are on no page of its own
        return None
    whole = _hashed(b"pages", create, pages.placed(listed))
    if key in known and known[key].pages == whole:
        return known[key].digest
    leaves = [number for _place, number, kind, _cells in listed if kind == "leaf"]
    last = known.get(key)
    small = sum(cells for _place, _number, kind, cells in listed if kind == "leaf") <= KEPT_CELLS
    records: Cells | None = {} if last is not None and last.steady and small else None
    try:
        digest = _hashed(b"cells", create, pages.cells(leaves, records))
    except NotTableLeaf:
        return None
    if last is None or last.digest == digest:  # read once, or the same rows: the same records
        known[key] = Kept(whole, digest, records or (last.cells if last is not None else None), last is not None)
        return digest
    if records is None and small:
        records = pages.records(leaves)
    known[key] = Kept(whole, digest, records)
    return digest


def pages_token(cursor: sqlite3.Cursor, pages: PageFile, schema: str, table: str, create: str) -> str | None:
    """A hash of the table's pages as they are in the file, in tree order: equal only where every
    page is (so every row, value and type), without parsing a cell (row_tokens). None for a
    virtual table, which has no pages of its own."""
    listed = _listed(cursor, schema, table)
    return _hashed(b"pages", create, pages.placed(listed)) if listed else None


def _listed(cursor: sqlite3.Cursor, schema: str, table: str) -> list[tuple[str, int, str, int]]:
    """The table's pages in tree order: each one's place, number, kind and count of cells."""
    query = "SELECT path, pageno, pagetype, ncell FROM dbstat WHERE schema = ? AND name = ? ORDER BY path"
    return cursor.execute(query, (schema, table)).fetchall()


def _hashed(kind: bytes, create: str, chunks: Iterable[bytes]) -> str:
    """One digest of what `kind` names: the `CREATE` text, then the chunks (each self-delimiting)."""
    text = create.encode()
    digest = hashlib.sha256(b"%s %d:%s" % (kind, len(text), text))
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


class NotTableLeaf(Exception):
    """A page that is no rowid table's leaf: its cells are not the table's rows alone."""


@dataclass(frozen=True)
class PageFile:
    """A database file whose pages hold its tables as committed."""

    path: str
    size: int  # bytes per page
    usable: int  # of them, those not reserved (for extensions) at each page's end

    def _reader(self) -> tuple[int, Callable[[int], bytes]]:
        descriptor = os.open(self.path, os.O_RDONLY)
        return descriptor, lambda number: os.pread(descriptor, self.size, (number - 1) * self.size)

    def placed(self, listed: list[tuple[str, int, str, int]]) -> Iterator[bytes]:
        """Every page of a table in tree order, each with its place in the tree."""
        descriptor, read = self._reader()
        try:
            for place, number, _kind, _cells in listed:
                yield f"{place} {number}\n".encode()
                yield read(number)
        finally:
            os.close(descriptor)

    def cells(self, leaves: list[int], into: Cells | None = None) -> Iterator[bytes]:
        """The cells of the leaf pages, page by page, each cell its payload's size, the rowid and the
        payload (what overflows the page read from its chain of pages), in the page's cell order;
        each row's record put `into` by rowid, where given."""
        descriptor, read = self._reader()
        try:
            for number in leaves:
                page = read(number)
                if page[0] != TABLE_LEAF:
                    raise NotTableLeaf(number)
                yield b"".join(self._page_cells(page, read, into))
        finally:
            os.close(descriptor)

    def records(self, leaves: list[int]) -> Cells:
        """Each row's record by rowid, from the leaf pages."""
        found: Cells = {}
        for _cells in self.cells(leaves, found):  # parsed for what they put in `found`
            pass
        return found

    def _page_cells(self, page: bytes, read: Callable[[int], bytes], into: Cells | None) -> list[bytes]:
        """The page's cells in order. This runs once per row: inlined where a payload size takes a
        byte and a rowid one or two, and a list joined once rather than a cell yielded at a time."""
        cells: list[bytes] = []
        fits = self.usable - 35
        for start in struct.unpack_from(f">{int.from_bytes(page[3:5], 'big')}H", page, 8):
            size, rowid = (page[start], start + 1) if page[start] < 0x80 else _varint(page, start)
            at = rowid + 1 if page[rowid] < 0x80 else rowid + 2 if page[rowid + 1] < 0x80 else _varint_end(page, rowid)
            if into is not None:
                into[page[rowid:at]] = page[at : at + size] if size <= fits else None
            if size <= fits:
                cells.append(page[start : at + size])
                continue
            local = self._local(size)
            cells.append(page[start : at + local])
            cells += self._overflow(read, int.from_bytes(page[at + local : at + local + 4], "big"), size - local)
        return cells

    def _local(self, size: int) -> int:
        """How much of an overflowing payload stays on the leaf page (SQLite's file format, 1.6)."""
        least = (self.usable - 12) * 32 // 255 - 23
        kept = least + (size - least) % (self.usable - 4)
        return kept if kept <= self.usable - 35 else least

    def _overflow(self, read: Callable[[int], bytes], number: int, remaining: int) -> Iterator[bytes]:
        while remaining > 0 and number:
            page = read(number)
            chunk = page[4 : 4 + min(remaining, self.usable - 4)]
            yield chunk
            remaining -= len(chunk)
            number = int.from_bytes(page[:4], "big")


def _varint(page: bytes, at: int) -> tuple[int, int]:
    """SQLite's variable-length integer at `at`, and where what follows it starts."""
    value = 0
    for position in range(at, at + 8):
        byte = page[position]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, position + 1
    return (value << 8) | page[at + 8], at + 9


def _varint_end(page: bytes, at: int) -> int:
    """Where what follows the varint at `at` starts (its 9th byte, if any, is whole)."""
    for position in range(at, at + 8):
        if page[position] < 0x80:
            return position + 1
    return at + 9


@dataclass(frozen=True)
class SchemaToken:
    """The schema as its `CREATE` texts: `whole` for every table, index, view and trigger (equal
    tokens, equal schema), `tables` for each table with its indexes and triggers."""

    whole: Hashable
    tables: Mapping[str, Hashable] = field(compare=False)


def schema_token(connection: sqlalchemy.Connection) -> SchemaToken:
    """The main schema's token, from one read of `sqlite_master` (through the driver, in the
    connection's transaction): its rows themselves, which compare in less time than they hash."""
    if not connection.in_transaction():
        connection.begin()  # what the caller's rollback ends, the capture after it reads in
    query = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    rows = tuple(connection.connection.driver_connection.execute(query).fetchall())
    entries: dict[str, list[tuple[str, str, str | None]]] = {}
    for kind, name, table, create in rows:
        entries.setdefault(table, []).append((kind, name, create))
    return SchemaToken(rows, {table: tuple(listed) for table, listed in entries.items()})


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _page_file(cursor: sqlite3.Cursor, schema: str) -> PageFile | None:
    """The file whose pages hold the schema's tables as committed, or None where they may not."""
    if cursor.execute(f"PRAGMA {_quoted(schema)}.journal_mode").fetchone()[0].lower() == "wal":
        return None
    try:
        cursor.execute("SELECT 1 FROM dbstat LIMIT 0")
    except sqlite3.OperationalError:  # built without SQLITE_ENABLE_DBSTAT_VTAB
        return None
    files = {name: path for _number, name, path in cursor.execute("PRAGMA database_list")}
    path = files.get(schema)
    if not path:  # '' for a database in memory
        return None
    size = cursor.execute(f"PRAGMA {_quoted(schema)}.page_size").fetchone()[0]
    with open(path, "rb") as file:
        reserved = file.read(100)[20]  # the file header's bytes reserved per page
    return PageFile(path, size, size - reserved)


def _rows(cursor: sqlite3.Cursor, schema: str, table: str) -> Iterator[bytes]:
    """The table's rows as the driver returns them, without conversion, marshalled (format 2
    writes each value with its type and shares nothing: equal rows, equal bytes; repr costs more)."""
    cursor.execute(f"SELECT * FROM {_quoted(schema)}.{_quoted(table)}")
    while batch := cursor.fetchmany(BATCH):
        yield marshal.dumps(batch, 2)
