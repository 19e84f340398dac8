"""`verify.command`: the release before the newest runs the user's own command, from its own tree
and environment, on the database an upgrade to the newest migrated (check `previous-release`, as
`verify.previous_release` says); with `verify.target` the migrated-to release runs it too
(check `verify-command`). The releases here are git tags, so each runs its own code."""

from __future__ import annotations

import sys

import pytest
from integration_support import FixtureProject, driver_error, failed, statuses

from migtest.cli import EXIT_OK

REPORT = """
import os, sys
import sqlalchemy as sa

with sa.create_engine(sys.argv[1]).connect() as connection:
    rows = connection.execute(sa.text("SELECT {columns} FROM users ORDER BY id")).all()
print(f"{{os.environ['MIGTEST_VERSION']}}: {{len(rows)}} user(s)")
"""
COMMAND = f"{sys.executable} report.py {{database_url}}"
DROP_NICKNAME = """
with op.batch_alter_table("users") as batch:
    batch.drop_column("nickname")
"""
ADD_BIO = 'op.add_column("users", sa.Column("bio", sa.String(200)))'
UPGRADE = "upgrade-1.1-to-2.0"


def released(fixture_project, git_history, upgrade_0003: str, report_2_0: str) -> FixtureProject:
    """1.1 is tag v1.1 (its report.py reads users.nickname); 2.0 is the working tree: revision
    0003 (`upgrade_0003`) and a report.py reading `report_2_0`."""
    v1_1 = fixture_project("alembic-base")
    v1_1.write("report.py", REPORT.format(columns="id, name, nickname"))
    repo = FixtureProject(git_history([("v1.1", v1_1.root)]))
    repo.revision("0003", "0002", upgrade_0003)
    repo.write("report.py", REPORT.format(columns=report_2_0))
    repo.write("seeds/2.0.sql", "INSERT INTO users (id, name, email) VALUES (4, 'Dee', 'dee@example.com');")
    repo.configure(
        versions=[{"name": "1.1", "ref": "v1.1", "revision": "0002"}, {"name": "2.0", "revision": "0003"}],
        matrix={"downgrade": "none"},
        verify={"command": COMMAND},
    )
    return repo


@pytest.mark.engines
def test_previous_release_command_fails_on_a_dropped_column_and_warns_when_asked(
    fixture_project, git_history, run_migtest
):
    project = released(fixture_project, git_history, DROP_NICKNAME, "id, name")
    project.configure(checks={**project.settings()["checks"], "allow_changes": {"users": ["nickname"]}})

    outcome = run_migtest(project.config)

    checks = failed(outcome, UPGRADE, "previous-release")
    previous = checks["previous-release"]
    assert previous["summary"] == "1.1 against the migrated database: verify.command: exited with code 1"
    evidence = previous["evidence"][0]
    assert evidence.startswith("command: verify.command: exited with code 1\n")
    assert driver_error(evidence).startswith("sqlalchemy.exc.")
    assert "nickname" in driver_error(evidence)
    assert "previous release 1.1: verify.command" in [phase["name"] for phase in outcome.scenario(UPGRADE)["phases"]]
    assert "previous-release" not in statuses(outcome, "fresh-2.0"), "only upgrades to the newest run it"

    project.configure(verify={"command": COMMAND, "previous_release": "warn"})
    warned = run_migtest(project.config)

    assert warned.exit_code == EXIT_OK, warned.output
    assert warned.check(UPGRADE, "previous-release")["status"] == "warned"
    assert "### Warnings" in (warned.report_dir / "summary.md").read_text()

    project.configure(verify={"command": COMMAND, "previous_release": "off"})
    off = run_migtest(project.config)
    assert off.exit_code == EXIT_OK and "previous-release" not in statuses(off, UPGRADE)


def test_previous_release_command_passes_on_a_compatible_schema_with_its_output(
    fixture_project, git_history, run_migtest
):
    project = released(fixture_project, git_history, ADD_BIO, "id, name, bio")

    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    previous = outcome.check(UPGRADE, "previous-release")
    assert previous["summary"] == "1.1 runs verify.command on the migrated database without an error"
    assert previous["evidence"] == ["1.1: 3 user(s)"], "run as 1.1 on the migrated database, 1.1's rows"


def test_target_runs_the_command_after_each_migration(fixture_project, git_history, run_migtest):
    project = released(fixture_project, git_history, ADD_BIO, "id, name, email2")
    project.configure(verify={"command": COMMAND, "target": True})

    outcome = run_migtest(project.config)

    checks = failed(outcome, UPGRADE, "verify-command")
    assert checks["verify-command"]["summary"] == "2.0 on the migrated database: verify.command: exited with code 1"
    assert "email2" in driver_error(checks["verify-command"]["evidence"][0])
    assert checks["previous-release"]["status"] == "passed"
    assert outcome.failed_checks("fresh-2.0") == {"verify-command"}
    fresh = outcome.check("fresh-1.1", "verify-command")
    assert (fresh["status"], fresh["evidence"]) == ("passed", ["1.1: 3 user(s)"])


def test_verify_keys_are_checked(fixture_project, run_migtest):
    project = fixture_project("alembic-base")
    project.configure(verify={"target": True})
    outcome = run_migtest(project.config)
    assert outcome.exit_code == 2
    assert f"{project.config}:" in outcome.output
    assert "key 'verify.target': needs 'command'" in outcome.output

    project.configure(
        verify={"command": "true", "previous_release": "warn"},
        app={"previous_release": "off", "health": "http://{host}:{port}/"},
    )
    outcome = run_migtest(project.config)
    assert outcome.exit_code == 2
    assert "key 'verify.previous_release': app.previous_release says this too; keep one of them" in outcome.output
