"""Alembic revisions edited after their release (check `history`): a database upgraded with an
older release ran the old file, and never runs the new one of the same revision id.

The releases are git tags of tests/fixtures/alembic-base: r1 as it is, r2 with 0001 reformatted
(a comment, a docstring reworded, type hints, other line breaks: no edit) and 0002's upgrade()
changed. Versions "1.0" (r1 at 0001), "1.1" (r1 at 0002) and "1.2" (r2): 1.1 -> 1.2 applied the
edited 0002 at 1.1; 1.0 -> 1.2 applied only 0001, so nothing was edited for it; 1.0 -> 1.1 share
one tree."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from integration_support import failed
from test_bookkeeping import ENV_FROM_DATABASE_URL

from migtest.cli import EXIT_OK, EXIT_USAGE

REFORMATTED_0001 = '''
"""Create the users table (reworded, reviewed for 1.2)."""

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | None = None


def upgrade() -> None:
    """The first table."""
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("name", sa.String(50), nullable=False), sa.Column("email", sa.String(100)))


def downgrade() -> None:
    op.drop_table('users')  # as before
'''
EDITED_UPGRADE = """    op.add_column("users", sa.Column("nickname", sa.String(50)))
    op.execute("UPDATE users SET nickname = name WHERE nickname IS NULL")"""
UPGRADE = "upgrade-1.1-to-1.2"
SKIP = "skip-1.0-to-1.2"


def released(
    fixture_project, git_history, checks: dict[str, Any] | None = None, migrations: dict[str, Any] | None = None
) -> Path:
    """The repository of releases r1 and r2 (see the module's docstring); its migtest.yml."""
    old, new = fixture_project("alembic-base"), fixture_project("alembic-base")
    for project in (old, new) if migrations else ():
        project.write("migrations/env.py", ENV_FROM_DATABASE_URL)
        project.configure(migrations=migrations)
    new.write("migrations/versions/0001_create_users.py", REFORMATTED_0001)
    zero_two = new.root / "migrations/versions/0002_add_nickname.py"
    first_line = EDITED_UPGRADE.splitlines()[0]
    zero_two.write_text(zero_two.read_text().replace(first_line, EDITED_UPGRADE))
    for project in (old, new):
        project.write("seeds/1.2.sql", (project.root / "seeds/1.1.sql").read_text())
        project.configure(
            versions=[
                {"name": "1.0", "ref": "r1", "revision": "0001"},
                {"name": "1.1", "ref": "r1", "revision": "0002"},
                {"name": "1.2", "ref": "r2", "revision": "head"},
            ],
            matrix={"fresh": False, "upgrade": "chain", "skip": [["1.0", "1.2"]], "downgrade": "none"},
            checks={**project.settings()["checks"], **(checks or {})},
        )
    return git_history([("r1", old.root), ("r2", new.root)]) / "migtest.yml"


def test_an_edited_upgrade_is_warned_and_a_reformatted_revision_is_not(fixture_project, git_history, run_migtest):
    outcome = run_migtest(released(fixture_project, git_history))

    assert outcome.exit_code == EXIT_OK, outcome.output
    history = outcome.check(UPGRADE, "history")
    assert history["status"] == "warned"
    summary = "1 released migration(s) edited after they were applied (warned: the tool keeps no checksums)"
    assert history["summary"] == summary
    evidence = history["evidence"]
    assert evidence[:3] == [
        "0002: upgrade() changed since 1.1 applied it",
        "  1.1: migrations/versions/0002_add_nickname.py",
        "  1.2: migrations/versions/0002_add_nickname.py",
    ]
    assert "  +    op.execute('UPDATE users SET nickname = name WHERE nickname IS NULL')" in evidence
    assert not any("0001" in line for line in evidence)  # reformatted, commented, annotated: no edit
    skip = outcome.check(SKIP, "history")  # applied 0001 only
    assert (skip["status"], skip["summary"]) == ("passed", "every applied migration is unchanged")
    assert "history" not in {check["name"] for check in outcome.scenario("upgrade-1.0-to-1.1")["checks"]}


def test_commands_naming_their_alembic_files_have_their_revisions_compared(fixture_project, git_history, run_migtest):
    """The project migrates by Alembic's own CLI (`tool: command`); `config` names the files it runs,
    so their revisions are Alembic's: read from alembic_version, and compared as the alembic tool's."""
    alembic = f"{sys.executable} -m alembic -c alembic.ini"
    commands = {"tool": "command", "upgrade": f"{alembic} upgrade {{target}}", "config": "alembic.ini"}
    outcome = run_migtest(released(fixture_project, git_history, migrations=commands))

    assert outcome.exit_code == EXIT_OK, outcome.output
    history = outcome.check(UPGRADE, "history")
    assert history["status"] == "warned"
    assert history["evidence"][0] == "0002: upgrade() changed since 1.1 applied it"
    assert outcome.check(SKIP, "history")["summary"] == "every applied migration is unchanged"
    assert outcome.check(UPGRADE, "migration")["summary"] == "ended at revision 0002"


def test_history_fail_fails_the_upgrade(fixture_project, git_history, run_migtest):
    outcome = run_migtest(released(fixture_project, git_history, {"history": "fail"}))

    history = failed(outcome, UPGRADE, "history")["history"]
    assert history["summary"] == "1 released migration(s) edited after they were applied"
    assert outcome.check(SKIP, "history")["status"] == "passed"


def test_a_declared_edit_passes_and_is_named(fixture_project, git_history, run_migtest):
    accepted = {"revision": "0002", "reason": "1.2 copies names into empty nicknames", "from": "1.1"}
    outcome = run_migtest(released(fixture_project, git_history, {"history": "fail", "accept_edited": [accepted]}))

    assert outcome.exit_code == EXIT_OK, outcome.output
    history = outcome.check(UPGRADE, "history")
    assert history["status"] == "passed"
    assert history["summary"] == "every applied migration is unchanged but 1 accepted edit(s)"
    assert history["evidence"][0] == (
        "accepted by checks.accept_edited[0] (1.2 copies names into empty nicknames): "
        "0002: upgrade() changed since 1.1 applied it"
    )


def test_a_declaration_without_its_edit_fails(fixture_project, git_history, run_migtest):
    """Unscoped, the entry also applies to 1.0 -> 1.2, where 0002 was never applied: stale there."""
    accepted = {"revision": "0002", "reason": "1.2 copies names into empty nicknames"}
    outcome = run_migtest(released(fixture_project, git_history, {"accept_edited": [accepted]}))

    history = failed(outcome, SKIP, "history")["history"]
    assert history["summary"] == "1 accepted edit(s) not made in this scenario: checks.accept_edited[0]"
    assert history["evidence"] == ["checks.accept_edited[0] (0002) accepted, but not edited here"]
    assert outcome.check(UPGRADE, "history")["status"] == "passed"


def test_a_revision_inserted_below_a_released_one_is_named(fixture_project, git_history, run_migtest):
    """r2 puts 0001a between 0001 and 0002 (0002's down_revision rewired): a database 1.1 brought
    to 0002 counts 0001a as applied, and never runs it. r2 adds 0003 too: the warning points at
    the edited 0002, not at the newest file run."""
    old, new = fixture_project("alembic-base"), fixture_project("alembic-base")
    new.revision("0001a", "0001", 'op.execute("SELECT 1")')
    new.revision("0003", "0002", 'op.execute("SELECT 3")')
    zero_two = new.root / "migrations/versions/0002_add_nickname.py"
    zero_two.write_text(zero_two.read_text().replace('down_revision = "0001"', 'down_revision = "0001a"'))
    for project in (old, new):
        project.write("seeds/1.2.sql", (project.root / "seeds/1.1.sql").read_text())
        project.configure(
            versions=[{"name": "1.1", "ref": "r1", "revision": "0002"}, {"name": "1.2", "ref": "r2"}],
            matrix={"fresh": False, "downgrade": "none"},
        )
    outcome = run_migtest(git_history([("r1", old.root), ("r2", new.root)]) / "migtest.yml")

    assert outcome.exit_code == EXIT_OK, outcome.output
    history = outcome.check(UPGRADE, "history")
    summary = "1 released migration(s) edited after they were applied, 1 inserted below applied ones (never run there)"
    assert history["summary"] == f"{summary} (warned: the tool keeps no checksums)"
    assert history["evidence"][0] == "0002: module level changed since 1.1 applied it"
    assert "  +down_revision = '0001a'" in history["evidence"]
    assert history["evidence"][-2:] == [
        "0001a: inserted below what 1.1 applied: never runs on a database 1.1 brought there",
        "  1.2: migrations/versions/0001a.py",
    ]
    assert history["location"] == {"path": "migrations/versions/0002_add_nickname.py", "line": None}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"reason": "harmless"}, "key 'checks.accept_edited[0]': missing key 'revision'"),
        ({"revision": "0002"}, "key 'checks.accept_edited[0]': missing key 'reason'"),
        ({"revision": "0002", "reason": "x", "revisions": ["0001"]}, "key 'checks.accept_edited[0].revisions'"),
        ({"revision": "0002", "reason": "x", "from": "1.9"}, "key 'checks.accept_edited[0].from'"),
    ],
)
def test_bad_declarations_name_their_key(fixture_project, git_history, run_migtest, entry, message):
    outcome = run_migtest(released(fixture_project, git_history, {"accept_edited": [entry]}))

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert message in outcome.output
    assert "Traceback" not in outcome.output
