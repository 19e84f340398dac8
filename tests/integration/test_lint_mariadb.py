"""The lint's `mysql-table-copy` held against MariaDB itself: a change copies the table exactly
when MariaDB refuses to make it with ALGORITHM=INPLACE (its error says it needs COPY). MariaDB
widens a VARCHAR in place where MySQL would copy (past 255 bytes): the `mariadb` dialect knows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
from sqlalchemy.engine import make_url

from migtest.lint import Migration
from migtest.lint.run import lint_history

CREATE = (
    "CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(20), owner INT) CHARACTER SET utf8mb4;\n"
    "CREATE TABLE u (id INT PRIMARY KEY);"
)
CHANGES = [
    "ALTER TABLE t MODIFY note VARCHAR(40)",
    "ALTER TABLE t MODIFY note VARCHAR(200)",
    "ALTER TABLE t MODIFY note TEXT",
    "ALTER TABLE t MODIFY id BIGINT",
    "ALTER TABLE t MODIFY note VARCHAR(20)",
    "ALTER TABLE t CONVERT TO CHARACTER SET latin1",
    "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (owner) REFERENCES u (id)",
    "ALTER TABLE t ADD COLUMN flag TINYINT",
]


@pytest.fixture
def connection(mariadb_host) -> Iterator[pymysql.Connection]:
    url = make_url(mariadb_host.url)
    database = f"lint_{uuid.uuid4().hex[:12]}"
    connection = pymysql.connect(host=url.host, port=url.port, user=url.username, password=url.password)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {database}")
            cursor.execute(f"USE {database}")
            for statement in CREATE.split(";")[:-1]:
                cursor.execute(statement)
        yield connection
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {database}")
        connection.close()


def copies(connection: pymysql.Connection, change: str) -> bool:
    with connection.cursor() as cursor:
        try:
            cursor.execute(f"{change}, ALGORITHM=INPLACE")
        except pymysql.err.MySQLError as exc:
            assert "ALGORITHM=COPY" in str(exc) or "not supported" in str(exc), exc
            return True
    return False


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_copies_the_table_exactly_when_mariadb_needs_copy(connection, change: str) -> None:
    history = [Migration("1", Path("V1.sql"), CREATE, reported=False), Migration("2", Path("V2.sql"), change + ";")]
    found = [finding.rule for finding in lint_history(history, "mariadb").findings]
    assert ("mysql-table-copy" in found) == copies(connection, change)
