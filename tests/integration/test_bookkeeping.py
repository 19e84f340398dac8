"""Bookkeeping is not data: the history tables migration tools keep (alembic_version,
django_migrations, ...) are known for every migrator, `migrations.table` names more, and none of
them is compared as data; the passing `rows` evidence and the console say which were left out.

Without that, a project whose own command runs its tool fails `rows` on every upgrade (Alembic's
one row changes its key) or every rollback (Django deletes the rolled-back migration's row)."""

from __future__ import annotations

import sys

import pytest
from integration_support import run_by_this_python, statuses

from migtest.cli import EXIT_OK

pytestmark = pytest.mark.engines

ALEMBIC_CLI = f"{sys.executable} -m alembic"
ENV_FROM_DATABASE_URL = '''
"""Alembic run by its own CLI: the database is the one named by DATABASE_URL."""

import os

from alembic import context
from sqlalchemy import create_engine, pool

engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
'''
PASSING = ["migration", "schema", "rows", "content", "idempotent"]


def test_alembic_run_by_its_cli_through_command_keeps_every_row(fixture_project, run_migtest):
    project = fixture_project("alembic-base")
    project.write("migrations/env.py", ENV_FROM_DATABASE_URL)
    project.configure(
        migrations={
            "tool": "command",
            "upgrade": f"{ALEMBIC_CLI} upgrade {{target}}",
            "downgrade": f"{ALEMBIC_CLI} downgrade {{target}}",
        },
        checks=None,
    )
    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert statuses(outcome, "upgrade-1.0-to-1.1") == dict.fromkeys(PASSING, "passed")
    rows = outcome.check("upgrade-1.0-to-1.1", "rows")
    assert rows["summary"] == "all 3 row(s) kept"
    assert rows["evidence"] == ["bookkeeping, not compared as data: alembic_version"]
    assert outcome.scenario("downgrade-1.1-to-1.0")["status"] == "passed"
    capture = next(p for p in outcome.scenario("upgrade-1.0-to-1.1")["phases"] if p["name"] == "capture before")
    assert capture["detail"] == "bookkeeping, not compared as data: alembic_version"
    assert "capture before" in outcome.output
    assert "bookkeeping, not compared as data: alembic_version" in outcome.output


def test_django_migrations_rows_deleted_by_a_rollback_are_not_lost_data(fixture_project, run_migtest):
    project = fixture_project("django-like")
    run_by_this_python(project)
    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.results["totals"] == {"passed": 4, "failed": 0, "skipped": 0}
    rows = outcome.check("downgrade-1.1-to-1.0", "rows")
    assert rows["status"] == "passed"
    assert rows["evidence"] == ["bookkeeping, not compared as data: django_migrations"]
    assert outcome.check("downgrade-1.1-to-1.0", "migration")["summary"] == "ended at revision 0001_initial"


def test_history_and_lock_tables_named_in_a_list_are_bookkeeping(fixture_project, run_migtest):
    # The app keeps its history in app_history and counts its runs in app_lock: unknown names,
    # so they are data until migrations.table names them.
    project = fixture_project("django-like")
    run_by_this_python(project, "--table app_history --lock app_lock")
    unnamed = run_migtest(project.config)

    assert unnamed.exit_code == 1
    assert unnamed.failed_checks("upgrade-1.0-to-1.1") == {"content", "idempotent"}
    assert "table 'app_lock': id=1: runs 1 -> 2" in unnamed.check("upgrade-1.0-to-1.1", "content")["evidence"]
    assert unnamed.failed_checks("downgrade-1.1-to-1.0") == {"rows", "content"}

    project.configure(migrations={**project.settings()["migrations"], "table": ["app_history", "app_lock"]})
    named = run_migtest(project.config)

    assert named.exit_code == EXIT_OK, named.output
    assert statuses(named, "upgrade-1.0-to-1.1") == dict.fromkeys(PASSING, "passed")
    evidence = named.check("downgrade-1.1-to-1.0", "rows")["evidence"]
    assert evidence == ["bookkeeping, not compared as data: app_history, app_lock"]
