"""`migtest steps`: each migration of the history upgraded, downgraded and upgraded again on its
own, on every engine. The examples' histories pass; each way a single migration can be wrong is
caught by the named check at that step, and a step that leaves the database unusable ends the walk.
"""

from __future__ import annotations

import pytest
from integration_support import engine_of, failed

from migtest.cli import EXIT_OK, EXIT_USAGE

pytestmark = pytest.mark.engines


def statuses(outcome) -> dict[str, str]:
    return {scenario["id"]: scenario["status"] for scenario in outcome.results["scenarios"]}


@pytest.mark.parametrize(
    ("name", "steps"),
    [
        ("alembic-shop", ["base-to-0001_initial", "0008_order_status-to-0009_lowercase_emails"]),
        ("flyway-shop", ["base-to-1", "4-to-5"]),
    ],
)
def test_example_histories_pass_step_by_step(project, run_migtest, name, steps, database_config):
    outcome = run_migtest(project(name) / "migtest.yml", command="steps")

    assert outcome.exit_code == EXIT_OK, outcome.output
    walked = [s for s in outcome.results["scenarios"] if s["kind"] == "step"]
    assert walked[0]["id"] == f"step-{steps[0]}" and walked[-1]["id"] == f"step-{steps[1]}"
    assert {s["status"] for s in walked} == {"passed"}  # the step tests: the test below
    for scenario in walked:
        checks = {check["name"]: check["status"] for check in scenario["checks"]}
        locks = checks.pop("locks", None)  # measured on the servers: the examples' rewrites warn
        assert checks == dict.fromkeys(["migration", "rows", "content", "downgrade"], "passed"), scenario["id"]
        assert (locks is not None) == (engine_of(database_config) != "sqlite")
        assert locks in (None, "passed", "warned")
        phases = [phase["name"] for phase in scenario["phases"]]
        assert phases[-6:] == ["capture before", "upgrade", "capture after", "downgrade", "capture downgraded",
                               "upgrade again"]  # fmt: skip
    seeded = [s["id"] for s in walked if any(p["name"] == "seed" for p in s["phases"])]
    assert len(seeded) == 1  # the first release's data, where the walk passes its revision
    summary = (outcome.report_dir / "summary.md").read_text()
    assert "| step | upgrade | downgrade | upgrade again | result |" in summary and "🐢" in summary


def test_example_step_tests_hold_on_every_engine(project, run_migtest, database_config):
    """alembic-shop's migtest/steps: a Python test of 0003's rounding, 0009 lowercasing e-mail
    addresses (which once did nothing on MariaDB, found by this test), and 0009 refusing two
    addresses that differ only in case (each engine's words; MariaDB never lets such a pair in)."""
    outcome = run_migtest(project("alembic-shop") / "migtest.yml", "--from", "0008_order_status", command="steps")

    assert outcome.exit_code == EXIT_OK, outcome.output
    tests = {s["id"]: s["status"] for s in outcome.results["scenarios"] if s["kind"] == "test"}
    duplicates = "skipped" if database_config and database_config["engine"] == "mariadb" else "passed"
    assert tests == {
        "test-0003_price_cents": "passed",
        "test-0009_case_duplicates": duplicates,
        "test-0009_lowercase_emails": "passed",
    }
    if duplicates == "passed":
        assert outcome.check("test-0009_case_duplicates", "expect_error")["summary"].startswith("failed as expected")
    else:
        skipped = outcome.check("test-0009_case_duplicates", "engines")
        assert skipped["summary"] == "not run: for sqlite, postgres, not mariadb"


def test_from_and_to_limit_the_walk(project, run_migtest):
    config = project("flyway-shop") / "migtest.yml"
    outcome = run_migtest(config, "--from", "2", "--to", "4", command="steps")

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert list(statuses(outcome)) == ["step-2-to-3", "step-3-to-4"]
    first = outcome.scenario("step-2-to-3")
    assert first["phases"][0]["name"] == "upgrade to 2 (the walk's start)"
    bad = run_migtest(config, "--from", "4", "--to", "2", command="steps")
    assert bad.exit_code == EXIT_USAGE and "key '--to': --to 2 is not after --from 4" in bad.output
    unknown = run_migtest(config, "--to", "9", command="steps")
    assert (
        unknown.exit_code == EXIT_USAGE and "key '--to': no migration '9' in the history: base, 1, 2" in unknown.output
    )


