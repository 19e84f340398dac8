"""The step walk's schema reuse on PostgreSQL and MariaDB (catalogue_tokens): a table's reflection
is reused only while its catalogue fingerprint is unchanged, and the whole schema's (the usual
outcome of a downgrade) only while nothing it holds changed. A downgrade that leaves any one thing
different from before the upgrade fails the downgrade check with the evidence a full reflection
gives, since a reused reflection would hide it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from integration_support import made_database

from migtest.capture.state import capture
from migtest.capture.step_captures import StepCaptures
from migtest.capture.table_digests import schema_token, table_digests
from migtest.checks.schema import diff_states
from migtest.databases import Database
from migtest.databases.mysql import MysqlServer
from migtest.databases.postgres import PostgresServer

SERVERS = {"postgres": PostgresServer, "mariadb": MysqlServer}


@pytest.fixture(params=list(SERVERS))
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    with made_database(SERVERS[request.param](request.getfixturevalue(f"{request.param}_host").url), "tokens") as made:
        yield made


def execute(connection, *statements: str) -> None:
    """On another connection, as a migration runs."""
    with connection.engine.connect() as other:
        for statement in statements:
            other.exec_driver_sql(statement)
        other.commit()


CHARSET = "ALTER DATABASE CHARACTER SET {} COLLATE {}_general_ci"  # MariaDB: the database's own default
BASE = (
    "CREATE TABLE parent (id INTEGER PRIMARY KEY, code VARCHAR(10) NOT NULL UNIQUE)",
    "CREATE TABLE a (id INTEGER PRIMARY KEY, name VARCHAR(20) DEFAULT 'x', parent_id INTEGER, amount INTEGER)",
    "CREATE TABLE b (id INTEGER PRIMARY KEY, note VARCHAR(100))",
    "INSERT INTO parent VALUES (1, 'p1')",
    "INSERT INTO a VALUES (1, 'one', 1, 10)",
    "INSERT INTO b VALUES (1, 'x')",
)
ENGINE_BASE = {
    "postgresql": (
        "CREATE TYPE mood AS ENUM ('sad', 'ok')",
        "CREATE DOMAIN label AS VARCHAR(20) DEFAULT 'none'",
        "ALTER TABLE b ADD COLUMN mood mood, ADD COLUMN tag label",
    ),
    "mysql": ("ALTER TABLE b ADD COLUMN mood ENUM('sad', 'ok')",),
}
LATIN1 = "CHARACTER SET latin1 COLLATE latin1_general_ci"
SETUP = {"postgresql": (), "mysql": (CHARSET.format("latin1", "latin1"),)}
FK = "ALTER TABLE a ADD CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id)"
PRESENT = "present after migrating, not in a fresh install"

# Each upgrade changes one thing, which a downgrade doing nothing leaves behind: the evidence.
# In this order: each starts where the ones before it left the schema.
SHARED = {
    "a column's default": (
        "ALTER TABLE a ALTER COLUMN name SET DEFAULT 'y'",
        ["table 'a': column 'name' default: \"'y'\" after migrating, \"'x'\" fresh"],
    ),
    "an index": ("CREATE INDEX ix_a_amount ON a (amount)", [f"table 'a': index 'ix_a_amount' (amount) {PRESENT}"]),
    "a check constraint": (
        "ALTER TABLE a ADD CONSTRAINT positive CHECK (amount > 0)",
        [f"table 'a': check 'positive' (amount > 0) {PRESENT}"],
    ),
    "a check constraint's condition": (
        "ALTER TABLE a DROP CONSTRAINT positive; ALTER TABLE a ADD CONSTRAINT positive CHECK (amount >= 0)",
        ["table 'a': check 'positive': (amount >= 0) after migrating, (amount > 0) fresh"],
    ),
    "a unique constraint": (
        "ALTER TABLE b ADD CONSTRAINT uq_note UNIQUE (note)",
        [f"table 'b': unique 'uq_note' (note) {PRESENT}", f"table 'b': index 'uq_note' (note) unique=True {PRESENT}"],
    ),
    "a new table": ("CREATE TABLE c (id INTEGER PRIMARY KEY)", [f"table 'c': {PRESENT}"]),
}
IDENTITY = "by default, increment {}, min 1, max 2147483647"
POSTGRES = {
    "a column's type": (
        "ALTER TABLE a ALTER COLUMN name TYPE VARCHAR(50)",
        ["table 'a': column 'name' type: 'VARCHAR(50)' after migrating, 'VARCHAR(20)' fresh"],
    ),
    "a column's nullability": (
        "ALTER TABLE a ALTER COLUMN amount SET NOT NULL",
        ["table 'a': column 'amount' nullable: False after migrating, True fresh"],
    ),
    "an index's columns": (
        "DROP INDEX ix_a_amount; CREATE INDEX ix_a_amount ON a (amount, name)",
        [
            "table 'a': index 'ix_a_amount' (amount) missing after migrating",
            f"table 'a': index 'ix_a_amount' (amount, name) {PRESENT}",
        ],
    ),
    "a foreign key": (FK, [f"table 'a': foreign key (parent_id) references=parent(id) {PRESENT}"]),
    "an enum value": (
        "ALTER TYPE mood ADD VALUE 'glad'",
        ["enum 'mood': values: ['sad', 'ok', 'glad'] after migrating, ['sad', 'ok'] fresh"],
    ),
    "a domain's default": (
        "ALTER DOMAIN label SET DEFAULT 'other'",
        ["table 'b': column 'tag' default: \"'other'\" after migrating, \"'none'\" fresh"],
    ),
    "an identity": (
        "ALTER TABLE b ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY",
        [f"table 'b': column 'id' identity: '{IDENTITY.format(1)}' after migrating, None fresh"],
    ),
    "an identity's increment": (
        "ALTER TABLE b ALTER COLUMN id SET INCREMENT BY 2",
        [f"table 'b': column 'id' identity: '{IDENTITY.format(2)}' after migrating, '{IDENTITY.format(1)}' fresh"],
    ),
    "a sequence": ("CREATE SEQUENCE counter", [f"sequence 'counter': {PRESENT}"]),
    "a sequence's increment": (
        "ALTER SEQUENCE counter INCREMENT BY 5",
        ["sequence 'counter': increment: 5 after migrating, 1 fresh"],
    ),
}
LATIN1 = "CHARACTER SET latin1 COLLATE latin1_general_ci"
MARIADB = {
    "a column's type": (
        "ALTER TABLE a MODIFY name VARCHAR(50) DEFAULT 'y'",
        ["table 'a': column 'name' type: 'VARCHAR(50)' after migrating, 'VARCHAR(20)' fresh"],
    ),
    "a column's nullability": (
        "ALTER TABLE a MODIFY amount INTEGER NOT NULL",
        ["table 'a': column 'amount' nullable: False after migrating, True fresh"],
    ),
    "an index's columns": (
        "DROP INDEX ix_a_amount ON a; CREATE INDEX ix_a_amount ON a (amount, name)",
        [
            "table 'a': index 'ix_a_amount' (amount) missing after migrating",
            f"table 'a': index 'ix_a_amount' (amount, name) {PRESENT}",
        ],
    ),
    "a foreign key": (
        FK,
        [
            f"table 'a': foreign key (parent_id) references=parent(id) {PRESENT}",
            f"table 'a': index (parent_id) {PRESENT}",
        ],
    ),
    "an enum value": (
        "ALTER TABLE b MODIFY mood ENUM('sad', 'ok', 'glad')",
        ["table 'b': column 'mood' type: \"ENUM('sad','ok','glad')\" after migrating, \"ENUM('sad','ok')\" fresh"],
    ),
    "a column's collation": (
        "ALTER TABLE b MODIFY note VARCHAR(100) COLLATE utf8mb4_bin",
        [
            "table 'b': column 'note' type: 'VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin' after "
            "migrating, 'VARCHAR(100)' fresh"
        ],
    ),
    "an auto increment": (
        "ALTER TABLE b MODIFY id INTEGER AUTO_INCREMENT",
        ["table 'b': column 'id' identity: 'auto_increment' after migrating, None fresh"],
    ),
    "the storage engine": (
        "ALTER TABLE b ENGINE = Aria",
        ["table 'b': engine: 'Aria' after migrating, 'InnoDB' fresh"],
    ),
    "the database's default charset": (  # a column's charset is written where it differs from it
        CHARSET.format("ascii", "ascii"),
        [
            f"table 'a': column 'name' type: 'VARCHAR(50) {LATIN1}' after migrating, 'VARCHAR(50)' fresh",
            f"table 'b': column 'mood' type: \"ENUM('sad','ok','glad') {LATIN1}\" after migrating, "
            "\"ENUM('sad','ok','glad')\" fresh",
            f"table 'parent': column 'code' type: 'VARCHAR(10) {LATIN1}' after migrating, 'VARCHAR(10)' fresh",
        ],
    ),
}
FOREIGN_KEYS = {  # after the engine's own changes, one of which adds the foreign key
    "a foreign key's action": (
        f"ALTER TABLE a DROP CONSTRAINT fk_parent; {FK} ON DELETE CASCADE",
        [
            "table 'a': foreign key (parent_id) references=parent(id) missing after migrating",
            f"table 'a': foreign key (parent_id) references=parent(id) on_delete=CASCADE {PRESENT}",
        ],
    ),
    "a referenced column's name": (
        "ALTER TABLE parent RENAME COLUMN id TO pid",
        [
            "table 'a': foreign key (parent_id) references=parent(id) on_delete=CASCADE missing after migrating",
            f"table 'a': foreign key (parent_id) references=parent(pid) on_delete=CASCADE {PRESENT}",
            "table 'parent': column 'id' missing after migrating",
            f"table 'parent': column 'pid' {PRESENT}",
            "table 'parent': primary key: ['pid'] after migrating, ['id'] fresh",
        ],
    ),
}
CHANGES = {"postgresql": SHARED | POSTGRES | FOREIGN_KEYS, "mysql": SHARED | MARIADB | FOREIGN_KEYS}


def prepared(connection) -> StepCaptures:
    engine = connection.dialect.name
    execute(connection, *SETUP[engine], *BASE, *ENGINE_BASE[engine])
    return StepCaptures(connection, set(), set(), (None,))


def test_a_downgrade_leaving_any_one_thing_behind_fails_with_a_full_reflections_evidence(database):
    """Upgrade, capture, downgrade doing nothing, capture the schema, in turn for each change: the
    difference is exactly the one a full reflection shows."""
    with database.connection() as connection:
        captures = prepared(connection)
        for change, (statements, evidence) in CHANGES[connection.dialect.name].items():
            before = captures.rows()
            execute(connection, *statements.split("; "))
            captures.rows("up")
            downgraded = captures.schema(like=before)
            full = capture(connection, None, set(), with_data=False)
            connection.rollback()
            assert diff_states(before.state, full) == evidence, change
            assert diff_states(before.state, downgraded) == evidence, change


def test_a_table_is_reflected_again_only_where_its_catalogue_changed(database):
    """Rows inserted (MariaDB's AUTO_INCREMENT counter moves), a column dropped and added again
    (PostgreSQL numbers it anew): nothing that reflection reads changed, so nothing is reflected."""
    with database.connection() as connection:
        captures = prepared(connection)
        first = captures.rows("1")
        execute(connection, "ALTER TABLE a ADD COLUMN extra INTEGER", "INSERT INTO b (id, note) VALUES (2, 'y')")
        second = captures.rows("2")
        execute(connection, "ALTER TABLE a DROP COLUMN extra")
        downgraded = captures.schema(like=first)
        execute(connection, "ALTER TABLE a ADD COLUMN extra INTEGER")
        third = captures.rows("3")
        full = capture(connection, "3", set(), with_data=False)
        connection.rollback()
    reused = {key for key, table in second.state.schema.items() if table is first.state.schema[key]}
    assert reused == {"parent", "b"} and "extra" in second.state.schema["a"].columns
    assert downgraded.schema == first.state.schema and all(
        downgraded.schema[key] is table for key, table in first.state.schema.items()
    )
    assert third.state.schema == full.schema and third.state.schema["a"] is second.state.schema["a"]


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_tables_of_another_schema_are_fingerprinted_under_their_key(database):
    with database.connection() as connection:
        execute(
            connection,
            "CREATE SCHEMA other",
            "CREATE TABLE other.items (id INTEGER PRIMARY KEY, name TEXT)",
            "CREATE TABLE items (id INTEGER PRIMARY KEY)",
        )
        captures = StepCaptures(connection, set(), set(), (None, "other"))
        before = captures.rows()
        execute(connection, "ALTER TABLE other.items ALTER COLUMN name SET NOT NULL")
        captures.rows("up")
        downgraded = captures.schema(like=before)
        connection.rollback()
    assert before.token is not None and set(before.token.tables) == {"items", "other.items"}
    assert diff_states(before.state, downgraded) == [
        "table 'other.items': column 'name' nullable: False after migrating, True fresh"
    ]


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_an_enum_no_table_has_is_part_of_the_whole_schema(database):
    """No table's fingerprint holds it (a column of a user-defined type would): the whole's does."""
    with database.connection() as connection:
        execute(connection, "CREATE TABLE plain (id INTEGER PRIMARY KEY)", "CREATE TYPE spare AS ENUM ('a')")
        captures = StepCaptures(connection, set(), set(), (None,))
        before = captures.rows()
        execute(connection, "ALTER TYPE spare ADD VALUE 'b' BEFORE 'a'")
        captures.rows("up")
        downgraded = captures.schema(like=before)
        connection.rollback()
    assert diff_states(before.state, downgraded) == ["enum 'spare': values: ['b', 'a'] after migrating, ['a'] fresh"]


def test_a_table_named_with_a_percent_sign_is_fingerprinted_and_digested(database):
    """The dialect's quoting doubles `%` for drivers that read it as a placeholder: statements
    naming tables that way are not doubled again."""
    with database.connection() as connection:
        execute(connection, f"CREATE TABLE {connection.dialect.identifier_preparer.quote('100%')} (id INTEGER)")
        token = schema_token(connection, [None])
        digests = table_digests(connection, [None], lambda table: True)
        connection.rollback()
    assert token is not None and digests is not None and set(token.tables) == set(digests) == {"100%"}
