"""Each check catches the fault it is for, with real Alembic revisions run on every engine.

The tests copy tests/fixtures/alembic-base (release 1.0 = revision 0001 creates `users`, 1.1 =
0002 adds `users.nickname`), add one faulty revision 0003 released as 2.0, run the scenario that
exercises it, and assert the exit code, exactly which checks failed and the evidence they gave.
Where that evidence is the database's own error, the driver's wording differs per engine: the
tests assert what is the same on all of them, the failing statement and what it names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from integration_support import driver_error, failed, statuses

from migtest.cli import EXIT_OK

pytestmark = pytest.mark.engines

UPGRADE = "upgrade-1.1-to-2.0"
DOWNGRADE = "downgrade-2.0-to-1.1"


@pytest.fixture
def release_2_0(fixture_project) -> Callable[..., Any]:
    """alembic-base plus revision 0003 (the given upgrade/downgrade bodies) released as 2.0.

    The second run of each upgrade is switched off unless asked for: it is an Alembic no-op and
    costs one more Alembic process.
    """

    def build(upgrade: str, downgrade: str = "pass", *, seed: str = "", **checks: Any):
        project = fixture_project("alembic-base")
        project.revision("0003", "0002", upgrade, downgrade)
        project.add_version("2.0", "0003", seed)
        project.configure(checks={**project.settings()["checks"], "idempotent": False, **checks})
        return project

    return build


def test_correct_project_passes_every_check(fixture_project, run_migtest):
    outcome = run_migtest(fixture_project("alembic-base").config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.results["totals"] == {"passed": 4, "failed": 0, "skipped": 0}
    sql = "sql: every user has a name"
    upgrade = ["migration", "schema", "rows", "content", "idempotent", sql]
    assert statuses(outcome, "upgrade-1.0-to-1.1") == dict.fromkeys(upgrade, "passed")
    downgrade = ["migration", "downgrade", "rows", "content", sql]
    assert statuses(outcome, "downgrade-1.1-to-1.0") == dict.fromkeys(downgrade, "passed")
    for fresh in ("fresh-1.0", "fresh-1.1"):
        assert statuses(outcome, fresh) == {"migration": "passed", sql: "passed"}
    assert outcome.check("downgrade-1.1-to-1.0", "migration")["summary"] == "ended at revision 0001"


DROP_NICKNAME = """
with op.batch_alter_table("users") as batch:
    batch.drop_column("nickname")
