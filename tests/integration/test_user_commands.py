"""The user's commands that apply to every tool: `migrations.install` (a fresh install that is not
"upgrade from empty") and `migrations.current` (how the revision is read, overriding the tool's way)."""

from __future__ import annotations

import sys

import pytest
from integration_support import failed, run_by_this_python

from migtest.cli import EXIT_OK

REVISION_OF_RELEASE = '''
"""Prints the release a database is at, the way an app's `version` command would (last line)."""

import os

import sqlalchemy as sa

QUERIES = {{
    "alembic": "SELECT version_num FROM alembic_version",
    "sql": "SELECT max(version) FROM migtest_schema_history",
}}
with sa.create_engine(os.environ["DATABASE_URL"]).connect() as db:
    print("connected")
    print({releases}[db.exec_driver_sql(QUERIES["{tool}"]).scalar()])
'''


def test_install_command_makes_the_fresh_install_an_upgrade_cannot(fixture_project, run_migtest):
    project = fixture_project("django-like")
    run_by_this_python(project, "--require-init")
    upgrade_only = run_migtest(project.config, "--only", "upgrade-1.0-to-1.1")

    install = failed(upgrade_only, "upgrade-1.0-to-1.1", "install")["install"]
    assert install["summary"] == "fresh install of 1.0 failed: upgrade command: exited with code 1"
    assert "the database is not initialised, run 'app.py init' first" in install["evidence"][0]

    settings = project.settings()["migrations"]
    project.configure(migrations={**settings, "install": f"{sys.executable} app.py init {{target}}"})
    for reuse in ([], ["--no-reuse"]):
        outcome = run_migtest(project.config, *reuse)

        assert outcome.exit_code == EXIT_OK, outcome.output
        assert outcome.results["totals"] == {"passed": 4, "failed": 0, "skipped": 0}
        assert outcome.check("upgrade-1.0-to-1.1", "migration")["summary"] == "ended at revision 0002_title"
        assert outcome.check("fresh-1.0", "migration")["summary"] == "ended at revision 0001_initial"


@pytest.mark.parametrize(
    ("fixture", "tool", "releases"),
    [
        ("alembic-base", "alembic", {"0001": "release 1.0", "0002": "release 1.1"}),
        ("flyway-base", "sql", {"1": "release 1.0", "2": "release 1.1"}),
    ],
)
def test_current_command_reads_the_revision_of_any_tool(fixture_project, run_migtest, fixture, tool, releases):
    project = fixture_project(fixture)
    project.write("release.py", REVISION_OF_RELEASE.format(tool=tool, releases=releases))
    settings = project.settings()
    project.configure(
        migrations={**settings["migrations"], "current": f"{sys.executable} release.py"},
        matrix={"downgrade": "none"},  # a rollback aims at the revision read, which only the app knows here
    )
    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check("upgrade-1.0-to-1.1", "migration")["summary"] == "ended at revision release 1.1"
    assert outcome.check("fresh-1.0", "migration")["summary"] == "ended at revision release 1.0"
