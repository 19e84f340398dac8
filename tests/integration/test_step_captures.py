"""The step walk's incremental captures on real SQLite, PostgreSQL and MariaDB: a table's rows are
reused only while its digest proves them unchanged (an UPDATE that keeps the count is seen), what
is read again equals a full capture, and the connection kept for the walk holds no lock that
would make a migration on another connection wait."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from integration_support import made_database

from migtest.capture import sqlite_digests
from migtest.capture.sqlite_digests import Known
from migtest.capture.state import State, capture
from migtest.capture.step_captures import StepCaptures
from migtest.capture.table_digests import table_digests
from migtest.databases import Database
from migtest.databases.mysql import MysqlServer
from migtest.databases.postgres import PostgresServer
from migtest.databases.sqlite import SqliteServer

LOCK_WAIT = {  # another connection's DDL gives up after 5 s instead of waiting for our locks forever
    "sqlite": "PRAGMA busy_timeout = 5000",
    "postgresql": "SET lock_timeout = '5s'",
    "mysql": "SET SESSION lock_wait_timeout = 5",
}


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        server = SqliteServer(tmp_path)
    else:
        host = request.getfixturevalue(f"{request.param}_host")
        server = (PostgresServer if request.param == "postgres" else MysqlServer)(host.url)
    with made_database(server, "captures") as made:
        yield made


def execute(database: Database, *statements: str) -> None:
    with database.connection() as connection:
        connection.exec_driver_sql(LOCK_WAIT[connection.dialect.name])
        for statement in statements:
            connection.exec_driver_sql(statement)
        connection.commit()


def digests(database: Database, *tables: str, known: Known | None = None) -> dict[str, str] | None:
    with database.connection() as connection:
        found = table_digests(connection, [None], lambda table: table.name in tables, known)
        connection.rollback()
        return found


def seeded(database: Database) -> Database:
    execute(
        database,
        "CREATE TABLE a (id INTEGER PRIMARY KEY, name VARCHAR(20))",
        "CREATE TABLE b (id INTEGER PRIMARY KEY, price DOUBLE PRECISION, note VARCHAR(100))",
        "CREATE TABLE c (id INTEGER NOT NULL, name VARCHAR(20))",
        "INSERT INTO a VALUES (1, 'one'), (2, 'two')",
        "INSERT INTO b VALUES (1, 0.3, 'x'), (2, 2.5, NULL)",
        "INSERT INTO c VALUES (1, 'one'), (2, 'two')",
    )
    return database


def test_a_digest_changes_with_any_value_and_only_with_its_table(database):
    seeded(database)
    first = digests(database, "a", "b", "c")
    assert first is not None and digests(database, "a", "b", "c") == first
    changes = [
        "UPDATE b SET note = 'y' WHERE id = 1",  # the count stays
        "UPDATE b SET price = 0.30000000000000004 WHERE id = 1",  # a float's last digit
        "UPDATE b SET note = NULL WHERE id = 1",
        "UPDATE b SET note = '' WHERE id = 1",
        "UPDATE b SET note = 'x', price = 0.3 WHERE id = 1",  # back as it was
    ]
    seen = [digests(database, "a", "b", "c")]
    for change in changes:
        execute(database, change)
        seen.append(digests(database, "a", "b", "c"))
        assert seen[-1]["a"] == first["a"] and seen[-1]["c"] == first["c"]
    assert len({d["b"] for d in seen[:-1]}) == len(changes)  # every change seen
    assert seen[-1]["b"] == first["b"]


def test_digests_list_the_tables_themselves_as_a_capture_would(database):
    """No catalogue query of its own: the digests find every table of the schema (none of its views)
    and leave out what the capture leaves out."""
    seeded(database)
    execute(database, "CREATE VIEW v AS SELECT * FROM a")
    with database.connection() as connection:
        found = table_digests(connection, [None], lambda table: table.name != "c")
        connection.rollback()
    assert set(found) == {"a", "b"}


def test_a_digest_tells_a_value_from_its_look_alikes_and_a_column_type(database):
    seeded(database)
    before = digests(database, "a", "c")
    if database.url.startswith("sqlite"):
        execute(database, "CREATE TABLE d (id INTEGER PRIMARY KEY, v)", "INSERT INTO d VALUES (1, 1)")
        seen = [digests(database, "d")]
        for value in ("1.0", "'1'", "x'01'", "1"):  # no affinity: a real, a text, a blob, as stored
            execute(database, f"UPDATE d SET v = {value}")
            seen.append(digests(database, "d"))
        assert len({d["d"] for d in seen}) == 4 and seen[-1] == seen[0]
        return
    if database.url.startswith("mysql"):
        execute(database, "ALTER TABLE a MODIFY name VARCHAR(30)", "ALTER TABLE c MODIFY name TEXT")
    else:
        execute(database, "ALTER TABLE a ALTER COLUMN name TYPE VARCHAR(30)")  # the same text in every row
        execute(database, "ALTER TABLE c ALTER COLUMN name TYPE TEXT")
    after = digests(database, "a", "c")
    assert after["a"] != before["a"] and after["c"] != before["c"]


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_mariadb_digest_tells_apart_values_whose_text_runs_together(database):
    """A row's values are hashed as one text: each value quoted, NULL apart, so that no two rows of
    look-alike values (moved between columns, NULL, the word NULL, quotes and escapes) share it."""
    execute(database, "CREATE TABLE d (id INTEGER PRIMARY KEY, x VARCHAR(10), y VARCHAR(10))")
    rows = [("'ab'", "'c'"), ("'a'", "'bc'"), ("NULL", "'abc'"), ("'NULL'", "'abc'"), ("''", "'abc'")]
    rows += [("'a'''", "'c'"), ("'a'", "'''c'"), (r"'a\\'", "'c'"), ("'a'", r"'\\c'"), ("'a'',''c'", "''")]
    seen = []
    for x, y in rows:
        execute(database, f"REPLACE INTO d VALUES (1, {x}, {y})")
        seen.append(digests(database, "d")["d"])
    assert len(set(seen)) == len(rows)
    execute(database, "CREATE TABLE e (v VARCHAR(10))", "INSERT INTO e VALUES ('r'), ('r'), ('s'), ('t')")
    twice = digests(database, "e")["e"]
    execute(database, "DELETE FROM e WHERE v = 'r'", "INSERT INTO e VALUES ('u'), ('u')")  # as many rows
    assert digests(database, "e")["e"] != twice  # duplicates do not cancel out as they would in a XOR


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_sqlite_reads_rows_again_only_where_pages_changed_and_never_trusts_pages_in_wal_mode(database):
    """Unchanged pages give the digest their rows had, without reading them; rewritten pages with
    the same rows give the same digest. In WAL mode a commit stays in the -wal file until a
    checkpoint, so the file's pages would show the rows before it: the rows are read every time."""
    seeded(database)
    known: Known = {}
    first = digests(database, "a", "b", known=known)
    assert set(known) == {"a", "b"}
    execute(database, "UPDATE a SET name = 'uno' WHERE id = 1", "UPDATE a SET name = 'one' WHERE id = 1")
    assert digests(database, "a", "b", known=known) == first
    with closing(sqlite3.connect(database.url.removeprefix("sqlite:///"), isolation_level=None)) as wal:
        wal.execute("PRAGMA journal_mode = WAL")
        wal.execute("PRAGMA wal_autocheckpoint = 0")
        before = digests(database, "a", "b", known=known)
        wal.execute("UPDATE a SET name = 'uno' WHERE id = 1")
        after = digests(database, "a", "b", known=known)
    assert after["a"] != before["a"] and after["b"] == before["b"]  # the pages would show no change


