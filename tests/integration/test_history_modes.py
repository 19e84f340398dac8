"""`checks.history: fail | warn | off`, by default what the layout's own tool does with a released
migration edited after it was applied: Flyway validates checksums and refuses (fail),
golang-migrate keeps none and runs on (warn: reported, the run still passes).

Each project is released (tagged), then one released file gets a schema-neutral edit (a comment,
or IF EXISTS as real projects do) in the next release; versions are the two tags."""

from __future__ import annotations

import pytest
import yaml
from integration_support import failed

from migtest.cli import EXIT_FAILED, EXIT_OK

LAYOUTS = {
    # fixture: (versions as (name, revision), the edited file, its new text)
    "golang-migrate": (
        (("2", "2"), ("3", "3")),
        "2_add_sku.up.sql",
        "ALTER TABLE products ADD COLUMN sku VARCHAR(40);\n",
    ),
    "flyway-base": ((("1.0", "1"), ("1.1", "2")), "V1__create_users.sql", None),
}


def edited_release(fixture_project, git_history, fixture: str, history: str | None):
    """The project released as tag r1, then with one released file edited as tag r2; returns the
    repository's migtest.yml and the scenario upgrading across the edit."""
    (old, new), name, text = LAYOUTS[fixture]
    released = fixture_project(fixture)
    edited = fixture_project(fixture)
    path = edited.root / "migrations" / name
    path.write_text("-- reviewed: kept as released\n" + (text or path.read_text()))
    for project in (released, edited):
        project.configure(
            versions=[
                {"name": old[0], "ref": "r1", "revision": old[1]},
                {"name": new[0], "ref": "r2", "revision": new[1]},
            ],
            matrix={"fresh": False, "downgrade": "none"},
            checks={"history": history} if history else None,
        )
    repo = git_history([("r1", released.root), ("r2", edited.root)])
    return repo / "migtest.yml", f"upgrade-{old[0]}-to-{new[0]}", name


def test_golang_migrate_warns_by_default(fixture_project, git_history, run_migtest):
    config, scenario, name = edited_release(fixture_project, git_history, "golang-migrate", None)
    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    history = outcome.check(scenario, "history")
    assert history["status"] == "warned"
    summary = "1 released migration(s) edited after they were applied (warned: the tool keeps no checksums)"
    assert history["summary"] == summary
    assert history["evidence"][0].startswith(f"{name}: checksum ")
    assert outcome.scenario(scenario)["status"] == "passed"


def test_flyway_fails_by_default(fixture_project, git_history, run_migtest):
    config, scenario, name = edited_release(fixture_project, git_history, "flyway-base", None)
    outcome = run_migtest(config)

    history = failed(outcome, scenario, "history")["history"]
    assert history["summary"] == "1 released migration(s) edited after they were applied"
    assert history["evidence"][0].startswith(f"{name}: checksum ")


@pytest.mark.parametrize(
    ("fixture", "mode", "exit_code", "status", "summary"),
    [
        ("golang-migrate", "fail", EXIT_FAILED, "failed", "1 released migration(s) edited after they were applied"),
        (
            "flyway-base",
            "warn",
            EXIT_OK,
            "warned",
            "1 released migration(s) edited after they were applied (warned: checks.history: warn)",
        ),
        ("flyway-base", "off", EXIT_OK, "skipped", "not checked: checks.history is off"),
        ("golang-migrate", "off", EXIT_OK, "skipped", "not checked: checks.history is off"),
    ],
)
def test_history_setting_is_honoured(
    fixture_project, git_history, run_migtest, fixture, mode, exit_code, status, summary
):
    config, scenario, _name = edited_release(fixture_project, git_history, fixture, mode)
    outcome = run_migtest(config)

    assert outcome.exit_code == exit_code, outcome.output
    history = outcome.check(scenario, "history")
    assert (history["status"], history["summary"]) == (status, summary)
    assert outcome.failed_checks(scenario) == ({"history"} if status == "failed" else set())


def test_a_declared_sql_edit_passes(fixture_project, git_history, run_migtest):
    """`checks.accept_edited` names a sql migration by its file, as the evidence does."""
    config, scenario, name = edited_release(fixture_project, git_history, "flyway-base", None)
    settings = yaml.safe_load(config.read_text())
    settings["checks"] = {"accept_edited": [{"revision": name, "reason": "a comment added"}]}
    config.write_text(yaml.safe_dump(settings))
    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    history = outcome.check(scenario, "history")
    assert history["summary"] == "every applied migration is unchanged but 1 accepted edit(s)"
    accepted = f"accepted by checks.accept_edited[0] (a comment added): {name}: checksum "
    assert history["evidence"][0].startswith(accepted)
