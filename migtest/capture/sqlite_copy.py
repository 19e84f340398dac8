"""A captured SQLite database's rows copied to the store in C (see row_store), not read through Python.

Reading a row through the driver into Python and writing it to the store costs several times
reading it. A table that goes to disk anyway need not pass through Python: the store attaches the
captured database file read-only and copies the table with one `INSERT ... SELECT`, each value
written in SQL as `extend` would store the value a capture reads through the driver
(`_stored_sql`): INTEGER, TEXT, NULL and REAL values as they are, a BOOLEAN column's 0 and 1 as
the pickles of False and True, and the rarer values Python must convert (a BLOB, read as base64
text; a REAL that an INTEGER equals, such as 1.0 or -0.0, which the store pickles) through a
function of the store's connection. So a table copied compares with one read through Python value
for value, and its evidence is the same.

The copy reads the file in the snapshot the capture's connection reads: its read transaction
(row_tokens.snapshot) holds a shared lock on the file from the row count read here through it, so
nobody commits between the copy, the table's token and the other tables. Where that cannot hold,
the rows go through Python: a database in memory (no file to attach), in WAL mode (writers commit
under a reader), a capture without its snapshot (a connection that wrote), a column whose
converter SQL does not reproduce, a key column holding NULL (SQLite lets rows share such a key,
which a capture in memory keeps one row of, as a dict does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import sqlalchemy

from migtest.capture.dialects import Convert, Name, Then, boolean, normalize_value
from migtest.capture.row_store import stored
from migtest.capture.sqlite_digests import _quoted

STORED = "migtest_stored"  # the store's SQL function for the values Python converts
FUNCTIONS: Mapping[str, Callable[[Any], Any]] = {STORED: lambda value: stored(normalize_value(value))}


@dataclass(frozen=True)
class Source:
    """A table to copy: its database file, the SELECT of its values as stored, whether a key column
    may hold a value the store pickles (see `_pickles_keys`)."""

    database: str
    select: str
    pickled_keys: bool


def source(
    connection: sqlalchemy.Connection,
    table: Name,
    converters: Mapping[str, Convert],
    key: Sequence[str],
    room: int | None = None,
) -> Source | None:
    """The table as the store copies it, or None where its rows must be read through Python: also
    where they fit in the `room` left in memory (None: bound for disk in any case), found by the row
    count before anything else is read, since most tables do. Called inside the capture's snapshot,
    which the row count it reads extends to the table's file."""
    columns = [_stored_sql(_quoted(column), convert) for column, convert in converters.items()]
    if not columns or None in columns:
        return None
    schema = table.schema or "main"
    name = f"{_quoted(schema)}.{_quoted(table.name)}"
    null_key = " OR ".join(f"{_quoted(column)} IS NULL" for column in key) or "0"
    with closing(connection.connection.driver_connection.cursor()) as cursor:
        (count,) = cursor.execute(f"SELECT count(*) FROM {name}").fetchone()
        if room is not None and count <= room:
            return None
        (shared,) = cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {name} WHERE {null_key})").fetchone()
        files = {attached: path for _number, attached, path in cursor.execute("PRAGMA database_list")}
        journal = cursor.execute(f"PRAGMA {_quoted(schema)}.journal_mode").fetchone()[0]
        declared = dict(cursor.execute("SELECT name, type FROM pragma_table_xinfo(?, ?)", (table.name, schema)))
    if shared or not files.get(schema) or journal.lower() == "wal":
        return None
    select = f"SELECT {', '.join(columns)} FROM source.{_quoted(table.name)}"
    pickled = any(_pickles_keys(declared.get(column, ""), converters[column]) for column in key)
    return Source(files[schema], select, pickled)  # type: ignore[arg-type]


def _pickles_keys(declared: str, convert: Convert) -> bool:
    """Whether a key column of this declared type may hold what the store pickles: a BOOLEAN's 0 or
    1, or a REAL an INTEGER equals (1.0), which a column of INTEGER or NUMERIC affinity stores as
    an INTEGER and one of TEXT affinity as text (SQLite's rules of affinity, by the type's name;
    STRICT's ANY keeps any value)."""
    if convert is not normalize_value:
        return True
    kind = declared.upper()
    if "INT" in kind or any(word in kind for word in ("CHAR", "CLOB", "TEXT")):
        return False
    return kind in ("", "ANY") or any(word in kind for word in ("BLOB", "REAL", "FLOA", "DOUB"))


def _stored_sql(column: str, convert: Convert) -> str | None:
    """The SQL of a column's value as the store holds what `convert` makes of it (None: no such SQL):
    one `typeof` a value, the cost of a copy (a comparison of SQL's own costs less than a call)."""
    python = f"{STORED}({column})"
    whole = f"WHEN {column} = CAST({column} AS INTEGER) THEN {python}"  # a REAL an INTEGER equals (exactly)
    if convert is normalize_value:
        kinds = f"WHEN 'real' THEN (CASE {whole} ELSE {column} END)"
    elif isinstance(convert, Then) and convert.convert is boolean:  # 0 and 1 (0.0, -0.0, 1.0 too): False, True
        false, true = f"X'{stored(False).hex()}'", f"X'{stored(True).hex()}'"
        kinds = f"WHEN 'integer' THEN (CASE {column} WHEN 0 THEN {false} WHEN 1 THEN {true} ELSE {column} END) "
        flags = f"WHEN {column} = 0 THEN {false} WHEN {column} = 1 THEN {true}"
        kinds += f"WHEN 'real' THEN (CASE {flags} {whole} ELSE {column} END)"
    else:
        return None
    return f"CASE typeof({column}) {kinds} WHEN 'blob' THEN {python} ELSE {column} END"