def test_step_that_drops_data_fails_content_there_and_the_walk_goes_on(fixture_project, run_migtest):
    project = fixture_project("flyway-base")  # 1.0 seeds users; V2 adds nickname
    project.write("migrations/V3__drop_email.sql", "ALTER TABLE users DROP COLUMN email;")
    project.write("migrations/U3__drop_email.sql", "ALTER TABLE users ADD COLUMN email VARCHAR(100);")
    project.write("migrations/V4__tags.sql", "CREATE TABLE tags (id INTEGER PRIMARY KEY);")
    project.write("migrations/U4__tags.sql", "DROP TABLE tags;")
    outcome = run_migtest(project.config, command="steps")

    content = failed(outcome, "step-2-to-3", "content")["content"]
    assert content["evidence"][0].startswith("table 'users': column 'email' dropped while")
    assert content["location"] == {"path": "migrations/V3__drop_email.sql", "line": 1}
    assert statuses(outcome) == {
        "step-base-to-1": "passed",
        "step-1-to-2": "passed",
        "step-2-to-3": "failed",
        "step-3-to-4": "passed",
    }


def test_failing_migration_ends_the_walk(fixture_project, run_migtest):
    project = fixture_project("flyway-base")
    project.write("migrations/V3__bad.sql", "ALTER TABLE users ADD COLUMN age INTEGER;\nUPDATE users SET age = nope;")
    project.write("migrations/V4__later.sql", "CREATE TABLE later (id INTEGER PRIMARY KEY);")
    outcome = run_migtest(project.config, command="steps")

    migration = failed(outcome, "step-2-to-3", "migration")["migration"]
    assert migration["summary"].startswith("V3__bad.sql: statement 2 of 2 failed")
    assert migration["location"] == {"path": "migrations/V3__bad.sql", "line": 2}
    later = outcome.scenario("step-3-to-4")
    assert later["status"] == "skipped"
    assert later["checks"][0]["summary"] == "not run: step step-2-to-3 failed"


def test_a_migration_failing_before_the_walks_start_fails_its_first_step(fixture_project, run_migtest):
    project = fixture_project("flyway-base")
    project.write("migrations/V3__bad.sql", "UPDATE users SET nickname = nope;")
    project.write("migrations/V4__later.sql", "CREATE TABLE later (id INTEGER PRIMARY KEY);")
    outcome = run_migtest(project.config, "--from", "3", command="steps")

    run = failed(outcome, "step-3-to-4", "run")["run"]
    assert run["summary"].startswith("V3__bad.sql: statement 1 of 1 failed")
    phase = outcome.scenario("step-3-to-4")["phases"][0]
    assert (phase["name"], phase["status"]) == ("upgrade to 3 (the walk's start)", "failed")


def test_downgrade_that_leaves_schema_behind_fails_downgrade_and_ends_the_walk(fixture_project, run_migtest):
    project = fixture_project("flyway-base")
    project.write("migrations/V3__index.sql", "CREATE INDEX ix_users_email ON users (email);")  # no undo file
    project.write("migrations/V4__table.sql", "CREATE TABLE later (id INTEGER PRIMARY KEY);")
    project.write("migrations/U4__table.sql", "SELECT 1;")  # forgets the table
    project.write("migrations/V5__more.sql", "CREATE TABLE more (id INTEGER PRIMARY KEY);")
    outcome = run_migtest(project.config, command="steps")

    assert outcome.check("step-2-to-3", "downgrade")["summary"] == "cannot downgrade: no undo file for version 3"
    assert outcome.scenario("step-2-to-3")["status"] == "passed"
    checks = failed(outcome, "step-3-to-4", "downgrade", "upgrade again")
    assert checks["downgrade"]["summary"] == "1 difference(s) from the schema at 3"
    assert checks["downgrade"]["evidence"] == ["table 'later': present after migrating, not in a fresh install"]
    assert "V4__table.sql" in checks["upgrade again"]["summary"]  # the table is still there
    assert outcome.scenario("step-4-to-5")["status"] == "skipped"


def test_alembic_step_with_a_downgrade_that_does_nothing_fails_downgrade(fixture_project, run_migtest):
    project = fixture_project("alembic-base")
    project.revision("0003", "0002", 'op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True))')
    project.add_version("2.0", "0003")
    outcome = run_migtest(project.config, command="steps")

    checks = failed(outcome, "step-0002-to-0003", "downgrade", "upgrade again")
    assert checks["downgrade"]["evidence"][0] == "table 'tags': present after migrating, not in a fresh install"
    assert "already exists" in checks["upgrade again"]["evidence"][0]
    assert list(statuses(outcome)) == ["step-base-to-0001", "step-0001-to-0002", "step-0002-to-0003"]


