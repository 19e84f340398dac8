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
