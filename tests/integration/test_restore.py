"""`seed.restore` on real databases: a snapshot of release 1.0 of tests/fixtures/alembic-base,
made the way a team makes one of production (the real pg_dump, mysqldump, sqlite3 of this
machine), is restored and upgraded by migtest, and the restored rows are checked after the upgrade.

The "production" database is migrated to 1.0 by Alembic and filled by the test, on the same
server the run then uses; it is dropped before migtest runs.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from integration_support import FixtureProject, failed, run_databases, scratch_folder
from snapshots import AWKWARD, ROWS, make_snapshot, production
from sqlalchemy.engine import make_url
from started import Started

from migtest.cli import EXIT_OK, EXIT_USAGE

UPGRADE = "upgrade-1.0-to-1.1"
FORMS = [
    ("sqlite", "file", "1.0.db"),
    ("sqlite", "dump", "1.0.sql"),
    ("postgres", "plain", "1.0.sql"),
    ("postgres", "custom", "1.0.dump"),
    ("mariadb", "mysqldump", "1.0.sql"),
]


def snapshot_project(
    fixture_project,
    tmp_path,
    database_config,
    form: str,
    snapshot: str,
    *,
    restore: str | None = None,
    rows: int = ROWS,
) -> FixtureProject:
    """alembic-base seeded by restoring `restore` (default `snapshots/{version}.<ext>`), with SQL
    assertions that the restored rows (`rows` of them) are there after the upgrade."""
    project = fixture_project("alembic-base")
    with production(tmp_path, database_config, project.root) as database:
        make_snapshot(database.url, form, project.root / "snapshots" / snapshot)
    project.configure(
        seed={"restore": restore or f"snapshots/{{version}}{Path(snapshot).suffix}"},
        checks={
            "sql": [
                {"name": "every row restored", "query": "SELECT count(*) FROM users", "expect": [[rows]]},
                {
                    "name": "values as dumped",
                    "query": f"SELECT name FROM users WHERE id = {ROWS}",
                    "expect": [[AWKWARD]],
                },
            ]
        },
    )
    return project


@pytest.mark.parametrize(("database_config", "form", "snapshot"), FORMS, indirect=["database_config"])
def test_a_snapshot_is_restored_and_upgraded(
    fixture_project, run_migtest, tmp_path, database_config, form: str, snapshot: str
):
    project = snapshot_project(fixture_project, tmp_path, database_config, form, snapshot)
    outcome = run_migtest(project.config, "--only", UPGRADE)

    assert outcome.exit_code == EXIT_OK, outcome.output
    phases = {phase["name"]: phase for phase in outcome.scenario(UPGRADE)["phases"]}
    assert phases["restore 1.0 (reused for the run)"]["detail"].startswith(f"{snapshot}: ")
    checks = {check["name"]: check["status"] for check in outcome.scenario(UPGRADE)["checks"]}
    assert checks["sql: every row restored"] == checks["sql: values as dumped"] == "passed", checks


@pytest.mark.parametrize("reuse", [True, False])
def test_restored_once_per_release_then_cloned_and_seeded_on_top(fixture_project, run_migtest, tmp_path, reuse: bool):
    # Two scenarios start from 1.0: with reuse its snapshot is restored once and cloned for both
    # (as fresh installs are), with --no-reuse into each scenario's database. seed.sql runs after
    # the restore, on top of its rows. Only 1.0 starts a scenario, so only 1.0 needs a snapshot.
    project = snapshot_project(fixture_project, tmp_path, None, "file", "1.0.db", rows=ROWS + 1)
    project.revision("0003", "0002", "op.add_column('users', sa.Column('age', sa.Integer))")
    project.add_version("2.0", "0003")
    project.write("seeds/1.0.sql", "INSERT INTO users (id, name) VALUES (10000, 'seeded after the restore');")
    project.configure(
        seed={**project.settings()["seed"], "sql": "seeds/{version}.sql"},
        matrix={"upgrade": "chain", "skip": [["1.0", "2.0"]], "downgrade": "none"},
    )
    outcome = run_migtest(
        project.config, "--only", UPGRADE, "--only", "skip-1.0-to-2.0", *([] if reuse else ["--no-reuse"])
    )

    assert outcome.exit_code == EXIT_OK, outcome.output
    restores = {
        scenario["id"]: [phase["name"] for phase in scenario["phases"] if phase["name"].startswith("restore")]
        for scenario in outcome.results["scenarios"]
    }
    if reuse:
        assert sorted(restores.values()) == [[], ["restore 1.0 (reused for the run)"]], restores
    else:
        assert restores == {UPGRADE: ["restore 1.0"], "skip-1.0-to-2.0": ["restore 1.0"]}
    names = [phase["name"] for phase in outcome.scenario(UPGRADE)["phases"]]
    assert names.index("provision" if reuse else "restore 1.0") < names.index("seed")


def test_a_snapshot_of_another_release_fails_the_seed(fixture_project, run_migtest, tmp_path):
    # The downgrade from 1.1 restores what is really 1.0's snapshot: its alembic_version says 0001.
    project = snapshot_project(fixture_project, tmp_path, None, "file", "1.0.db", restore="snapshots/1.0.db")
    outcome = run_migtest(project.config, "--only", "downgrade-1.1-to-1.0")

    seed = failed(outcome, "downgrade-1.1-to-1.0", "seed")["seed"]
    assert "the snapshot 1.0.db is at revision 0001, but release 1.1 is at 0002" in seed["summary"]


@pytest.mark.parametrize(
    ("database_config", "form", "snapshot"), FORMS[2:4:1] + FORMS[4:], indirect=["database_config"]
)
def test_a_dump_that_fails_stops_at_its_error(
    fixture_project, run_migtest, tmp_path, database_config, form: str, snapshot: str
):
    project = snapshot_project(fixture_project, tmp_path, database_config, form, snapshot)
    path = project.root / "snapshots" / snapshot
    if form == "custom":  # an archive cannot be appended to: the same file, cut short
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        table = "public.users" if form == "plain" else "users"  # pg_dump empties the search_path
        path.write_text(path.read_text() + f"\nINSERT INTO {table} (id, name) VALUES (1, 'a second user 1');\n")
    outcome = run_migtest(project.config, "--only", UPGRADE)

    seed = failed(outcome, UPGRADE, "seed")["seed"]
    assert "exited with code" in seed["summary"], seed
    reasons = {"plain": "duplicate key value", "custom": "pg_restore: error:", "mysqldump": "Duplicate entry '1'"}
    assert reasons[form] in "".join(seed["evidence"]), seed
    assert make_url(database_config["url"]).password not in outcome.output


@pytest.mark.parametrize("database_config", ["postgres"], indirect=True)
def test_a_missing_client_program_is_a_usage_error(
    fixture_project, run_migtest, tmp_path, database_config, monkeypatch
):
    project = snapshot_project(fixture_project, tmp_path, database_config, "plain", "1.0.sql")
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    outcome = run_migtest(project.config, "--only", UPGRADE)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "key 'seed.restore'" in outcome.output
    assert "restoring 1.0.sql (a pg_dump plain SQL dump) needs psql, not found on PATH" in outcome.output


@pytest.mark.parametrize("database_config", ["postgres"], indirect=True)
def test_a_snapshot_for_another_engine_is_a_usage_error(fixture_project, run_migtest, tmp_path, database_config):
    project = snapshot_project(fixture_project, tmp_path, None, "file", "1.0.db")
    outcome = run_migtest(project.config, "--only", UPGRADE)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "key 'seed.restore'" in outcome.output
    assert "1.0.db is a SQLite database file, for SQLite; database.engine is PostgreSQL" in outcome.output


@pytest.mark.parametrize("database_config", ["postgres"], indirect=True)
def test_an_interrupt_after_the_restore_leaves_no_database(fixture_project, tmp_path, database_config):
    # A seed command after the restore waits (until the forwarded SIGINT ends it): by then the
    # snapshot's template and the scenario's clone exist, and both must go.
    project = snapshot_project(fixture_project, tmp_path, database_config, "plain", "1.0.sql")
    marker = tmp_path / "seeding"
    project.configure(seed={**project.settings()["seed"], "command": f"sh -c 'echo > {marker}; exec sleep 600'"})
    scratch = scratch_folder(tmp_path)
    url = database_config["url"]
    run = Started("run", "-c", project.config, "--only", UPGRADE, "--database-url", url, env={"TMPDIR": str(scratch)})
    run.wait_until(marker.exists, "the seed command after the restore")
    assert len(run_databases(url, run.run_id)) >= 2  # the snapshot's template and the scenario's clone
    run.send(signal.SIGINT)
    code, output = run.finish()

    assert code == 130, output
    assert run_databases(url, run.run_id) == []
    assert list(scratch.iterdir()) == []


def test_with_steps_run_a_missing_snapshot_is_a_usage_error(fixture_project, run_migtest):
    """`steps.run` adds the step tests after the scenarios on the same runner core; the snapshots
    are still checked, as a usage error naming the key and the file."""
    project = fixture_project("alembic-base")
    project.configure(seed={"restore": "snapshots/{version}.db"}, steps={"run": True})
    outcome = run_migtest(project.config, "--only", UPGRADE)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "key 'seed.restore': snapshot of version '1.0' not found" in outcome.output
