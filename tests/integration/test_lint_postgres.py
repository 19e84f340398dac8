"""The lint's verdicts on rewrites held against PostgreSQL 15 itself: a table whose storage
(pg_relation_filenode) changed was rewritten. Each type change and each added column's default is
run on a real table with a row, and the lint must call it a rewrite exactly when PostgreSQL did."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from migtest.lint import Migration
from migtest.lint.rules import RULES
from migtest.lint.run import lint_history

TYPE_CHANGES = [
    ("varchar(20)", "varchar(50)"),
    ("varchar(20)", "varchar"),
    ("varchar(20)", "text"),
    ("varchar(20)", "varchar(10)"),
    ("text", "varchar"),
    ("text", "varchar(10)"),
    ("numeric(10, 2)", "numeric(12, 2)"),
    ("numeric(10, 2)", "numeric"),
    ("numeric(10, 2)", "numeric(12, 3)"),
    ("int", "bigint"),
    ("cidr", "inet"),
    ("varbit(8)", "varbit(16)"),
]
VALUES = {"cidr": "'10.0.0.0/8'", "varbit(8)": "B'101'", "int": "1", "numeric(10, 2)": "1.5"}
DEFAULTS = ["'new'", "now()", "42", "clock_timestamp()", "random()", "gen_random_uuid()"]


@pytest.fixture
def connection(postgres_host) -> Iterator[psycopg.Connection]:
    schema = f"lint_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_host.url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(f"SET search_path = {schema}")
        try:
            yield connection
        finally:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


def rewrites(connection: psycopg.Connection, create: str, insert: str, change: str) -> bool:
    """Whether PostgreSQL rewrote the table `t` running `change`."""
    connection.execute("DROP TABLE IF EXISTS t")
    connection.execute(create)
    connection.execute(insert)
    before = connection.execute("SELECT pg_relation_filenode('t')").fetchone()
    connection.execute(change)
    return connection.execute("SELECT pg_relation_filenode('t')").fetchone() != before


def lint_says_rewrite(create: str, change: str, rule: str) -> bool:
    history = [Migration("1", Path("V1.sql"), create, reported=False), Migration("2", Path("V2.sql"), change)]
    return rule in [finding.rule for finding in lint_history(history, "postgres").findings]


@pytest.mark.parametrize(("before", "after"), TYPE_CHANGES)
def test_a_type_change_is_a_rewrite_exactly_when_postgresql_rewrites(connection, before: str, after: str) -> None:
    create = f"CREATE TABLE t (id int, c {before});"
    change = f"ALTER TABLE t ALTER COLUMN c TYPE {after};"
    value = VALUES.get(before, "'abc'")
    insert = f"INSERT INTO t VALUES (1, {value})"
    assert lint_says_rewrite(create, change, "type-rewrite") == rewrites(connection, create, insert, change)


@pytest.mark.parametrize("default", DEFAULTS)
def test_an_added_default_is_a_rewrite_exactly_when_postgresql_rewrites(connection, default: str) -> None:
    create = "CREATE TABLE t (id int);"
    change = f"ALTER TABLE t ADD COLUMN c text DEFAULT {default}::text;"
    insert = "INSERT INTO t VALUES (1)"
    assert lint_says_rewrite(create, change, "volatile-default") == rewrites(connection, create, insert, change)


SETUP = (
    "CREATE TABLE u (id int PRIMARY KEY);",
    "CREATE TABLE t (id int PRIMARY KEY, owner int, note varchar(20));",
    "CREATE INDEX ix_t_note ON t (note);",
    "INSERT INTO u VALUES (1); INSERT INTO t VALUES (1, 1, 'a');",
)
# A statement, the rule it triggers (None: none about t's lock), the strongest lock PostgreSQL takes on t.
LOCKS = [
    ("CREATE INDEX ix_t_owner ON t (owner)", "index-not-concurrent", "ShareLock"),
    ("DROP INDEX ix_t_note", "drop-index-not-concurrent", "AccessExclusiveLock"),
    (
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (owner) REFERENCES u (id)",
        "constraint-not-valid",
        "ShareRowExclusiveLock",
    ),
    ("ALTER TABLE t ADD CONSTRAINT ck CHECK (id > 0)", "constraint-not-valid", "AccessExclusiveLock"),
    ("ALTER TABLE t ADD CONSTRAINT uq UNIQUE (note)", "unique-constraint", "AccessExclusiveLock"),
    ("ALTER TABLE t ALTER COLUMN note SET NOT NULL", "set-not-null", "AccessExclusiveLock"),
    ("ALTER TABLE t ALTER COLUMN id TYPE bigint", "type-rewrite", "AccessExclusiveLock"),
    ("ALTER TABLE t ADD COLUMN at timestamptz DEFAULT clock_timestamp()", "volatile-default", "AccessExclusiveLock"),
    ("ALTER TABLE t RENAME COLUMN note TO remark", "rename-column", "AccessExclusiveLock"),
    ("ALTER TABLE t DROP COLUMN note", "drop-column", "AccessExclusiveLock"),
    ("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (owner) REFERENCES u (id) NOT VALID", None, "ShareRowExclusiveLock"),
    ("ALTER TABLE t ALTER COLUMN note SET STATISTICS 200", None, "ShareUpdateExclusiveLock"),
]
MODES = ["ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"]


def strongest_lock(connection: psycopg.Connection, statement: str) -> str:
    """The strongest lock the statement takes on `t`, read from pg_locks in its own transaction."""
    for setup in SETUP:
        connection.execute(setup)
    with connection.transaction(force_rollback=True):
        connection.execute(statement)
        modes = connection.execute(
            "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 't'::regclass"
        ).fetchall()
    connection.execute("DROP TABLE t, u")
    return max((mode for (mode,) in modes if mode in MODES), key=MODES.index)


@pytest.mark.parametrize(("statement", "rule", "mode"), LOCKS)
def test_the_lock_a_rule_names_is_the_lock_postgresql_takes(connection, statement, rule, mode) -> None:
    """And `lock-timeout` is reported exactly for the statements that take ACCESS EXCLUSIVE."""
    history = [Migration("1", Path("V1.sql"), "\n".join(SETUP), reported=False)]
    found = [
        f.rule for f in lint_history([*history, Migration("2", Path("V2.sql"), statement + ";")], "postgres").findings
    ]
    assert strongest_lock(connection, statement) == mode
    assert rule is None or rule in found
    assert ("lock-timeout" in found) == (mode == "AccessExclusiveLock")
    if rule:
        spelled = {"ShareLock": "SHARE", "ShareRowExclusiveLock": "SHARE ROW EXCLUSIVE"}.get(mode, "ACCESS EXCLUSIVE")
        assert spelled in RULES[rule].lock
