"""A column changed between a timestamp without a zone and one with it keeps its data when every
value names the same instant, naive values read in `checks.naive_timezone` (UTC unless set).
A conversion done in another zone names other instants: `content` fails with the values."""

from __future__ import annotations

import pytest
from integration_support import FixtureProject, failed

from migtest.cli import EXIT_OK

ZONING = "upgrade-2.0-to-3.0"
POSTGRES_ONLY = pytest.mark.parametrize("database_config", ["postgres"], indirect=True)
NAIVE_ROWS = "INSERT INTO events (id, at) VALUES (1, '2024-01-15 10:00:00'), (2, '2024-07-01 23:30:00.5'), (3, NULL);"
ZONED_ROWS = "INSERT INTO events (id, at) VALUES (1, '2024-01-15 10:00:00+00'), (2, '2024-07-01 23:30:00.5+00');"
EVENTS = "op.create_table('events', sa.Column('id', sa.Integer, primary_key=True), sa.Column('at', sa.DateTime))"


def zoned_in(fixture_project, zone: str, **checks: object) -> FixtureProject:
    """alembic-base plus 2.0 (events.at a timestamp) and 3.0 (at made a timestamptz, its values
    read in `zone`; the downgrade turns them back into UTC times)."""
    project = fixture_project("alembic-base")
    project.revision("0003", "0002", EVENTS, "op.drop_table('events')")
    project.revision(
        "0004",
        "0003",
        f"op.execute(\"ALTER TABLE events ALTER COLUMN at TYPE timestamptz USING at AT TIME ZONE '{zone}'\")",
        "op.execute(\"ALTER TABLE events ALTER COLUMN at TYPE timestamp USING at AT TIME ZONE 'UTC'\")",
    )
    project.add_version("2.0", "0003", NAIVE_ROWS)
    project.add_version("3.0", "0004", ZONED_ROWS)
    project.configure(checks={**project.settings()["checks"], **checks})
    return project


@POSTGRES_ONLY
def test_the_same_instants_pass_both_ways(fixture_project, run_migtest):
    outcome = run_migtest(zoned_in(fixture_project, "UTC").config, "--only", "*-2.0-to-3.0", "--only", "*-3.0-to-2.0")

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check(ZONING, "content")["status"] == "passed"
    assert outcome.check("downgrade-3.0-to-2.0", "content")["status"] == "passed"


@POSTGRES_ONLY
def test_a_conversion_in_another_zone_fails_content_with_the_values(fixture_project, run_migtest):
    outcome = run_migtest(zoned_in(fixture_project, "Europe/Berlin").config, "--only", ZONING)

    checks = failed(outcome, ZONING, "content")
    assert checks["content"]["evidence"] == [
        "table 'events': id=1: at '2024-01-15 10:00:00' -> '2024-01-15 09:00:00+00:00' "
        "(another instant, naive times read in UTC)",
        "table 'events': id=2: at '2024-07-01 23:30:00.500000' -> '2024-07-01 21:30:00.500000+00:00' "
        "(another instant, naive times read in UTC)",
    ]


@POSTGRES_ONLY
def test_the_declared_zone_is_the_one_naive_times_are_read_in(fixture_project, run_migtest):
    project = zoned_in(fixture_project, "Europe/Berlin", naive_timezone="Europe/Berlin")

    outcome = run_migtest(project.config, "--only", ZONING)

    assert outcome.exit_code == EXIT_OK, outcome.output