def read_rows(database: Database, *tables: str, known: Known) -> tuple[dict[str, str], list[str]]:
    """The digests, and the statements that read a table's rows for them."""
    statements: list[str] = []
    with database.connection() as connection:
        connection.connection.driver_connection.set_trace_callback(statements.append)
        found = table_digests(connection, [None], lambda table: table.name in tables, known)
        connection.rollback()
    return found, [s for s in statements if s.startswith("SELECT * FROM")]


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_sqlite_digests_rows_rewritten_elsewhere_on_their_pages_from_the_pages_without_reading_them(database):
    """A column dropped and added again, filled by an UPDATE, leaves every row as it was but moves
    its cells on their pages: the digest, from the leaf cells, stays, and no row is read. Values
    that overflow their page are followed into their chain: a change at a long text's end is seen."""
    tail = "x" * 9000
    execute(
        database,
        "CREATE TABLE a (id INTEGER PRIMARY KEY, name VARCHAR(20), extra INTEGER)",
        "CREATE TABLE long (id INTEGER PRIMARY KEY, body TEXT)",
        "INSERT INTO a (id, name) WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 500) "
        "SELECT v, 'row ' || v FROM n",
        "INSERT INTO a (id, name) VALUES (-1, 'nine-byte rowid'), (9223372036854775807, 'the largest')",
        "UPDATE a SET extra = id % 1000",
        f"INSERT INTO long VALUES (1, '{tail}a'), (2, 'short')",
    )
    known: Known = {}
    first, read = read_rows(database, "a", "long", known=known)
    assert not read
    execute(database, "ALTER TABLE a DROP COLUMN extra", "ALTER TABLE a ADD COLUMN extra INTEGER")
    execute(database, "UPDATE a SET extra = id % 1000")
    again, read = read_rows(database, "a", "long", known=known)
    assert again == first and not read
    for row in (-1, 9223372036854775807):
        execute(database, f"UPDATE a SET extra = 7 WHERE id = {row}")
        assert read_rows(database, "a", known=known)[0]["a"] != first["a"]
        execute(database, f"UPDATE a SET extra = id % 1000 WHERE id = {row}")
        assert read_rows(database, "a", known=known)[0]["a"] == first["a"]
    execute(database, f"UPDATE long SET body = '{tail}b' WHERE id = 1")
    changed, _read = read_rows(database, "a", "long", known=known)
    assert changed["long"] != first["long"] and changed["a"] == first["a"]
    execute(database, f"UPDATE long SET body = '{tail}a' WHERE id = 1")
    assert read_rows(database, "long", known={})[0]["long"] == first["long"]
    execute(database, "UPDATE long SET id = 3 WHERE id = 2")  # the same record under another key
    assert read_rows(database, "long", known={})[0]["long"] != first["long"]


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_sqlite_reads_the_rows_of_a_without_rowid_table_whose_interior_pages_hold_rows_too(database):
    execute(
        database,
        "CREATE TABLE w (code TEXT PRIMARY KEY, note TEXT) WITHOUT ROWID",
        "INSERT INTO w VALUES ('a', 'one'), ('b', 'two')",
    )
    first, read = read_rows(database, "w", known={})
    assert read == ['SELECT * FROM "main"."w"']
    execute(database, "UPDATE w SET note = 'uno' WHERE code = 'a'")
    assert read_rows(database, "w", known={})[0] != first


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_sqlite_reads_the_rows_of_a_virtual_table_which_has_no_pages_of_its_own(database):
    """An FTS5 table keeps its rows in tables of its own (shadow tables) and lists no page: hashing
    its pages would give the same digest whatever its rows, so its rows are read."""
    execute(database, "CREATE VIRTUAL TABLE docs USING fts5(body)", "INSERT INTO docs VALUES ('one'), ('two')")
    first, read = read_rows(database, "docs", known={})
    assert read == ['SELECT * FROM "main"."docs"']
    execute(database, "UPDATE docs SET body = 'uno' WHERE rowid = 1")
    assert read_rows(database, "docs", known={})[0] != first


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_sqlite_digests_are_equal_only_for_equal_rows_through_random_changes(database):
    """Random values of every storage class (ints of every width, negative ones, reals, text short
    and overflowing its page, blobs, NULL) changed, rewritten and put back: whenever two digests
    are equal, so are the rows, value by value and type by type."""
    rng = random.Random(14)
    values = [
        "NULL", "0", "1", "-1", "1.0", "'1'", "x'01'", "127", "-129", "32768", "2147483648", "-9223372036854775808",
        "0.1", "-0.0", "1e300", "''", "'é'", f"'{'y' * 5000}'", f"'{'y' * 4999}z'", f"x'{'ab' * 3000}'",
    ]  # fmt: skip
    execute(database, "CREATE TABLE r (id INTEGER PRIMARY KEY, a, b TEXT, c REAL)")
    execute(database, *(f"INSERT INTO r VALUES ({row}, {rng.choice(values)}, NULL, 0)" for row in range(-5, 60)))
    seen: dict[str, list] = {}
    for _ in range(60):
        change = rng.choice(
            [
                lambda: f"UPDATE r SET a = {rng.choice(values)} WHERE id = {rng.randrange(-5, 60)}",
                lambda: f"UPDATE r SET b = {rng.choice(values)}, c = {rng.choice(values[:7])} WHERE id % 7 = 3",
                lambda: f"DELETE FROM r WHERE id = {rng.randrange(-5, 60)}",
                lambda: f"INSERT OR REPLACE INTO r VALUES ({rng.randrange(-5, 80)}, {rng.choice(values)}, 'n', 1)",
                lambda: "UPDATE r SET a = a, b = b",
                lambda: "ALTER TABLE r ADD COLUMN z",
                lambda: "ALTER TABLE r DROP COLUMN z",  # the table rewritten (fails where z is not there)
            ]
        )()
        try:
            execute(database, change)
        except sqlalchemy.exc.OperationalError:
            continue
        digest = read_rows(database, "r", known={})[0]["r"]
        with database.connection() as connection:
            rows = connection.exec_driver_sql("SELECT id, typeof(a), a, typeof(b), b, typeof(c), c FROM r").all()
        assert seen.setdefault(digest, rows) == rows, change
    assert len(seen) > 30


