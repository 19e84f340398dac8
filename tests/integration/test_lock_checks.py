"""`checks.locks` in `migtest steps` and `migtest run` on PostgreSQL and MariaDB (issue 15): what a
migration locked and blocked, judged as the configuration says, pinned on the statement's file and
line."""

from __future__ import annotations

import pytest
import yaml
from integration_support import failed

POSTGRES = pytest.mark.parametrize("database_config", ["postgres"], indirect=True)
MARIADB = pytest.mark.parametrize("database_config", ["mariadb"], indirect=True)
ORDERS = "INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;\n"
WIDEN = "-- orders outgrow int\nALTER TABLE orders ALTER id TYPE bigint;\n"
# A rewrite of 100 rows ends within one sampling interval: the sampler may never see its lock. This
# one's USING waits, at its first row (lock held), until a sample that began after the ALTER began
# has ended; bounded at 30 s. The observer's sessions are the other ones in the database.
SAMPLED = """CREATE FUNCTION sampled(v int) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  IF v = 1 THEN
    FOR attempt IN 1..3000 LOOP
      PERFORM pg_stat_clear_snapshot();
      EXIT WHEN EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                        AND state = 'idle' AND query LIKE '%pg_locks%' AND query_start > statement_timestamp());
      PERFORM pg_sleep(0.01);
    END LOOP;
  END IF;
  RETURN v;
END $$;
"""
WIDEN_SAMPLED = "-- orders outgrow int\nALTER TABLE orders ALTER id TYPE bigint USING sampled(id);\n"
# MariaDB's copy of 100 rows may end before the observer's threads have run at all. The statement
# after it waits, bounded at 30 000 polls (30 s or more), until the observer's sessions have been
# seen sampling and probing each table: each of those ends and counts, whenever the watch ends.
OBSERVED = """CREATE FUNCTION observed() RETURNS int
BEGIN
  DECLARE polls, sampled, orders, users INT DEFAULT 0;
  WHILE polls < 30000 AND NOT (sampled AND orders AND users) DO
    SET sampled = sampled OR EXISTS (SELECT 1 FROM information_schema.PROCESSLIST
                                     WHERE INFO LIKE '%SUBSTRING(m.LOCK_MODE, 5)%');
    SET orders = orders OR EXISTS (SELECT 1 FROM information_schema.PROCESSLIST
                                   WHERE INFO LIKE 'SELECT 1 FROM `orders`%');
    SET users = users OR EXISTS (SELECT 1 FROM information_schema.PROCESSLIST
                                 WHERE INFO LIKE 'SELECT 1 FROM `users`%');
    SET polls = polls + 1;
    DO SLEEP(0.001);
  END WHILE;
  RETURN polls;
END;
"""


def _orders_project(fixture_project, migration: str, locks: object = None, rows: str = ORDERS):
    """flyway-base with an orders table of a few rows (V3: `rows` fills it) and `migration` as V4,
    a release each."""
    project = fixture_project("flyway-base")
    table = "CREATE TABLE orders (id INTEGER PRIMARY KEY, amount INTEGER);\n"
    project.write("migrations/V3__orders.sql", table + rows + (SAMPLED if "sampled(" in migration else ""))
    project.write("migrations/V4__change.sql", migration)
    for version in ("1.2", "1.3"):
        project.write(f"seeds/{version}.sql", "INSERT INTO users (id, name) VALUES (3, 'Cy');\n")
    settings = project.settings()
    settings["versions"] += [{"name": "1.2", "revision": "3"}, {"name": "1.3", "revision": "4"}]
    settings["matrix"] = {"upgrade": "none", "skip": [["1.2", "1.3"]], "downgrade": "none"}
    if locks is not None:
        settings["checks"] = {"locks": locks}
    project.config.write_text(yaml.safe_dump(settings, sort_keys=False))
    return project


@POSTGRES
def test_a_rewrite_set_to_fail_fails_the_step_at_the_statement(fixture_project, run_migtest):
    project = _orders_project(fixture_project, WIDEN_SAMPLED, {"rewrite": "fail"})
    outcome = run_migtest(project.config, command="steps")

    check = failed(outcome, "step-3-to-4", "locks")["locks"]
    assert check["location"] == {"path": "migrations/V4__change.sql", "line": 2}
    assert len(check["evidence"]) == 1
    assert check["evidence"][0].startswith("V4__change.sql:2 ")
    assert "on orders" in check["evidence"][0]
    assert "(table rewritten)" in check["evidence"][0]
    measured = outcome.scenario("step-3-to-4")["locks"]
    assert [m["rewritten"] for m in measured] == [["orders"]]
    assert measured[0]["label"] == "V4__change.sql"


