"""A column narrowed from DOUBLE to a 4-byte float loses digits its values' display hides: 19.99
reads back as 19.99 but is stored as 19.9899997711... `content` compares what is stored, so it
catches that loss on PostgreSQL (REAL) and MariaDB (FLOAT) unless `float_tolerance` allows it;
5.5, exactly a 4-byte float, is no loss. SQLite stores every REAL as a double: nothing is lost."""

from __future__ import annotations

import pytest
from integration_support import FixtureProject, engine_of, failed

from migtest.cli import EXIT_OK

pytestmark = pytest.mark.usefixtures("row_stores")  # each test with captures in memory and on disk

NARROWING = "upgrade-2.0-to-3.0"
SINGLE = "sa.Float(precision=24)"  # REAL on PostgreSQL, FLOAT on MariaDB: 4 bytes
PRICES = "INSERT INTO prices (id, amount) VALUES (1, 19.99), (2, 5.5), (3, 0.25);"


def narrowed(fixture_project, *rows: str) -> FixtureProject:
    """alembic-base plus 2.0 (prices.amount a DOUBLE) and 3.0 (amount narrowed to a 4-byte float)."""
    project = fixture_project("alembic-base")
    project.revision(
        "0003",
        "0002",
        "op.create_table('prices', sa.Column('id', sa.Integer, primary_key=True), sa.Column('amount', sa.Double))",
        "op.drop_table('prices')",
    )
    project.revision(
        "0004",
        "0003",
        f"with op.batch_alter_table('prices') as batch:\n    batch.alter_column('amount', type_={SINGLE})",
        "with op.batch_alter_table('prices') as batch:\n    batch.alter_column('amount', type_=sa.Double)",
    )
    project.add_version("2.0", "0003", " ".join(rows))
    project.add_version("3.0", "0004", PRICES)
    return project


@pytest.mark.engines
def test_narrowing_to_single_precision_is_a_change_the_display_hides(fixture_project, run_migtest, database_config):
    project = narrowed(fixture_project, PRICES)

    outcome = run_migtest(project.config, "--only", NARROWING)

    if engine_of(database_config) == "sqlite":
        assert outcome.exit_code == EXIT_OK, outcome.output
        return
    checks = failed(outcome, NARROWING, "content")
    assert checks["content"]["evidence"] == ["table 'prices': id=1: amount 19.99 -> 19.989999771118164"]


@pytest.mark.engines
def test_float_tolerance_lets_the_narrowing_pass(fixture_project, run_migtest):
    project = narrowed(fixture_project, PRICES)
    project.configure(checks={**project.settings()["checks"], "float_tolerance": 1e-6})

    outcome = run_migtest(project.config, "--only", NARROWING)

    assert outcome.exit_code == EXIT_OK, outcome.output


@pytest.mark.engines
def test_values_a_single_float_holds_exactly_pass_without_tolerance(fixture_project, run_migtest):
    """Both ways: narrowed, and widened back to DOUBLE by the downgrade (which changes no value)."""
    project = narrowed(fixture_project, "INSERT INTO prices (id, amount) VALUES (2, 5.5), (3, 0.25), (4, NULL);")

    outcome = run_migtest(project.config, "--only", NARROWING, "--only", "downgrade-3.0-to-2.0")

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check("downgrade-3.0-to-2.0", "content")["status"] == "passed"
