"""Mistakes in a project's setup exit 2 with a message naming the key (or file) and what is wrong."""

from __future__ import annotations

import re

import pytest

from migtest.cli import EXIT_USAGE


def rename_migrations_section(project) -> None:
    settings = project.settings()
    project.configure(migrations=None, migrationz=settings["migrations"])


def rename_versions_section(project) -> None:
    settings = project.settings()
    project.configure(versions=None, versionz=settings["versions"])


def typo_in_checks(project) -> None:
    project.configure(checks={"schemma": True})


def skip_unknown_version(project) -> None:
    project.configure(matrix={"skip": [["1.0", "3.0"]]})


def sql_assertion_from_unknown_version(project) -> None:
    project.configure(checks={"sql": [{"name": "n", "query": "SELECT 1", "expect": [[1]], "from": ["0.9"]}]})


def accepted_difference_with_unknown_kind(project) -> None:
    project.configure(checks={"accept_schema": [{"table": "users", "difference": "x", "kinds": ["upgrades"]}]})


def remove_seed_file(project) -> None:
    (project.root / "seeds/1.1.sql").unlink()


def remove_alembic_ini(project) -> None:
    (project.root / "alembic.ini").unlink()


def misnamed_sql_file(project) -> None:
    project.write("migrations/V3_index_emails.sql", "CREATE INDEX ix_users_email ON users (email);")


def orphan_undo_file(project) -> None:
    project.write("migrations/U3__index_emails.sql", "DROP INDEX ix_users_email;")


@pytest.mark.parametrize(
    ("fixture", "mistake", "expected"),
    [
        ("flyway-base", rename_migrations_section, ["key 'migrationz'", "did you mean 'migrations'"]),
        ("flyway-base", rename_versions_section, ["key 'versionz'", "did you mean 'versions'"]),
        ("flyway-base", typo_in_checks, ["key 'checks.schemma': unknown key (did you mean 'schema'?)"]),
        ("flyway-base", skip_unknown_version, ["key 'matrix.skip[0]': unknown version '3.0' (versions: 1.0, 1.1)"]),
        (
            "alembic-base",
            sql_assertion_from_unknown_version,
            ["key 'checks.sql[0].from': unknown version '0.9' (versions: 1.0, 1.1)"],
        ),
        (
            "alembic-base",
            accepted_difference_with_unknown_kind,
            ["key 'checks.accept_schema[0].kinds': unknown kind 'upgrades' (kinds: upgrade, skip, downgrade)"],
        ),
        ("flyway-base", remove_seed_file, ["key 'seed.sql': seed file for version '1.1' not found", "seeds/1.1.sql"]),
        ("alembic-base", remove_alembic_ini, ["key 'migrations.config': file or directory not found", "alembic.ini"]),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_configuration_mistake_names_key_and_file(fixture_project, run_migtest, fixture, mistake, expected):
    project = fixture_project(fixture)
    mistake(project)
    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert re.search(rf"{re.escape(str(project.config))}:\d+:\d+: key ", outcome.output), outcome.output
    for text in expected:
        assert text in outcome.output
    assert outcome.results is None  # nothing ran


@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        (
            misnamed_sql_file,
            "'V3_index_emails.sql' does not follow the flyway layout "
            "(V<version>__<description>.sql or U<version>__<description>.sql)",
        ),
        (orphan_undo_file, "undo file without a migration: U3__index_emails.sql"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_sql_file_outside_the_layout_names_file_and_directory(fixture_project, run_migtest, mistake, expected):
    project = fixture_project("flyway-base")
    mistake(project)
    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert f"migtest: error: {project.root / 'migrations'}: {expected}" in outcome.output


@pytest.fixture
def typo_in_second_ref(fixture_project, git_history):
    project = fixture_project("flyway-base")
    project.configure(versions=[{"name": "1.0", "ref": "v1.0"}, {"name": "1.1", "ref": "v1.1-typo"}])
    return git_history([("v1.0", project.root)])


def test_unknown_git_ref_names_the_ref(typo_in_second_ref, run_migtest):
    outcome = run_migtest(typo_in_second_ref / "migtest.yml")

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert f"git ref 'v1.1-typo' does not name a commit in {typo_in_second_ref}" in outcome.output


def test_unknown_git_ref_is_reported_before_any_scenario_runs(typo_in_second_ref, run_migtest):
    """Like every other configuration mistake: found up front, with the file and key it is in."""
    config = typo_in_second_ref / "migtest.yml"
    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "fresh install of 1.0" not in outcome.output
    assert f"{config}, key 'versions[1].ref'" in outcome.output


def test_ref_outside_a_git_repository_says_so(fixture_project, run_migtest):
    project = fixture_project("flyway-base")
    project.configure(versions=[{"name": "1.0", "ref": "v1.0"}, {"name": "1.1"}])
    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert f"'{project.root}' is not inside a git repository, but a version names ref 'v1.0'" in outcome.output