@MARIADB
def test_on_mariadb_a_copying_change_is_a_rebuild_pinned_on_its_statement(fixture_project, run_migtest):
    rows = "INSERT INTO orders SELECT seq, seq FROM seq_1_to_100;\n" + OBSERVED
    widen = "-- orders outgrow int\nALTER TABLE orders MODIFY id bigint;\nSELECT observed();\n"
    project = _orders_project(fixture_project, widen, {"rewrite": "fail"}, rows)
    outcome = run_migtest(project.config, command="steps")

    check = failed(outcome, "step-3-to-4", "locks")["locks"]
    assert check["location"] == {"path": "migrations/V4__change.sql", "line": 2}
    assert "(table rewritten)" in check["evidence"][0]
    (measurement,) = outcome.scenario("step-3-to-4")["locks"]
    assert measurement["rewritten"] == ["orders"]
    assert measurement["samples"] > 0 and measurement["note"] is None
    assert {stall["table"] for stall in measurement["stalls"]} == {"orders", "users"}


@POSTGRES
def test_the_default_config_measures_a_harmless_migration_and_passes(fixture_project, run_migtest):
    project = _orders_project(fixture_project, "ALTER TABLE orders ADD COLUMN note TEXT;\n")
    outcome = run_migtest(project.config, command="steps")

    assert outcome.exit_code == 0, outcome.output
    assert outcome.check("step-3-to-4", "locks")["status"] == "passed"
    (measurement,) = outcome.scenario("step-3-to-4")["locks"]
    assert measurement["samples"] > 0
    assert {stall["table"] for stall in measurement["stalls"]} == {"orders", "users"}
    assert measurement["rewritten"] == measurement["blocking_indexes"] == []


@POSTGRES
def test_a_run_scenario_warns_of_a_rewrite_by_default(fixture_project, run_migtest):
    project = _orders_project(fixture_project, WIDEN)
    outcome = run_migtest(project.config, "--only", "skip")

    assert outcome.exit_code == 0, outcome.output
    check = outcome.check("skip-1.2-to-1.3", "locks")
    assert check["status"] == "warned"
    assert check["location"] == {"path": "migrations/V4__change.sql", "line": 2}
    assert outcome.scenario("skip-1.2-to-1.3")["locks"][0]["rewritten"] == ["orders"]


@POSTGRES
def test_locks_off_measures_nothing(fixture_project, run_migtest):
    project = _orders_project(fixture_project, WIDEN, "off")
    outcome = run_migtest(project.config, command="steps")

    assert outcome.exit_code == 0, outcome.output
    assert "locks" not in outcome.scenario("step-3-to-4")
    assert "locks" not in {check["name"] for check in outcome.scenario("step-3-to-4")["checks"]}


def test_a_bad_threshold_is_a_configuration_error_naming_the_key(fixture_project, run_migtest):
    project = _orders_project(fixture_project, WIDEN, {"rewrite": "sometimes"})
    outcome = run_migtest(project.config, command="steps")

    assert outcome.exit_code == 2
    assert "key 'checks.locks.rewrite': must be one of fail, warn, off; got 'sometimes'" in outcome.output


@POSTGRES
def test_alembic_migrations_are_measured_per_migration(fixture_project, run_migtest):
    """Alembic runs in a child process: its locks keep their statement, the finding points at
    the revision's file."""
    project = fixture_project("alembic-base")
    project.revision(
        "0003",
        "0002",
        'op.execute("ALTER TABLE users ALTER COLUMN id TYPE bigint")',
        'op.execute("ALTER TABLE users ALTER COLUMN id TYPE integer")',
    )
    outcome = run_migtest(project.config, "--to", "0003", command="steps")

    assert outcome.exit_code == 0, outcome.output
    check = outcome.check("step-0002-to-0003", "locks")
    assert check["status"] == "warned"
    assert check["location"]["path"] == "migrations/versions/0003.py"
    (measurement,) = outcome.scenario("step-0002-to-0003")["locks"]
    assert measurement["label"] == "0003.py"
    assert measurement["rewritten"] == ["users"]
    assert measurement["site"] is None
