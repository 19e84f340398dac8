"""The `command` migrator, with tests/fixtures/command-steps: a project that migrates itself with
its own script (migrate.py, steps 1-3 released as 1.0, 1.1 and 1.2) and has no downgrade command.

The script's opt-in options are the faults: writing on every run, and a time-boxed backfill that
stops early but exits 0.
"""

from __future__ import annotations

from integration_support import failed, statuses

from migtest.cli import EXIT_OK, EXIT_USAGE

UPGRADE_COMMAND = "python3 migrate.py upgrade {target}"


def upgrading_with(project, options: str, **checks) -> None:
    settings = project.settings()
    project.configure(
        migrations={**settings["migrations"], "upgrade": f"{UPGRADE_COMMAND} {options}"},
        checks={**settings["checks"], **checks},
    )


def test_correct_script_passes_and_downgrades_are_skipped(fixture_project, run_migtest):
    outcome = run_migtest(fixture_project("command-steps").config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.results["totals"] == {"passed": 5, "failed": 0, "skipped": 2}
    assert statuses(outcome, "upgrade-1.1-to-1.2") == dict.fromkeys(
        ["migration", "schema", "rows", "content", "idempotent"], "passed"
    )
    assert outcome.check("upgrade-1.1-to-1.2", "migration")["summary"] == "ended at revision 3"
    for scenario in ("downgrade-1.2-to-1.1", "downgrade-1.1-to-1.0"):
        assert outcome.scenario(scenario)["status"] == "skipped"
        assert "migrations.downgrade is not set" in outcome.check(scenario, "downgrade")["summary"]


def test_upgrade_that_writes_on_every_run_fails_idempotent(fixture_project, run_migtest):
    project = fixture_project("command-steps")
    upgrading_with(project, "--log-every-run")
    scenario = "upgrade-1.0-to-1.1"
    outcome = run_migtest(project.config, "--only", scenario)

    idempotent = failed(outcome, scenario, "idempotent")["idempotent"]
    assert idempotent["summary"] == "running the upgrade again changed the database"
    # install of 1.0 and the upgrade each log "applied step N" and "upgrade run"; the second run one more
    assert idempotent["evidence"] == ["table 'upgrade_log': rows changed (4 before, 5 after the second run)"]


def test_upgrade_that_stops_early_ends_at_the_wrong_revision(fixture_project, run_migtest):
    # A fresh install of 1.2 has nothing to backfill and records step 3; 1.1's three items need two
    # batches, so the upgrade stops after the first one, at step 2, and still exits 0.
    project = fixture_project("command-steps")
    upgrading_with(project, "--max-batches 1", idempotent=False)
    scenario = "upgrade-1.1-to-1.2"
    outcome = run_migtest(project.config, "--only", scenario)

    assert failed(outcome, scenario, "migration")["migration"]["summary"] == "ended at revision 2, expected 3"


def test_failing_command_fails_migration_with_its_output(fixture_project, run_migtest):
    project = fixture_project("command-steps")
    project.add_version("1.3", "4")  # migrate.py has no step 4
    scenario = "upgrade-1.2-to-1.3"
    outcome = run_migtest(project.config, "--only", scenario)

    checks = failed(outcome, scenario, "migration")
    migration = checks["migration"]
    assert migration["summary"] == "upgrade command: exited with code 1"
    assert migration["evidence"][0].endswith("KeyError: 4")
    assert {checks[name]["status"] for name in ("schema", "rows", "content", "idempotent")} == {"skipped"}


def test_step_walk_lists_the_migrations_with_the_history_command(fixture_project, run_migtest):
    project = fixture_project("command-steps")
    walked_without = run_migtest(project.config, command="steps")
    assert walked_without.exit_code == EXIT_USAGE
    assert "key 'migrations.history': a step walk needs a command that lists the migrations" in walked_without.output

    project.configure(migrations={**project.settings()["migrations"], "history": "python3 migrate.py history"})
    outcome = run_migtest(project.config, command="steps")

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert [s["id"] for s in outcome.results["scenarios"]] == ["step-base-to-1", "step-1-to-2", "step-2-to-3"]
    summary = outcome.check("step-2-to-3", "downgrade")["summary"]
    assert (
        summary == "cannot downgrade: migrations.downgrade is not set, so this project cannot be rolled back by migtest"
    )
    assert outcome.check("step-2-to-3", "rows")["summary"] == "all 5 row(s) kept"  # seeds/1.0.sql and upgrade_log