def captures_of(connection) -> StepCaptures:
    return StepCaptures(connection, set(), set(), (None,))


def test_a_capture_reads_again_only_the_tables_that_changed_and_equals_a_full_one(database):
    seeded(database)
    with database.connection() as connection:
        captures = captures_of(connection)
        first = captures.rows("1")
        execute(database, "UPDATE b SET note = 'changed' WHERE id = 2")  # the count stays
        second = captures.rows("2")
        full = capture(connection, "2", set())
        connection.rollback()
    assert second.state.data.keys() == full.data.keys() == {"a", "b", "c"}
    for table in full.data:
        assert second.state.data[table].rows == full.data[table].rows
        assert second.state.data[table].unkeyed == full.data[table].unkeyed
    assert second.state.data["b"].keyed()[(2,)]["note"] == "changed"
    reused = {table for table in full.data if second.state.data[table] is first.state.data[table]}
    assert reused == {"a", "c"}
    assert second.state.revision == "2" and second.state.schema == full.schema


# Adding a key rebuilds the table on SQLite; MariaDB reads every table anyway.
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_a_new_primary_key_rekeys_rows_whose_digest_did_not_change(database):
    seeded(database)
    with database.connection() as connection:
        captures = captures_of(connection)
        assert captures.rows("1").state.data["c"].unkeyed
        execute(database, "ALTER TABLE c ADD PRIMARY KEY (id)")
        rekeyed = captures.rows("2").state.data["c"]
    assert rekeyed.primary_key == ("id",) and not rekeyed.unkeyed
    assert rekeyed.keyed()[(1,)] == {"id": 1, "name": "one"}


