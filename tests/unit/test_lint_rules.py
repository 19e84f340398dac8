"""Each lint rule on a statement that must trigger it, and on a near miss that must not."""

from __future__ import annotations

from pathlib import Path

import pytest

from migtest.lint import Migration
from migtest.lint.rules import RULES
from migtest.lint.run import lint_history

EXISTING = "CREATE TABLE orders (id int, note varchar(20), price numeric(10, 2), owner int);\n"
TIMEOUT = "SET lock_timeout = '2s';\n"


def rules(sql: str, dialect: str = "postgres", earlier: str = EXISTING) -> list[str]:
    """The rules reported for `sql`, linted after a migration `earlier` (read for what it creates)."""
    history = [Migration("1", Path("V1__init.sql"), earlier, reported=False), Migration("2", Path("V2__x.sql"), sql)]
    return [finding.rule for finding in lint_history(history, dialect).findings]


TRIGGERS = [
    ("index-not-concurrent", "CREATE INDEX ix ON orders (note);"),
    ("drop-index-not-concurrent", "DROP INDEX ix_orders_note;"),
    ("constraint-not-valid", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (owner) REFERENCES users (id);"),
    ("constraint-not-valid", "ALTER TABLE orders ADD CONSTRAINT ck CHECK (price > 0);"),
    ("unique-constraint", "ALTER TABLE orders ADD CONSTRAINT uq UNIQUE (note);"),
    ("set-not-null", "ALTER TABLE orders ALTER COLUMN note SET NOT NULL;"),
    ("type-rewrite", "ALTER TABLE orders ALTER COLUMN note TYPE int USING note::int;"),
    ("type-rewrite", "ALTER TABLE orders ALTER COLUMN note TYPE varchar(10);"),
    ("type-rewrite", "ALTER TABLE orders ALTER COLUMN price TYPE numeric(12, 3);"),
    ("type-rewrite", "ALTER TABLE orders ALTER COLUMN id TYPE bigint;"),
    ("volatile-default", "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();"),
    ("volatile-default", "ALTER TABLE orders ADD COLUMN at timestamptz DEFAULT clock_timestamp();"),
    ("volatile-default", "ALTER TABLE orders ADD COLUMN n bigserial;"),
    ("rename-column", "ALTER TABLE orders RENAME COLUMN note TO remark;"),
    ("rename-table", "ALTER TABLE orders RENAME TO purchases;"),
    ("drop-column", "ALTER TABLE orders DROP COLUMN note;"),
    ("drop-table", "DROP TABLE orders;"),
    ("drop-cascade", "DROP VIEW order_totals CASCADE;"),
    ("lock-timeout", "ALTER TABLE orders ADD COLUMN flag boolean;"),
]

NEAR_MISSES = [
    ("index-not-concurrent", "CREATE INDEX CONCURRENTLY ix ON orders (note);"),
    ("index-not-concurrent", "CREATE TABLE items (id int, sku text);\nCREATE INDEX ix ON items (sku);"),
    ("drop-index-not-concurrent", "DROP INDEX CONCURRENTLY ix_orders_note;"),
    ("constraint-not-valid", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (owner) REFERENCES u (id) NOT VALID;"),
    ("constraint-not-valid", "ALTER TABLE orders ADD CONSTRAINT ck CHECK (price > 0) NOT VALID;"),
    ("unique-constraint", "ALTER TABLE orders ADD CONSTRAINT uq UNIQUE USING INDEX ix_orders_note;"),
    ("set-not-null", "CREATE TABLE items (sku text);\nALTER TABLE items ALTER COLUMN sku SET NOT NULL;"),
    ("type-rewrite", "ALTER TABLE orders ALTER COLUMN note TYPE varchar(50);"),
    ("type-rewrite", "ALTER TABLE orders ALTER COLUMN note TYPE text;"),
    ("type-rewrite", "ALTER TABLE orders ALTER COLUMN price TYPE numeric(14, 2);"),
    ("volatile-default", "ALTER TABLE orders ADD COLUMN status text DEFAULT 'new';"),
    ("volatile-default", "ALTER TABLE orders ADD COLUMN at timestamptz DEFAULT now();"),
    ("rename-column", "CREATE TABLE items (sku text);\nALTER TABLE items RENAME COLUMN sku TO code;"),
    ("drop-column", "CREATE TABLE items (sku text, x int);\nALTER TABLE items DROP COLUMN x;"),
    ("drop-table", "CREATE TABLE scratch (id int);\nDROP TABLE scratch;"),
    ("drop-cascade", "DROP VIEW order_totals;"),
    ("lock-timeout", TIMEOUT + "ALTER TABLE orders ADD COLUMN flag boolean;"),
    ("lock-timeout", "CREATE TABLE items (id int);\nALTER TABLE items ADD COLUMN flag boolean;"),
]


@pytest.mark.parametrize(("rule", "sql"), TRIGGERS)
def test_rule_triggers(rule: str, sql: str) -> None:
    assert rule in rules(sql)


@pytest.mark.parametrize(("rule", "sql"), NEAR_MISSES)
def test_near_miss_does_not_trigger(rule: str, sql: str) -> None:
    assert rule not in rules(sql)


MYSQL_EXISTING = "CREATE TABLE orders (id INT, note VARCHAR(20), owner INT);\n"
MYSQL_TRIGGERS = [
    ("mysql-table-copy", "ALTER TABLE orders ADD COLUMN flag TINYINT, ALGORITHM=COPY;"),
    ("mysql-table-copy", "ALTER TABLE orders MODIFY note TEXT;"),
    ("mysql-table-copy", "ALTER TABLE orders MODIFY note VARCHAR(200);"),
    ("mysql-table-copy", "ALTER TABLE orders CONVERT TO CHARACTER SET utf8mb4;"),
    ("mysql-table-copy", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (owner) REFERENCES users (id);"),
    ("mysql-lock-wait-timeout", "ALTER TABLE orders ADD COLUMN flag TINYINT;"),
    ("rename-column", "ALTER TABLE orders RENAME COLUMN note TO remark;"),
    ("rename-column", "ALTER TABLE orders CHANGE note remark VARCHAR(20);"),
    ("rename-table", "RENAME TABLE orders TO purchases;"),
    ("drop-column", "ALTER TABLE orders DROP COLUMN note;"),
    ("drop-table", "DROP TABLE orders;"),
]
MYSQL_NEAR_MISSES = [
    ("mysql-table-copy", "ALTER TABLE orders ADD COLUMN flag TINYINT, ALGORITHM=INSTANT;"),
    ("mysql-table-copy", "ALTER TABLE orders MODIFY note VARCHAR(40);"),
    ("mysql-table-copy", "SET foreign_key_checks = 0;\nALTER TABLE orders ADD FOREIGN KEY (owner) REFERENCES u (id);"),
    ("mysql-table-copy", "CREATE TABLE items (sku TEXT);\nALTER TABLE items MODIFY sku INT, ALGORITHM=COPY;"),
    ("mysql-lock-wait-timeout", "SET SESSION lock_wait_timeout = 5;\nALTER TABLE orders ADD COLUMN flag TINYINT;"),
    ("rename-table", "CREATE TABLE scratch (id INT);\nRENAME TABLE scratch TO kept;"),
]


@pytest.mark.parametrize(("rule", "sql"), MYSQL_TRIGGERS)
def test_mysql_rule_triggers(rule: str, sql: str) -> None:
    assert rule in rules(sql, "mysql", MYSQL_EXISTING)


def test_mariadb_widens_a_varchar_past_the_length_prefix_in_place() -> None:
    sql = "ALTER TABLE orders MODIFY note VARCHAR(200);"
    assert "mysql-table-copy" in rules(sql, "mysql", MYSQL_EXISTING)
    assert "mysql-table-copy" not in rules(sql, "mariadb", MYSQL_EXISTING)


@pytest.mark.parametrize(("rule", "sql"), MYSQL_NEAR_MISSES)
def test_mysql_near_miss_does_not_trigger(rule: str, sql: str) -> None:
    assert rule not in rules(sql, "mysql", MYSQL_EXISTING)


def test_finding_names_the_line_of_its_statement() -> None:
    sql = TIMEOUT + "\n-- a comment\nALTER TABLE orders\n  ALTER COLUMN note SET NOT NULL;\n"
    history = [Migration("1", Path("V1.sql"), EXISTING, reported=False), Migration("2", Path("V2.sql"), sql)]
    (finding,) = lint_history(history, "postgres").findings
    assert (finding.rule, finding.file, finding.line, finding.table) == ("set-not-null", "V2.sql", 4, "orders")


@pytest.mark.parametrize(
    "sql",
    [
        "-- migtest: ignore set-not-null\nALTER TABLE orders ALTER COLUMN note SET NOT NULL;",
        "ALTER TABLE orders ALTER COLUMN note SET NOT NULL; -- migtest: ignore set-not-null, lock-timeout",
        "-- backfilled in 0007, so the scan is short\n-- migtest: ignore set-not-null\n"
        "ALTER TABLE orders\n  ALTER COLUMN note SET NOT NULL;",
    ],
)
def test_a_comment_on_or_above_the_statement_suppresses_the_rule(sql: str) -> None:
    assert "set-not-null" not in rules(sql)


def test_a_comment_above_another_statement_suppresses_nothing_here() -> None:
    sql = "-- migtest: ignore set-not-null\nSELECT 1;\nALTER TABLE orders ALTER COLUMN note SET NOT NULL;"
    assert "set-not-null" in rules(sql)


def test_lock_timeout_is_reported_once_per_migration() -> None:
    sql = "ALTER TABLE orders DROP COLUMN note;\nALTER TABLE orders DROP COLUMN price;"
    assert rules(sql).count("lock-timeout") == 1


def test_resetting_lock_timeout_counts_as_unset() -> None:
    assert "lock-timeout" in rules("SET lock_timeout = 0;\nALTER TABLE orders DROP COLUMN note;")


def test_unparseable_sql_is_reported_as_not_linted() -> None:
    outcome = lint_history([Migration("3", Path("V3.sql"), "SELECT 1;\nALTER TABEL orders;")], "postgres")
    (unlinted,) = outcome.unlinted
    assert "line 2" in unlinted.reason
    assert outcome.findings == []


def test_the_readme_table_lists_every_rule_with_its_lock_and_fix() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for rule in RULES.values():
        assert f"| `{rule.id}` | {rule.what} | {rule.lock} | {rule.fix} |" in readme, rule.id
