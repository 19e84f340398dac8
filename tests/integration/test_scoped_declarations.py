"""Declarations scoped to the scenarios they concern (migtest/config/scope.py), with real Alembic runs.

`checks.accept_schema` accepts one known schema difference where its scope says, counts it in the
passing evidence, and fails when it no longer occurs there; `checks.sql` assertions run only in
the scenarios their scope names. Revision 0003 (released as 2.0) indexes `users.name` only on a
database that holds rows, so upgraded databases have an index a fresh install lacks.
"""

from __future__ import annotations

import pytest
from integration_support import failed, statuses

from migtest.cli import EXIT_OK

pytestmark = pytest.mark.engines

UPGRADE = "upgrade-1.1-to-2.0"
DOWNGRADE = "downgrade-2.0-to-1.1"
INDEX_ONLY_WHEN_UPGRADING = """
if op.get_bind().execute(sa.text("SELECT count(*) FROM users")).scalar() > 0:
    op.create_index("ix_users_name", "users", ["name"])
"""
EXTRA_INDEX = "table 'users': index 'ix_users_name' (name) present after migrating, not in a fresh install"


def release(fixture_project, upgrade: str, downgrade: str = "pass", **checks):
    project = fixture_project("alembic-base")
    project.revision("0003", "0002", upgrade, downgrade)
    project.add_version("2.0", "0003")
    project.configure(checks={"idempotent": False, **checks})
    return project


def test_accepted_difference_passes_schema_counted_in_its_evidence(fixture_project, run_migtest):
    accept = [{"table": "users", "difference": "index 'ix_users_name' *", "kinds": ["upgrade"], "reason": "1.x data"}]
    project = release(fixture_project, INDEX_ONLY_WHEN_UPGRADING, accept_schema=accept)
    outcome = run_migtest(project.config, "--only", UPGRADE)

    assert outcome.exit_code == EXIT_OK, outcome.output
    schema = outcome.check(UPGRADE, "schema")
    assert schema["summary"] == "equals a fresh install of 2.0 (1 tables), 1 accepted difference(s)"
    assert schema["evidence"] == [f"accepted by checks.accept_schema[0] (1.x data): {EXTRA_INDEX}"]


def test_accepted_difference_that_no_longer_occurs_fails_schema_naming_the_entry(fixture_project, run_migtest):
    accept = [
        {"table": "users", "difference": EXTRA_INDEX},  # the whole evidence line works too
        {"table": "users", "difference": "index 'ix_users_email'*", "to": ["2.0"]},  # fixed since
        {"table": "users", "difference": "column 'age'*", "from": ["1.0"]},  # another scenario's
    ]
    project = release(fixture_project, INDEX_ONLY_WHEN_UPGRADING, accept_schema=accept)
    outcome = run_migtest(project.config, "--only", UPGRADE)

    schema = failed(outcome, UPGRADE, "schema")["schema"]
    assert schema["summary"] == (
        "1 accepted difference(s) no longer occur: checks.accept_schema[1], 1 accepted difference(s)"
    )
    assert schema["evidence"] == [
        "checks.accept_schema[1] (table 'users': index 'ix_users_email'*) accepted, but no longer occurs",
        f"accepted by checks.accept_schema[0]: {EXTRA_INDEX}",
    ]


def test_downgrade_accepts_a_difference_scoped_to_downgrades_only(fixture_project, run_migtest):
    accept = [{"table": "users", "difference": "index 'ix_users_name'*", "kinds": ["downgrade"]}]
    project = release(fixture_project, 'op.create_index("ix_users_name", "users", ["name"])', accept_schema=accept)
    outcome = run_migtest(project.config, "--only", DOWNGRADE, "--only", UPGRADE)

    assert outcome.exit_code == EXIT_OK, outcome.output
    downgrade = outcome.check(DOWNGRADE, "downgrade")
    assert downgrade["summary"] == "equals a fresh install of 1.1 (1 tables), 1 accepted difference(s)"
    assert downgrade["evidence"] == [f"accepted by checks.accept_schema[0]: {EXTRA_INDEX}"]
    assert outcome.check(UPGRADE, "schema")["evidence"] == []  # not in its scope: neither used nor required


def test_difference_accepted_on_sqlite_only_is_neither_used_nor_required_on_other_engines(
    fixture_project, run_migtest, database_config
):
    """One file for every engine: a difference only SQLite shows is accepted there and ignored elsewhere."""
    sqlite_only = INDEX_ONLY_WHEN_UPGRADING.replace("> 0:", '> 0 and op.get_bind().dialect.name == "sqlite":')
    accept = [{"table": "users", "difference": "index 'ix_users_name' *", "engines": ["sqlite"], "reason": "SQLite"}]
    project = release(fixture_project, sqlite_only, accept_schema=accept)
    outcome = run_migtest(project.config, "--only", UPGRADE)

    assert outcome.exit_code == EXIT_OK, outcome.output
    schema = outcome.check(UPGRADE, "schema")
    if database_config is None:  # SQLite
        assert schema["summary"] == "equals a fresh install of 2.0 (1 tables), 1 accepted difference(s)"
        assert schema["evidence"] == [f"accepted by checks.accept_schema[0] (SQLite): {EXTRA_INDEX}"]
    else:
        assert schema["summary"] == "equals a fresh install of 2.0 (1 tables)"
        assert schema["evidence"] == []


BACKFILL = 'op.execute("UPDATE users SET nickname = name WHERE nickname IS NULL")'


def test_sql_assertions_run_only_in_the_scenarios_of_their_scope(fixture_project, run_migtest):
    backfilled = "SELECT count(*) FROM users WHERE nickname = 'Bob'"
    project = release(
        fixture_project,
        BACKFILL,
        allow_changes={"users": ["nickname"]},
        sql=[
            {"name": "Bob backfilled", "query": backfilled, "expect": [[1]], "kinds": ["upgrade"], "from": ["1.1"]},
            {"name": "upgrades to 2.0", "query": backfilled, "expect": [[1]], "scenarios": ["upgrade-*-to-2.0"]},
            {"name": "fresh only", "query": "SELECT count(*) FROM users", "expect": [[0]], "kinds": ["fresh"]},
        ],
    )
    outcome = run_migtest(project.config, "--only", "fresh-2.0", "--only", UPGRADE, "--only", DOWNGRADE)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert statuses(outcome, "fresh-2.0") == {"migration": "passed", "sql: fresh only": "passed"}
    upgrade = {name: status for name, status in statuses(outcome, UPGRADE).items() if name.startswith("sql: ")}
    assert upgrade == {"sql: Bob backfilled": "passed", "sql: upgrades to 2.0": "passed"}
    assert not [name for name in statuses(outcome, DOWNGRADE) if name.startswith("sql: ")]
