"""A SQLite table copied to the store in C (migtest/capture/sqlite_copy.py) holds exactly what
reading it through Python stores, value for value and type for type; where the copy could not be
exact or consistent (WAL, a database in memory, a connection that wrote, a file SQLite will not
attach), the rows are read through Python, with the same result."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy

from migtest.capture import row_store, sqlite_copy
from migtest.capture.dialects import Name, dialect_for, normalize_value
from migtest.capture.row_store import SPILL_ENV
from migtest.capture.state import State, TableData, capture, differing, identical

NAME = '"we%ird ""t"" %s"'  # a table named with % and quotes
COLUMNS = '"odd ""q"" col", b BOOLEAN, r REAL, n NUMERIC(10, 2), ts TIMESTAMP, x'
KEYS = {  # the key column, the table's options, the key of row i, whether the table is copied in C
    "rowid": ("id INTEGER PRIMARY KEY", "", lambda i: i, True),
    "text key": ("id TEXT PRIMARY KEY", "", lambda i: f"k{i}", True),
    # rows sharing the key NULL: a capture in memory keeps one (a dict), a copy would keep all
    "text key with NULLs": ("id TEXT PRIMARY KEY", "", lambda i: None if i % 5 == 0 else f"k{i}", False),
    "without rowid": ("id TEXT PRIMARY KEY", " WITHOUT ROWID", lambda i: f"k{i}", True),
    "no key": ("id", "", lambda i: i % 3, True),
}
ODD = [
    1, -(2**63), 2**63 - 1, 1.0, 0.0, -0.0, 2.0, -3.0, 1.5, 1e308, 2.0**63, -(2.0**63), float("inf"), 5e-324,
    "", "é\x00x", "1", b"", b"\x80\x05\x95", None, True, 2, "yes",
]  # fmt: skip


def fill(path: Path, kind: str, encoding: str = "UTF-8") -> None:
    key, options, key_of, _ = KEYS[kind]
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA encoding = '{encoding}'")
        db.execute(f"CREATE TABLE {NAME} ({key}, {COLUMNS}){options}")
        rows = [(key_of(i), *(ODD[(i + shift) % len(ODD)] for shift in range(6))) for i in range(len(ODD) * 3)]
        db.executemany(f"INSERT INTO {NAME} VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    db.close()


@pytest.fixture
def copies(monkeypatch) -> Iterator[list[bool]]:
    """Every table on disk; what each copy in C gave (True: copied)."""
    monkeypatch.setenv(SPILL_ENV, "0")
    made: list[bool] = []
    copy = TableData.copy
    monkeypatch.setattr(TableData, "copy", lambda data, source: made.append(copy(data, source)) or made[-1])
    yield made


def captured(url: str, **options) -> TableData:
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.StaticPool)
    try:
        with engine.connect() as connection:
            state: State = capture(connection, None, set(), **options)
            connection.rollback()
    finally:
        engine.dispose()
    return state.data['we%ird "t" %s']


def read_through_python(url: str, monkeypatch: pytest.MonkeyPatch, **options) -> TableData:
    with monkeypatch.context() as patched:
        patched.setattr(sqlite_copy, "source", lambda *args: None)
        return captured(url, **options)


def stored(table: TableData) -> list[tuple]:
    """The rows as the store holds them, each value with its SQLite type."""
    held = table.rows if table.primary_key else table.unkeyed
    columns = ", ".join(f"{c}, typeof({c})" for c in held.columns.split(", "))
    return list(held.store.select(columns, held.sql_table()))  # written from its blocks if read through Python


@pytest.mark.parametrize("kind", KEYS)
def test_a_table_copied_in_c_is_stored_as_read_through_python(kind, tmp_path, copies, monkeypatch):
    fill(tmp_path / "db.sqlite", kind)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    copied, read = captured(url), read_through_python(url, monkeypatch)
    assert copies == ([True] if KEYS[kind][3] else []) and copied.spilled and read.spilled
    assert repr(list(copied.values())) == repr(list(read.values())) and copied.count == read.count
    assert stored(copied) == stored(read)
    if copied.primary_key and KEYS[kind][3]:  # (NULL keys pair with nothing on disk, as before)
        assert copied.same_keys(read) and not list(differing(copied, read, copied.columns, read.columns, identical))


def test_a_database_in_wal_mode_is_read_through_python(tmp_path, copies, monkeypatch):
    fill(tmp_path / "db.sqlite", "rowid")
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        db.execute("PRAGMA journal_mode = WAL")
    db.close()
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    table = captured(url)
    assert copies == [] and table.spilled  # writers commit under a WAL reader: no snapshot to copy from
    assert repr(list(table.values())) == repr(list(read_through_python(url, monkeypatch).values()))


def test_a_database_in_memory_is_read_through_python(copies):
    engine = sqlalchemy.create_engine("sqlite://", poolclass=sqlalchemy.StaticPool)
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, r)")
        connection.exec_driver_sql("INSERT INTO t VALUES (1, 1.0), (2, -0.0)")
        connection.commit()
        table = capture(connection, None, set()).data["t"]
    engine.dispose()
    assert copies == [] and table.spilled and repr(list(table.values())) == "[(1, 1.0), (2, -0.0)]"


def test_a_file_sqlite_will_not_attach_is_read_through_python(tmp_path, copies, monkeypatch):
    fill(tmp_path / "db.sqlite", "rowid", encoding="UTF-16le")  # the store is UTF-8: ATTACH refuses it
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    table = captured(url)
    assert copies == [False] and table.count == len(ODD) * 3  # the copy failed, nothing half-copied
    assert stored(table) == stored(read_through_python(url, monkeypatch))


def test_a_table_of_an_attached_database_is_copied_from_its_file(tmp_path, copies, monkeypatch):
    other = tmp_path / "o%25t?h#er.sqlite"  # attached by a URI: its name escaped
    fill(other, "rowid")
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'main.sqlite'}", poolclass=sqlalchemy.NullPool)

    @sqlalchemy.event.listens_for(engine, "connect")
    def attach(driver, _record):
        driver.execute("ATTACH DATABASE ? AS other", (str(other),))

    def captured_other() -> TableData:
        with engine.connect() as connection:
            table = capture(connection, None, set(), schemas=["other"]).data['other.we%ird "t" %s']
            connection.rollback()
        return table

    copied = captured_other()
    with monkeypatch.context() as patched:
        patched.setattr(sqlite_copy, "source", lambda *args: None)
        read = captured_other()
    engine.dispose()
    assert copies == [True] and stored(copied) == stored(read)


def test_a_copy_while_the_store_is_read_succeeds_and_leaves_no_lock_on_the_database(tmp_path, copies, monkeypatch):
    monkeypatch.setattr(row_store, "FETCH", 10)  # rows read from the store at a time: a read is under way
    fill(tmp_path / "db.sqlite", "rowid")
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    first = captured(url)
    reading = first.values()
    next(reading)  # a check reading the store, as another scenario's thread may be
    second = captured(url)
    assert copies == [True, True] and second.count == first.count
    with sqlite3.connect(tmp_path / "db.sqlite", timeout=0) as writer:  # no wait: the copy holds no lock now
        writer.execute(f"DELETE FROM {NAME}")
    writer.close()
    assert sum(1 for _ in reading) == first.count - 1


KEY_TYPES = {"INTEGER": False, "BIGINT": False, "VARCHAR(20)": False, "NUMERIC(10, 2)": False, "": True}
KEY_TYPES |= {"REAL": True, "DOUBLE PRECISION": True, "BLOB": True, "BOOLEAN": True}  # whether keys may be pickled


@pytest.mark.parametrize(("declared", "pickled"), KEY_TYPES.items())
def test_a_key_pairs_by_dict_forms_where_its_type_lets_it_hold_a_real_an_integer_equals(declared, pickled, tmp_path):
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        db.execute(f"CREATE TABLE t (id {declared} PRIMARY KEY, v)")
        db.execute("INSERT INTO t VALUES (1.0, 'one')")  # 1 where the type's affinity makes it an INTEGER
    db.close()
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}", poolclass=sqlalchemy.NullPool)
    with engine.connect() as connection:
        connection.connection.driver_connection.execute("BEGIN")
        converters = {"id": dialect_for(connection).converter(declared.upper()), "v": normalize_value}
        found = sqlite_copy.source(connection, Name(None, "t"), converters, ["id"])
        connection.rollback()
    engine.dispose()
    assert found is not None and found.pickled_keys is pickled


def test_a_real_1_0_that_becomes_integer_1_differs_by_type_only_in_tables_copied(tmp_path, copies):
    path, url = tmp_path / "db.sqlite", f"sqlite:///{tmp_path / 'db.sqlite'}"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")  # no affinity: 1.0 stays a REAL
        db.executemany("INSERT INTO t VALUES (?, ?)", [(1, 1.0), (2, 2.5), (3, -0.0)])
    db.close()
    before = capture_table(url)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE t SET v = CAST(v AS INTEGER) WHERE id IN (1, 3)")
    db.close()
    after = capture_table(url)
    assert copies == [True, True]
    strict = [(key, was, now) for key, was, now in differing(before, after, ["id", "v"], ["id", "v"], identical)]
    assert repr(strict) == repr([((1,), (1, 1.0), (1, 1)), ((3,), (3, -0.0), (3, 0))])  # as `idempotent` sees them
    assert not list(differing(before, after, ["id", "v"], ["id", "v"], lambda a, b: a == b))  # as `content` does


def capture_table(url: str) -> TableData:
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.NullPool)
    with engine.connect() as connection:
        table = capture(connection, None, set()).data["t"]
        connection.rollback()
    engine.dispose()
    return table
