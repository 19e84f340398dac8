"""The `sql` migrator (Flyway and golang-migrate layouts) and `checks.sql` assertions, on every engine.

Most tests copy tests/fixtures/flyway-base (1.0 = V1 creates `users`, 1.1 = V2 adds
`users.nickname`, with its undo file U2) and add or edit one file; the fixtures' SQL is portable,
so each check fails the same way on SQLite, PostgreSQL and MariaDB. What a file failing halfway
leaves behind differs per engine: tests/integration/test_server_engines.py.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from integration_support import failed

from migtest.cli import EXIT_OK

pytestmark = pytest.mark.engines


def test_golang_migrate_layout_passes_up_and_down(fixture_project, run_migtest):
    outcome = run_migtest(fixture_project("golang-migrate").config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.results["totals"] == {"passed": 7, "failed": 0, "skipped": 0}
    for scenario in outcome.results["scenarios"]:
        assert {c["status"] for c in scenario["checks"]} == {"passed"}, scenario
    assert outcome.check("downgrade-3-to-2", "downgrade")["summary"] == "equals a fresh install of 2 (1 tables)"
    assert outcome.check("downgrade-2-to-1", "migration")["summary"] == "ended at revision 1"


def test_missing_undo_file_skips_that_downgrade(fixture_project, run_migtest):
    project = fixture_project("flyway-base")
    project.write("migrations/V3__index_emails.sql", "CREATE INDEX ix_users_email ON users (email);")
    project.add_version("2.0", "3")
    outcome = run_migtest(project.config, "--only", "downgrade")

    assert outcome.exit_code == EXIT_OK, outcome.output
    skipped = outcome.scenario("downgrade-2.0-to-1.1")
    assert skipped["status"] == "skipped"
    assert skipped["checks"] == [
        {
            "name": "downgrade",
            "status": "skipped",
            "summary": "cannot downgrade: no undo file for version 3",
            "evidence": [],
            "location": None,
        }
    ]
    assert outcome.scenario("downgrade-1.1-to-1.0")["status"] == "passed"


RELEASED_V2 = "ALTER TABLE users ADD COLUMN nickname VARCHAR(50);\n"  # as in flyway-base
UPGRADE_1_0 = "upgrade-1.0-to-1.1"


def released_then_edited(fixture_project, git_history, edited_v2: str) -> tuple[Path, str]:
    """flyway-base tagged v1.0, then V2 edited and V3 added, tagged v1.1; versions name the tags.

    Returns the repository and the line the history check should give about V2."""
    released = fixture_project("flyway-base")
    assert (released.root / "migrations/V2__add_nickname.sql").read_text() == RELEASED_V2
    edited = fixture_project("flyway-base")
    edited.write("migrations/V2__add_nickname.sql", edited_v2)
    edited.write("migrations/V3__index_emails.sql", "CREATE INDEX ix_users_email ON users (email);")
    edited.configure(
        versions=[{"name": "1.0", "ref": "v1.0"}, {"name": "1.1", "ref": "v1.1"}],
        matrix={"fresh": False, "downgrade": "none"},
    )
    repo = git_history([("v1.0", released.root), ("v1.1", edited.root)])
    before, now = (hashlib.sha256(text.encode()).hexdigest()[:12] for text in (RELEASED_V2, edited_v2))
    return repo, f"V2__add_nickname.sql: checksum {before} when applied, {now} now"


def test_released_file_edited_later_fails_history_and_schema(fixture_project, git_history, run_migtest):
    repo, edited = released_then_edited(fixture_project, git_history, RELEASED_V2.replace("50", "80"))
    outcome = run_migtest(repo / "migtest.yml")

    checks = failed(outcome, UPGRADE_1_0, "history", "schema")
    assert checks["schema"]["evidence"] == [
        "table 'users': column 'nickname' type: 'VARCHAR(50)' after migrating, 'VARCHAR(80)' fresh"
    ]
    history = checks["history"]
    assert history["summary"] == "1 released migration(s) edited after they were applied"
    assert history["evidence"] == [edited]
    assert checks["migration"]["summary"] == "ended at revision 3"
    # drift cannot be pinned on one file: it points at the newest one run, as a path in the repository;
    # the history check at the file edited since its release
    assert checks["schema"]["location"] == {"path": "migrations/V3__index_emails.sql", "line": None}
    assert checks["history"]["location"] == {"path": "migrations/V2__add_nickname.sql", "line": None}


def test_released_file_edited_without_schema_change_fails_history(fixture_project, git_history, run_migtest):
    # A backfill added to V2 after release: databases already past V2 never get it.
    backfilled = RELEASED_V2 + "UPDATE users SET nickname = name;\n"
    repo, edited = released_then_edited(fixture_project, git_history, backfilled)
    outcome = run_migtest(repo / "migtest.yml")

    assert failed(outcome, UPGRADE_1_0, "history")["history"]["evidence"] == [edited]


def test_failing_sql_assertion_names_it_with_expected_and_actual_rows(fixture_project, run_migtest):
    project = fixture_project("flyway-base")
    query = "SELECT count(*) FROM users WHERE nickname IS NULL"
    project.configure(checks={"sql": [{"name": "every user has a nickname", "query": query, "expect": [[0]]}]})
    outcome = run_migtest(project.config, "--only", UPGRADE_1_0)

    # V2 adds the column but forgets to fill it for the two users 1.0 already had
    check = failed(outcome, UPGRADE_1_0, "sql: every user has a nickname")["sql: every user has a nickname"]
    assert check["summary"] == "expected [[0]], got [[2]]"
    assert check["evidence"] == [query]


def test_failing_statement_is_located_by_file_and_line(fixture_project, run_migtest):
    project = fixture_project("flyway-base")
    project.write(
        "migrations/V3__add_age.sql",
        "-- ages, from the birth year\nALTER TABLE users ADD COLUMN age INTEGER;\n\n"
        "UPDATE users\n  SET age = 2024 - birth_year;\n",
    )
    project.add_version("2.0", "3")
    outcome = run_migtest(project.config, "--only", "upgrade-1.1-to-2.0")

    migration = failed(outcome, "upgrade-1.1-to-2.0", "migration")["migration"]
    assert migration["summary"].startswith("V3__add_age.sql: statement 2 of 2 failed:")
    assert migration["location"] == {"path": "migrations/V3__add_age.sql", "line": 4}


def test_missing_down_file_is_named_as_such_when_the_layout_is_detected(fixture_project, run_migtest):
    project = fixture_project("golang-migrate")
    project.configure(migrations={"tool": "sql", "dir": "migrations"})  # layout detected from the names
    (project.root / "migrations/3_create_stock.down.sql").unlink()
    outcome = run_migtest(project.config, "--only", "downgrade-3-to-2")

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check("downgrade-3-to-2", "downgrade")["summary"] == "cannot downgrade: no down file for version 3"