def test_the_kept_connection_makes_no_migration_wait(database):
    """A capture's transaction would hold a lock on every table it read (PostgreSQL, MariaDB) or
    the file (SQLite): another connection's DDL would then wait, here for 5 s, then fail."""
    seeded(database)
    with database.connection() as connection:
        captures = captures_of(connection)
        captures.rows("1")
        execute(database, "ALTER TABLE a ADD COLUMN extra INTEGER", "UPDATE a SET extra = id")
        schema = captures.schema(like=captures.latest)
        execute(database, "DROP TABLE b")
        after = captures.rows("3")
    assert "extra" in schema.schema["a"].columns
    assert after.state.data["a"].keyed()[(1,)]["extra"] == 1 and "b" not in after.state.data


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_a_server_rounding_floats_hides_no_change_and_reads_them_as_before(database):
    """With extra_float_digits = 0 PostgreSQL prints 15 digits: the digest reads every digit all
    the same, and the capture after it reads floats as the server's setting says, like any capture."""
    seeded(database)
    with database.connection() as connection:
        connection.exec_driver_sql("SET extra_float_digits = 0")
        connection.commit()
        captures = captures_of(connection)
        first = captures.rows("1")
        execute(database, "UPDATE b SET price = 0.30000000000000004 WHERE id = 1")
        second = captures.rows("2")
        full = capture(connection, "2", set())
        connection.rollback()
    assert second.digests["b"] != first.digests["b"]
    assert second.state.data["b"].rows == full.data["b"].rows


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_sqlite_reflects_again_only_the_tables_whose_create_text_changed(database):
    """A table whose own `CREATE` texts (its indexes' too) and whose referenced tables' are unchanged
    keeps its reflection; the others are reflected again and equal a full capture. `child`
    references `parent` without naming columns: its reflected key follows parent's primary key."""
    seeded(database)
    execute(
        database,
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT)",
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent)",
    )
    with database.connection() as connection:
        captures = captures_of(connection)
        first = captures.rows("1").state.schema
        execute(
            database,
            "CREATE INDEX ix_a_name ON a (name)",
            "DROP TABLE parent",  # foreign keys are not enforced: child's CREATE text stays
            "CREATE TABLE parent (id INTEGER, code TEXT PRIMARY KEY)",
        )
        second = captures.rows("2").state.schema
        full = capture(connection, "2", set(), with_data=False).schema
        connection.rollback()
    assert second == full
    assert {key for key in second if second[key] is first[key]} == {"b", "c"}
    assert second["child"].foreign_keys[0]["references"] == "parent(code)"


