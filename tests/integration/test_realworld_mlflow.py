"""examples/mlflow: three real releases of MLflow's tracking store from PyPI (1.2.0, 1.30.1,
2.22.1), each in a virtualenv of its own, upgraded with `mlflow db upgrade` and seeded through
MLflow's client.

The expected result was established by hand from the migrations in the wheels
(mlflow/store/db_migrations/versions), as examples/mlflow/README.md explains:

- every upgrade and the skip keep every row and value, reach a fresh install's schema and fill
  latest_metrics as the store keeps it (89d4b8295536, checked by two SQL assertions);
- MLflow's downgrade() functions since 1.4 are no-ops (`pass`): a downgrade moves the stamp and
  leaves the newer tables, columns and constraints behind (the `downgrade` check names them);
- 2b4d017a5e9b's downgrade drops registered_models while model_versions and
  registered_model_tags still refer to it: PostgreSQL and MariaDB refuse (SQLite drops it, leaving
  the tags tables pointing at nothing).

Left out of the default suite (tests/integration/conftest.py): the three virtualenvs take minutes
to build from PyPI. `make realworld-mlflow` (MIGTEST_REALWORLD=1) runs it on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from integration_support import statuses as statuses_of

from migtest.cli import EXIT_FAILED

SQL_CHECKS = (
    "sql: every run's latest metric is its last by step, timestamp and value",
    "sql: every metric of a run has its latest entry",
)
UPGRADE_CHECKS = ("migration", "schema", "rows", "content", "idempotent", *SQL_CHECKS)
EXPECTED_STATUSES = {
    "fresh-1.2.0": {"migration": "passed"},
    "fresh-1.30.1": dict.fromkeys(("migration", *SQL_CHECKS), "passed"),
    "fresh-2.22.1": dict.fromkeys(("migration", *SQL_CHECKS), "passed"),
    "upgrade-1.2.0-to-1.30.1": dict.fromkeys(UPGRADE_CHECKS, "passed"),
    "upgrade-1.30.1-to-2.22.1": dict.fromkeys(UPGRADE_CHECKS, "passed"),
    "skip-1.2.0-to-2.22.1": dict.fromkeys(UPGRADE_CHECKS, "passed"),
    "downgrade-2.22.1-to-1.30.1": {
        **dict.fromkeys(("migration", "rows", "content", *SQL_CHECKS), "passed"),
        "downgrade": "failed",
    },
}
# What the no-op downgrades of 2.x leave behind, on every engine
LEFT_BY_2X = [
    "table 'datasets': present after migrating, not in a fresh install",
    "table 'input_tags': present after migrating, not in a fresh install",
    "table 'inputs': present after migrating, not in a fresh install",
    "table 'model_versions': column 'storage_location' present after migrating, not in a fresh install",
    "table 'params': column 'value' type: 'VARCHAR(8000)' after migrating, 'VARCHAR(500)' fresh",
    "table 'registered_model_aliases': present after migrating, not in a fresh install",
    "table 'tags': column 'value' type: 'VARCHAR(8000)' after migrating, 'VARCHAR(5000)' fresh",
    "table 'trace_info': present after migrating, not in a fresh install",
    "table 'trace_request_metadata': present after migrating, not in a fresh install",
    "table 'trace_tags': present after migrating, not in a fresh install",
]
# SQLite: 2b4d017a5e9b drops registered_models and model_versions under the tags tables, and
# every later change to 1.x's tables stays
LEFT_BY_1X = [
    "table 'experiments': column 'creation_time' present after migrating, not in a fresh install",
    "table 'experiments': column 'last_update_time' present after migrating, not in a fresh install",
    "table 'metrics': index 'index_metrics_run_uuid' (run_uuid) present after migrating, not in a fresh install",
    "table 'metrics': check (is_nan IN (0, 1)) present after migrating, not in a fresh install",
    "table 'model_version_tags': present after migrating, not in a fresh install",
    "table 'params': column 'value' type: 'VARCHAR(500)' after migrating, 'VARCHAR(250)' fresh",
    "table 'params': index 'index_params_run_uuid' (run_uuid) present after migrating, not in a fresh install",
    "table 'registered_model_tags': present after migrating, not in a fresh install",
    "table 'runs': column 'deleted_time' present after migrating, not in a fresh install",
    "table 'runs': column 'status' type: 'VARCHAR(9)' after migrating, 'VARCHAR(20)' fresh",
    "table 'runs': check 'status' (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING')) missing after migrating",
    "table 'runs': check (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED'))"
    " present after migrating, not in a fresh install",
    "table 'tags': index 'index_tags_run_uuid' (run_uuid) present after migrating, not in a fresh install",
]
REFUSED = {"migration": "failed", **dict.fromkeys(("downgrade", "rows", "content"), "skipped")}
DOWNGRADE_TO_1_2 = {
    "sqlite": {**dict.fromkeys(("migration", "rows", "content"), "passed"), "downgrade": "failed"},
    "postgres": REFUSED,
    "mariadb": REFUSED,
}
# What the server says when 2b4d017a5e9b's downgrade drops registered_models under its references
REFUSAL = {
    "postgres": "cannot drop table registered_models because other objects depend on it",
    "mariadb": "Cannot delete or update a parent row: a foreign key constraint fails",
}


@pytest.fixture(scope="session")
def mlflow_environments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `.migtest-cache` for every test of the session: the releases' virtualenvs are built once."""
    return tmp_path_factory.mktemp("mlflow-environments")


@pytest.mark.parametrize("database_config", ["sqlite", "postgres", "mariadb"], indirect=True)
def test_mlflow_releases(project, run_migtest, mlflow_environments, database_config):
    engine = (database_config or {}).get("engine", "sqlite")
    root = project("mlflow")
    (root / ".migtest-cache").symlink_to(mlflow_environments, target_is_directory=True)

    outcome = run_migtest(root / "migtest.yml", "--jobs", "2")

    assert outcome.exit_code == EXIT_FAILED, outcome.output
    statuses = {s["id"]: statuses_of(outcome, s["id"]) for s in outcome.results["scenarios"]}
    assert statuses == {**EXPECTED_STATUSES, "downgrade-1.30.1-to-1.2.0": DOWNGRADE_TO_1_2[engine]}
    for scenario in ("upgrade-1.2.0-to-1.30.1", "skip-1.2.0-to-2.22.1"):
        assert outcome.check(scenario, "rows")["summary"] == "all 99 row(s) kept"
    assert outcome.check("upgrade-1.30.1-to-2.22.1", "rows")["summary"] == "all 130 row(s) kept"
    assert outcome.check("downgrade-2.22.1-to-1.30.1", "downgrade")["evidence"] == LEFT_BY_2X
    downgrade_to_1_2 = outcome.check("downgrade-1.30.1-to-1.2.0", "downgrade" if engine == "sqlite" else "migration")
    if engine == "sqlite":
        assert downgrade_to_1_2["evidence"] == LEFT_BY_1X
    else:
        cause = downgrade_to_1_2["evidence"][-1]
        assert "versions/2b4d017a5e9b_add_model_registry_tables_to_db.py" in cause
        assert REFUSAL[engine] in cause and "DROP TABLE registered_models" in cause