"""


def test_dropping_a_column_that_holds_data_fails_content(release_2_0, run_migtest):
    project = release_2_0(DROP_NICKNAME)
    outcome = run_migtest(project.config, "--only", UPGRADE)

    content = failed(outcome, UPGRADE, "content")["content"]
    assert content["summary"] == "1 change(s) to existing data"
    # seeds/1.1.sql gives users 1 and 3 a nickname, user 2 none
    assert content["evidence"] == ["table 'users': column 'nickname' dropped while 2 row(s) held a value in it"]
    # annotated at the line that dropped it (named, with the deed, in the newest file the scenario ran)
    revision = (project.root / "migrations/versions/0003.py").read_text().splitlines()
    dropped = next(number for number, line in enumerate(revision, 1) if 'drop_column("nickname")' in line)
    assert content["location"] == {"path": "migrations/versions/0003.py", "line": dropped}
    assert outcome.check(UPGRADE, "schema")["status"] == "passed"


def test_allow_changes_accepts_the_dropped_column(release_2_0, run_migtest):
    project = release_2_0(DROP_NICKNAME, allow_changes={"users": ["nickname"]})
    outcome = run_migtest(project.config, "--only", UPGRADE)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check(UPGRADE, "content")["status"] == "passed"


def test_deduplication_that_deletes_distinct_rows_fails_rows(release_2_0, run_migtest):
    # "Merge duplicate accounts, keeping the oldest": GROUP BY email puts every user without an
    # e-mail address in one group, so all of them but the first are deleted.
    project = release_2_0('op.execute("DELETE FROM users WHERE id NOT IN (SELECT min(id) FROM users GROUP BY email)")')
    project.write(
        "seeds/1.1.sql",
        """
        INSERT INTO users (id, name, email) VALUES
            (1, 'Ada', 'ada@example.com'), (2, 'Bob', NULL), (3, 'Cyd', NULL), (4, 'Dee', 'dee@example.com'),
            (5, 'Eve', NULL);
        """,
    )
    outcome = run_migtest(project.config, "--only", UPGRADE)

    rows = failed(outcome, UPGRADE, "rows")["rows"]
    assert rows["summary"] == "rows lost in 1 table(s)"
    assert rows["evidence"] == ["table 'users': 2 of 5 row(s) lost: id=3, id=5"]


def test_data_migration_that_changes_kept_values_fails_content(release_2_0, run_migtest):
    # Meant to lower-case e-mail addresses (allowed to change); a copy-paste lower-cases names too.
    project = release_2_0(
        'op.execute("UPDATE users SET email = lower(email), name = lower(name)")',
        allow_changes={"users": ["email"]},
    )
    project.write(
        "seeds/1.1.sql",
        """
        INSERT INTO users (id, name, email) VALUES
            (1, 'ada', 'Ada@Example.com'), (2, 'Bob', 'bob@example.com'), (3, 'Cyd', NULL);
        """,
    )
    outcome = run_migtest(project.config, "--only", UPGRADE)

    content = failed(outcome, UPGRADE, "content")["content"]
    assert content["summary"] == "2 change(s) to existing data"
    assert content["evidence"] == [
        "table 'users': id=2: name 'Bob' -> 'bob'",
        "table 'users': id=3: name 'Cyd' -> 'cyd'",
        "1 changed as allowed by allow_changes: users.email",  # what was let pass is said too
    ]


ADD_AGE_AND_INDEX = """
op.add_column("users", sa.Column("age", sa.Integer))
op.create_index("ix_users_email", "users", ["email"])
"""


@pytest.mark.parametrize(
    ("downgrade", "difference"),
    [
        pytest.param(
            'with op.batch_alter_table("users") as batch:\n    batch.drop_column("age")',
            "table 'users': index 'ix_users_email' (email) present after migrating, not in a fresh install",
            id="forgets-index",
        ),
        pytest.param(
            'op.drop_index("ix_users_email", "users")',
            "table 'users': column 'age' present after migrating, not in a fresh install",
            id="forgets-column",
        ),
    ],
)
def test_downgrade_that_leaves_schema_behind_fails_downgrade(release_2_0, run_migtest, downgrade, difference):
    seed = "INSERT INTO users (id, name, nickname, age) VALUES (1, 'Ada', 'countess', 36);"
    outcome = run_migtest(release_2_0(ADD_AGE_AND_INDEX, downgrade, seed=seed).config, "--only", DOWNGRADE)

    check = failed(outcome, DOWNGRADE, "downgrade")["downgrade"]
    assert check["summary"] == "1 difference(s) in 1 table(s) from a fresh install of 1.1"
    assert check["evidence"] == [difference]
    # dropping `age` (absent from 1.1) with its value is what a downgrade is for
    assert outcome.check(DOWNGRADE, "content")["status"] == "passed"


def test_migration_with_invalid_sql_fails_migration_and_skips_the_rest(release_2_0, run_migtest):
    upgrade = """
    op.add_column("users", sa.Column("age", sa.Integer))
    op.execute("UPDATE users SET age = 2024 - birth_year")
    """
    project = release_2_0(upgrade, idempotent=True)
    outcome = run_migtest(project.config, "--only", "fresh-2.0", "--only", UPGRADE)

    revision = (project.root / "migrations/versions/0003.py").read_text().splitlines()
    failing_line = next(number for number, line in enumerate(revision, 1) if "op.execute" in line)
    for scenario in ("fresh-2.0", UPGRADE):
        migration = failed(outcome, scenario, "migration")["migration"]
        assert migration["location"] == {"path": "migrations/versions/0003.py", "line": failing_line}
        assert migration["summary"] == "alembic upgrade 0003: exited with code 1"
        assert "[SQL: UPDATE users SET age = 2024 - birth_year]" in migration["evidence"][0]
        assert "birth_year" in driver_error(migration["evidence"][0])
    assert statuses(outcome, UPGRADE) == {
        "migration": "failed",
        **dict.fromkeys(["schema", "rows", "content", "idempotent", "sql: every user has a name"], "skipped"),
    }
    assert outcome.check(UPGRADE, "schema")["summary"] == "not run: the migration did not complete"


def test_migration_that_fails_only_on_real_data_fails_migration(release_2_0, run_migtest):
    # Installs fine on an empty database; 1.1's data has a duplicate e-mail address.
    upgrade = """
    op.add_column("users", sa.Column("verified", sa.Boolean))
    op.create_index("ix_users_email", "users", ["email"], unique=True)
    """
    project = release_2_0(upgrade)
    project.write(
        "seeds/1.1.sql", "INSERT INTO users (id, name, email) VALUES (1, 'Ada', 'a@x.io'), (2, 'Al', 'a@x.io');"
    )
    outcome = run_migtest(project.config, "--only", UPGRADE)

    migration = failed(outcome, UPGRADE, "migration")["migration"]
    assert "[SQL: CREATE UNIQUE INDEX ix_users_email ON users (email)]" in migration["evidence"][0]
    error = driver_error(migration["evidence"][0])
    assert error.startswith("sqlalchemy.exc.IntegrityError") and "email" in error
    assert statuses(outcome, UPGRADE) == {
        "migration": "failed",
        **dict.fromkeys(["schema", "rows", "content", "sql: every user has a name"], "skipped"),
    }


def test_released_revision_edited_later_fails_schema(fixture_project, git_history, run_migtest):
    released = fixture_project("alembic-base")  # v1.0: 0002 adds nickname VARCHAR(50)
    edited = fixture_project("alembic-base")  # v1.1: 0002 edited afterwards, and a new 0003
    edited.revision(
        "0002",
        "0001",
        """
        op.add_column("users", sa.Column("nickname", sa.String(80)))
        op.create_index("ix_users_nickname", "users", ["nickname"])
        """,
    )
    (edited.root / "migrations/versions/0002_add_nickname.py").unlink()
    edited.revision("0003", "0002", 'op.create_index("ix_users_email", "users", ["email"])')
    edited.configure(
        versions=[{"name": "1.0", "ref": "v1.0"}, {"name": "1.1", "ref": "v1.1"}],
        matrix={"fresh": False, "downgrade": "none"},
        checks={"idempotent": False},
    )
    repo = git_history([("v1.0", released.root), ("v1.1", edited.root)])
    outcome = run_migtest(repo / "migtest.yml")

    scenario = "upgrade-1.0-to-1.1"
    schema = failed(outcome, scenario, "schema")["schema"]
    assert schema["summary"] == "2 difference(s) in 1 table(s) from a fresh install of 1.1"
    assert schema["evidence"] == [
        "table 'users': column 'nickname' type: 'VARCHAR(50)' after migrating, 'VARCHAR(80)' fresh",
        "table 'users': index 'ix_users_nickname' (nickname) missing after migrating",
    ]
    assert outcome.check(scenario, "migration")["summary"] == "ended at revision 0003"
    history = outcome.check(scenario, "history")  # the cause, warned: Alembic keeps no checksums
    assert history["status"] == "warned"
    assert history["evidence"][0] == "0002: upgrade(), downgrade() changed since 1.0 applied it"