def carried_walk(database: Database, *migrations: tuple[str, ...]) -> list[tuple[State, State, list[str]]]:
    """Table `t` filled, then each migration, between captures of one StepCaptures (the filling
    leaves the records the next capture builds on): after each migration, the step's capture, a
    full one, and the statements that read rows of `t` for the step's."""
    walked = []
    with database.connection() as connection:
        captures = captures_of(connection)
        captures.rows("0")
        execute(database, "INSERT INTO t (id, code, n) VALUES " + ", ".join(f"({i}, 'c{i}', {i % 2})" for i in ROWS))
        captures.rows("1")
        for number, statements in enumerate(migrations, 2):
            execute(database, *statements)
            read: list[str] = []
            connection.connection.driver_connection.set_trace_callback(read.append)
            step = captures.rows(str(number)).state
            connection.connection.driver_connection.set_trace_callback(None)
            walked.append(
                (
                    step,
                    capture(connection, str(number), set()),
                    [s for s in read if s.startswith("SELECT") and " FROM t" in s],
                )
            )
            connection.rollback()
    return walked


ROWS = [*range(1, 301), -5, 2**40, -(2**62)]  # rowids of one, two, six and nine bytes
TABLE = "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT NOT NULL, n INTEGER)"
WHOLE = "SELECT id, code, n"  # how the table's rows are read whole


def rows_of(state: State) -> list[tuple[Any, ...]]:
    """The rows of `t` in the order read, each value with its type (1 is not True, nor 1.0)."""
    return [(key, tuple(map(repr, values))) for key, values in state.data["t"].rows.items()]


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("rows_in_memory")
def test_sqlite_carries_rows_whose_records_kept_their_values_and_reads_only_the_key_and_added_columns(database):
    """A column added and filled rewrites every row: the rows are carried over from the last capture,
    the driver reading only the key and the new column, and equal a full capture. Where
    a value changed (an UPDATE keeping the count) or a row was added the table is read whole. A
    step's round trip (down and up again) brings the same rows back on other pages: nothing is
    read, and the next step builds on the records read before it."""
    execute(database, TABLE)
    add = ("ALTER TABLE t ADD COLUMN extra INTEGER", "UPDATE t SET extra = 301 - id", "CREATE INDEX ix ON t (extra)")
    walked = carried_walk(
        database,
        add,
        ("DROP INDEX ix", "ALTER TABLE t DROP COLUMN extra", *add),
        ("DELETE FROM t WHERE id = 7", "ALTER TABLE t RENAME COLUMN extra TO renamed"),
        ("ALTER TABLE t ADD COLUMN more TEXT", "UPDATE t SET more = code || '!', n = 9 WHERE id = 150"),
        ("ALTER TABLE t ADD COLUMN last REAL", "INSERT INTO t (id, code) VALUES (301, 'new')"),
    )
    for step, full, _read in walked:
        assert rows_of(step) == rows_of(full)
    assert [read for _step, _full, read in walked[:3]] == [
        ["SELECT id, extra FROM t"],
        [],
        ["SELECT id FROM t"],  # none added: the key, for the rows still there
    ]
    assert walked[2][0].data["t"].count == len(ROWS) - 1
    assert walked[3][0].data["t"].keyed()[(150,)]["n"] == 9
    assert all(read and read[-1].startswith(WHOLE) for _step, _full, read in walked[3:])


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("rows_in_memory")
def test_sqlite_trusts_no_record_that_held_fewer_values_than_its_columns(database):
    """A column added with a default is not in the records written before it: they read as the
    default. Filling it writes the value where the record held nothing, and every byte the old
    record had is still there: the rows are read again, not carried with the default. A virtual
    generated column is in no record either."""
    execute(database, TABLE)
    walked = carried_walk(
        database,
        ("ALTER TABLE t ADD COLUMN flag INTEGER DEFAULT 5",),  # the records as they were: carried
        ("ALTER TABLE t ADD COLUMN extra INTEGER", "UPDATE t SET flag = 6, extra = 1"),
        ("ALTER TABLE t ADD COLUMN twice INTEGER AS (n * 2)", "UPDATE t SET extra = 2"),
        ("ALTER TABLE t ADD COLUMN after INTEGER", "UPDATE t SET after = 3"),
    )
    for step, full, _read in walked:
        assert rows_of(step) == rows_of(full)
    assert walked[0][2] == ["SELECT id, flag FROM t"]
    assert walked[1][0].data["t"].keyed()[(1,)]["flag"] == 6 and walked[1][2][-1].startswith(WHOLE)
    assert walked[3][0].data["t"].keyed()[(1,)]["twice"] == 2 and walked[3][2][-1].startswith(WHOLE)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("rows_in_memory")
