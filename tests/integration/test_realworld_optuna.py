"""examples/optuna: three real releases of optuna from PyPI (2.10.1, 3.1.1, 3.6.1), each in a
virtualenv of its own, migrated with optuna's own storage command and seeded through its API.

The expected result was established by hand from the migrations in the wheels
(optuna/storages/_rdb/alembic/versions); every failure below is a real problem of optuna's, as
examples/optuna/README.md explains:

- v3.2.0.a creates the index `trials_study_id_key`, while a fresh install (`create_all`) names it
  `ix_trials_study_id`: upgraded storages differ from fresh ones (schema), and a fresh 3.6.1
  storage cannot be downgraded (DROP INDEX of a name it does not have);
- v3.0.0.c turns a finite intermediate value at float32's maximum into +inf (content: only the
  infinities are declared to become NULL);
- v3.0.0.c's downgrade refers to `IntermediateValueModel.FloatTypeEnum`, which does not exist.

The virtualenvs are built once per test session (see examples/optuna/README.md for the times).
SQLite runs in the default suite; PostgreSQL (the same findings) with MIGTEST_REALWORLD=1, as
`make realworld-optuna` sets it, because it doubles the run time.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from integration_support import statuses as statuses_of

from migtest.cli import EXIT_FAILED

SQL_CHECKS = (
    "sql: every distribution is in the unified form",
    "sql: the infinite objective values are kept as type flags",
    "sql: the infinite intermediate values are kept as type flags",
)
UPGRADE_CHECKS = ("migration", "schema", "rows", "content", "idempotent", *SQL_CHECKS)
INDEX_DRIFT = [
    "table 'trials': index 'ix_trials_study_id' (study_id) missing after migrating",
    "table 'trials': index 'trials_study_id_key' (study_id) present after migrating, not in a fresh install",
]
# v3.0.0.c turns the finite float32 maximum into +inf: not one of the declared infinities
FINITE_MADE_INFINITE = (
    "table 'trial_intermediate_values': trial_intermediate_value_id=15:"
    " intermediate_value 3.4028234663852886e+38 -> None"
)
DECLARED_CHANGES = [
    "2 changed as declared: trial_intermediate_values.intermediate_value"
    " where intermediate_value > 1e308 OR intermediate_value < -1e308",
    "27 changed as declared: trial_params.distribution_json",
    "2 changed as declared: trial_values.value where value > 1e308 OR value < -1e308",
]
EXPECTED_STATUSES = {
    "fresh-2.10.1": {"migration": "passed"},
    "fresh-3.1.1": dict.fromkeys(("migration", *SQL_CHECKS), "passed"),
    "fresh-3.6.1": dict.fromkeys(("migration", *SQL_CHECKS), "passed"),
    "upgrade-2.10.1-to-3.1.1": {**dict.fromkeys(UPGRADE_CHECKS, "passed"), "content": "failed"},
    "upgrade-3.1.1-to-3.6.1": {**dict.fromkeys(UPGRADE_CHECKS, "passed"), "schema": "failed"},
    "skip-2.10.1-to-3.6.1": {**dict.fromkeys(UPGRADE_CHECKS, "passed"), "schema": "failed", "content": "failed"},
    "downgrade-3.6.1-to-3.1.1": {
        "migration": "failed",
        **dict.fromkeys(("downgrade", "rows", "content", *SQL_CHECKS), "skipped"),
    },
    "downgrade-3.1.1-to-2.10.1": {"migration": "failed", **dict.fromkeys(("downgrade", "rows", "content"), "skipped")},
}


# What the engine says when v3.2.0.a's downgrade drops the index a fresh install does not have.
MISSING_INDEX = {
    "sqlite": "no such index: trials_study_id_key",
    "postgres": 'index "trials_study_id_key" does not exist',
}
# The default suite keeps SQLite; `make realworld-optuna` (MIGTEST_REALWORLD=1) adds PostgreSQL.
# Left out rather than skipped: in CI nothing may skip.
ENGINES = ["sqlite", "postgres"] if os.environ.get("MIGTEST_REALWORLD") else ["sqlite"]


@pytest.fixture(scope="session")
def optuna_environments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `.migtest-cache` for every test of the session: the releases' virtualenvs are built once."""
    return tmp_path_factory.mktemp("optuna-environments")


@pytest.mark.parametrize("database_config", ENGINES, indirect=True)
def test_optuna_releases(project, run_migtest, optuna_environments, database_config):
    root = project("optuna")
    (root / ".migtest-cache").symlink_to(optuna_environments, target_is_directory=True)

    outcome = run_migtest(root / "migtest.yml", "--jobs", "2")

    assert outcome.exit_code == EXIT_FAILED, outcome.output
    statuses = {s["id"]: statuses_of(outcome, s["id"]) for s in outcome.results["scenarios"]}
    assert statuses == EXPECTED_STATUSES
    for scenario in ("upgrade-3.1.1-to-3.6.1", "skip-2.10.1-to-3.6.1"):
        assert outcome.check(scenario, "schema")["evidence"] == INDEX_DRIFT
    for scenario in ("upgrade-2.10.1-to-3.1.1", "skip-2.10.1-to-3.6.1"):
        content = outcome.check(scenario, "content")
        assert content["summary"] == "1 change(s) to existing data"
        assert content["evidence"] == [FINITE_MADE_INFINITE, *DECLARED_CHANGES]
    for scenario in ("upgrade-2.10.1-to-3.1.1", "upgrade-3.1.1-to-3.6.1", "skip-2.10.1-to-3.6.1"):
        # alembic_version and version_info are bookkeeping: not compared as data
        assert outcome.check(scenario, "rows")["summary"] == "all 84 row(s) kept"
    dropped_index = outcome.check("downgrade-3.6.1-to-3.1.1", "migration")["evidence"][-1]
    assert MISSING_INDEX[(database_config or {}).get("engine", "sqlite")] in dropped_index
    missing_enum = outcome.check("downgrade-3.1.1-to-2.10.1", "migration")["evidence"][-1]
    assert "versions/v3.0.0.c.py" in missing_enum
    assert missing_enum.endswith("type object 'IntermediateValueModel' has no attribute 'FloatTypeEnum'")