TRIGGERS = {  # on tags: every insert renames every user
    "sqlite": (
        "CREATE TRIGGER tags_rename AFTER INSERT ON tags BEGIN UPDATE users SET name = 'renamed'; END;",
        "DROP TRIGGER tags_rename;",
    ),
    "postgres": (
        "CREATE FUNCTION rename_users() RETURNS trigger AS $$ BEGIN UPDATE users SET name = 'renamed'; RETURN NEW; "
        "END; $$ LANGUAGE plpgsql;\n"
        "CREATE TRIGGER tags_rename AFTER INSERT ON tags FOR EACH ROW EXECUTE FUNCTION rename_users();",
        "DROP TRIGGER tags_rename ON tags;\nDROP FUNCTION rename_users();",
    ),
    "mariadb": (
        "CREATE TRIGGER tags_rename AFTER INSERT ON tags FOR EACH ROW UPDATE users SET name = 'renamed';",
        "DROP TRIGGER tags_rename;",
    ),
}


ADA_CHANGED = ["table 'users': id=1: email 'ada@example.com' -> 'changed@example.com'"]


def test_a_change_to_a_table_the_migration_does_not_name_is_caught(fixture_project, run_migtest, database_config):
    """Each capture reads again only the tables whose digest changed: an UPDATE of another table,
    or a trigger's, keeps the row count and the schema of the table it changes, and is caught."""
    project = fixture_project("flyway-base")  # 1.0 seeds users; V2 adds nickname
    project.write(
        "migrations/V3__tags.sql",
        "CREATE TABLE tags (id INTEGER PRIMARY KEY);\nUPDATE users SET email = 'changed@example.com' WHERE id = 1;",
    )
    project.write("migrations/U3__tags.sql", "DROP TABLE tags;")
    trigger, untrigger = TRIGGERS[database_config["engine"] if database_config else "sqlite"]
    project.write("migrations/V4__trigger.sql", trigger)
    project.write("migrations/U4__trigger.sql", untrigger)
    project.write("migrations/V5__first_tag.sql", "INSERT INTO tags (id) VALUES (1);")
    project.write("migrations/U5__first_tag.sql", "DELETE FROM tags;")
    outcome = run_migtest(project.config, command="steps")

    assert statuses(outcome) == {
        "step-base-to-1": "passed",
        "step-1-to-2": "passed",
        "step-2-to-3": "failed",
        "step-3-to-4": "passed",
        "step-4-to-5": "failed",
    }
    updated = failed(outcome, "step-2-to-3", "content")["content"]["evidence"]
    renamed = failed(outcome, "step-4-to-5", "content")["content"]["evidence"]
    assert updated == ADA_CHANGED
    users = ((1, "Ada"), (2, "Bob"))
    assert sorted(renamed) == [f"table 'users': id={key}: name '{name}' -> 'renamed'" for key, name in users]


def test_a_value_changed_by_a_migration_that_also_adds_a_column_is_caught(fixture_project, run_migtest):
    """A migration adding a column and filling it rewrites every row: on SQLite the rows whose
    records kept their values are carried over from the capture before, and a value the same
    migration changed, keeping the row count, is read and shown as it is."""
    project = fixture_project("flyway-base")  # 1.0 seeds users; V2 adds nickname
    project.write(
        "migrations/V3__age.sql",
        "ALTER TABLE users ADD COLUMN age INTEGER;\nUPDATE users SET age = id * 10;\n"
        "UPDATE users SET email = 'changed@example.com' WHERE id = 1;",
    )
    project.write("migrations/U3__age.sql", "ALTER TABLE users DROP COLUMN age;")
    project.write("migrations/V4__rank.sql", "ALTER TABLE users ADD COLUMN rank INTEGER;\nUPDATE users SET rank = id;")
    project.write("migrations/U4__rank.sql", "ALTER TABLE users DROP COLUMN rank;")
    outcome = run_migtest(project.config, command="steps")

    assert list(statuses(outcome).values()) == ["passed", "passed", "failed", "passed"]
    assert failed(outcome, "step-2-to-3", "content")["content"]["evidence"] == ADA_CHANGED