def test_sqlite_trusts_no_record_of_a_column_whose_type_reads_it_another_way(database):
    """A table rebuilt with a column's type changed keeps its records byte for byte, 0 and 1 as
    they were, but reads them as booleans now: the rows are read again, as a full capture reads them."""
    execute(database, TABLE)
    walked = carried_walk(
        database,
        (
            "CREATE TABLE t2 (id INTEGER PRIMARY KEY, code TEXT NOT NULL, n BOOLEAN, extra INTEGER)",
            "INSERT INTO t2 (id, code, n) SELECT id, code, n FROM t",
            "DROP TABLE t",
            "ALTER TABLE t2 RENAME TO t",
        ),
    )
    step, full, read = walked[0]
    assert rows_of(step) == rows_of(full)
    assert step.data["t"].keyed()[(1,)]["n"] is True and read[-1].startswith(WHOLE)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_sqlite_keeps_records_of_as_many_rows_in_all_as_allowed_those_just_read_first(database, monkeypatch):
    """Records are kept for tables the walk changes, at most KEPT_CELLS in all: a walk changing
    many tables does not hold every one's rows twice over."""
    monkeypatch.setattr(sqlite_digests, "KEPT_CELLS", 150)
    names = ("p", "q")
    execute(database, *(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, v INTEGER)" for name in names))
    execute(database, *(f"INSERT INTO {name} VALUES " + ", ".join(f"({i}, 0)" for i in range(100)) for name in names))
    known: Known = {}
    digests(database, *names, known=known)
    kept = []
    for change in ("UPDATE p SET v = 1", "UPDATE q SET v = 1", "UPDATE p SET v = 2; UPDATE q SET v = 2"):
        execute(database, *change.split("; "))
        digests(database, *names, known=known)
        kept.append({name for name in names if known[name].cells is not None})
    assert kept == [{"p"}, {"q"}, {"p"}]  # p's read first of the two, q's beyond the 150


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("rows_in_memory")
@pytest.mark.parametrize("look_alike", ["1.0", "'1'", "x'01'", "TRUE"])
def test_sqlite_carries_no_row_whose_value_changed_only_its_type(database, look_alike):
    """A step that adds a column and fills it, and turns one row's 1 into a look-alike (1.0, '1',
    x'01'; TRUE is 1 itself) in a column without affinity, which stores each as given: that row's
    record changed, so the table is read whole and holds the look-alike, as a full capture does."""
    execute(database, "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT NOT NULL, n)")
    walked = carried_walk(
        database,
        ("ALTER TABLE t ADD COLUMN extra INTEGER", f"UPDATE t SET extra = id, n = IIF(id = 1, {look_alike}, n)"),
    )
    step, full, read = walked[0]
    assert rows_of(step) == rows_of(full)
    value = step.data["t"].keyed()[(1,)]["n"]
    if look_alike == "TRUE":  # SQLite's TRUE is the integer 1: the row is carried as it was
        assert read == ["SELECT id, extra FROM t"] and value == 1 and type(value) is int
    else:
        assert read[-1].startswith("SELECT id, code, n, extra") and type(value) is not int
