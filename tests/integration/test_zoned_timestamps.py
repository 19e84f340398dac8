"""A column changed between a timestamp without a zone and one with it keeps its data when every
value names the same instant, naive values read in `checks.naive_timezone` (UTC unless set).
A conversion done in another zone names other instants: `content` fails with the values.

PostgreSQL's pair is `timestamp` / `timestamptz`; MariaDB's is `DATETIME` / `TIMESTAMP`, which
stores an instant and converts a DATETIME's value in the session's zone (an offset here: the test
server has no named zones loaded). Etc/GMT-1 is the fixed zone +01:00, so both engines convert
alike, summer or winter."""

from __future__ import annotations

import pytest
from integration_support import FixtureProject, failed

from migtest.cli import EXIT_OK

pytestmark = pytest.mark.usefixtures("row_stores")  # each test with captures in memory and on disk

ZONING = "upgrade-2.0-to-3.0"
SERVERS = pytest.mark.parametrize("database_config", ["postgres", "mariadb"], indirect=True)
NAIVE_ROWS = "INSERT INTO events (id, at) VALUES (1, '2024-01-15 10:00:00'), (2, '2024-07-01 23:30:00.5'), (3, NULL);"
ZONED_ROWS = "INSERT INTO events (id, at) VALUES (1, '2024-01-15 10:00:00'), (2, '2024-07-01 23:30:00.5');"
EVENTS = """
naive = "DATETIME(6)" if op.get_bind().dialect.name == "mysql" else "TIMESTAMP"
op.execute(f"CREATE TABLE events (id INTEGER PRIMARY KEY, at {naive} NULL)")
"""
ZONE = """
if op.get_bind().dialect.name == "mysql":
    op.execute("SET time_zone = '{offset}'")
    op.execute("ALTER TABLE events MODIFY at {mysql_type}(6) NULL")
else:
    op.execute("ALTER TABLE events ALTER COLUMN at TYPE {postgres_type} USING at AT TIME ZONE '{zone}'")
"""


def zoned_in(fixture_project, zone: str, offset: str, **checks: object) -> FixtureProject:
    """alembic-base plus 2.0 (events.at without a zone) and 3.0 (at given one, its values read
    in `zone` / `offset`; the downgrade turns them back into UTC times)."""
    project = fixture_project("alembic-base")
    project.revision("0003", "0002", EVENTS, "op.drop_table('events')")
    project.revision(
        "0004",
        "0003",
        ZONE.format(offset=offset, zone=zone, mysql_type="TIMESTAMP", postgres_type="timestamptz"),
        ZONE.format(offset="+00:00", zone="UTC", mysql_type="DATETIME", postgres_type="timestamp"),
    )
    project.add_version("2.0", "0003", NAIVE_ROWS)
    project.add_version("3.0", "0004", ZONED_ROWS)
    project.configure(checks={**project.settings()["checks"], **checks})
    return project


@SERVERS
def test_the_same_instants_pass_both_ways(fixture_project, run_migtest):
    project = zoned_in(fixture_project, "UTC", "+00:00")

    outcome = run_migtest(project.config, "--only", "*-2.0-to-3.0", "--only", "*-3.0-to-2.0")

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check(ZONING, "content")["status"] == "passed"
    assert outcome.check("downgrade-3.0-to-2.0", "content")["status"] == "passed"


@SERVERS
def test_a_conversion_in_another_zone_fails_content_with_the_values(fixture_project, run_migtest):
    outcome = run_migtest(zoned_in(fixture_project, "Etc/GMT-1", "+01:00").config, "--only", ZONING)

    checks = failed(outcome, ZONING, "content")
    assert checks["content"]["evidence"] == [
        "table 'events': id=1: at '2024-01-15 10:00:00' -> '2024-01-15 09:00:00+00:00' "
        "(another instant, naive times read in UTC)",
        "table 'events': id=2: at '2024-07-01 23:30:00.500000' -> '2024-07-01 22:30:00.500000+00:00' "
        "(another instant, naive times read in UTC)",
    ]


@SERVERS
def test_the_declared_zone_is_the_one_naive_times_are_read_in(fixture_project, run_migtest):
    project = zoned_in(fixture_project, "Etc/GMT-1", "+01:00", naive_timezone="Etc/GMT-1")

    outcome = run_migtest(project.config, "--only", ZONING)

    assert outcome.exit_code == EXIT_OK, outcome.output
