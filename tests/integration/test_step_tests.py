"""Step tests written by users (steptests.py), one file per migration, YAML or Python: each runs
on a database of its own at its `before` revision, with its rows, migrated to its `target`. A
test that holds passes; one whose expectation is wrong fails with the check and evidence that
say why; a broken test file is bad input (exit 2, the file and key named)."""

from __future__ import annotations

import pytest
from integration_support import failed

from migtest.cli import EXIT_OK, EXIT_USAGE

LOWER_EMAILS = "UPDATE users SET email = lower(email);\n"  # V3 of flyway-base plus this


@pytest.fixture
def lowering(fixture_project):
    """flyway-base (1: users, 2: nickname) plus V3 lowercasing e-mail addresses, and a steps folder."""
    project = fixture_project("flyway-base")
    project.write("migrations/V3__lower_emails.sql", LOWER_EMAILS)
    project.add_version("2.0", "3")
    return project


YAML_TEST = """
before: "2"
target: "3"
insert:
  users:
    - {id: 10, name: Ada, email: Ada@Example.COM}
    - {id: 11, name: Bob, email: null}
assert:
  - name: addresses are lowercased, NULL stays NULL
    query: SELECT email FROM users WHERE id >= 10 ORDER BY id
    expect: %s
"""

PYTHON_TEST = """
BEFORE = "2"
TARGET = "3"


def before(db):
    db.insert("users", [{"id": 20, "name": "Grace", "email": "GRACE@x.io"}])


def after(db):
    assert db.one("users", id=20)["email"] == %s
    assert [row["id"] for row in db.rows("users")] == [20]
"""


@pytest.mark.engines
def test_step_tests_that_hold_pass_and_wrong_ones_fail_with_their_evidence(lowering, run_migtest):
    lowering.write("migtest/steps/V3_lower.yml", YAML_TEST % '[["ada@example.com"], [null]]')
    lowering.write("migtest/steps/V3_lower_wrong.yml", YAML_TEST % '[["Ada@Example.COM"], [null]]')
    lowering.write("migtest/steps/v3_python.py", PYTHON_TEST % '"grace@x.io"')
    lowering.write("migtest/steps/v3_python_wrong.py", PYTHON_TEST % '"GRACE@x.io"')
    outcome = run_migtest(lowering.config, "--from", "2", command="steps")

    assert outcome.scenario("step-2-to-3")["status"] == "passed"
    assert outcome.scenario("test-V3_lower")["status"] == "passed"
    assert outcome.scenario("test-v3_python")["status"] == "passed"
    name = "sql: addresses are lowercased, NULL stays NULL"
    wrong = failed(outcome, "test-V3_lower_wrong", name)[name]
    assert wrong["summary"] == "expected [['Ada@Example.COM'], [None]], got [['ada@example.com'], [None]]"
    assert wrong["location"] == {"path": "migtest/steps/V3_lower_wrong.yml", "line": None}
    after = failed(outcome, "test-v3_python_wrong", "after")["after"]
    assert after["evidence"][0].splitlines()[0].startswith('  File "') and "v3_python_wrong.py" in after["evidence"][0]
    assert 'assert db.one("users", id=20)["email"] == "GRACE@x.io"' in after["evidence"][0]
    phases = [phase["name"] for phase in outcome.scenario("test-v3_python")["phases"]]
    assert phases == ["upgrade to 2", "before", "upgrade"]
    assert "| v3\\_python\\_wrong | 2 → 3 | ❌ failed |" in (outcome.report_dir / "summary.md").read_text()


@pytest.mark.engines
def test_expect_error_passes_when_the_migration_fails_so(lowering, run_migtest):
    lowering.write("migrations/V4__unique_names.sql", "CREATE UNIQUE INDEX ux_users_name ON users (name);\n")
    duplicates = "insert:\n  users: [{id: 1, name: Ada}, {id: 2, name: Ada}]\n"
    lowering.write(
        "migtest/steps/V4_duplicates.yml", f'before: "3"\ntarget: "4"\n{duplicates}expect_error: ux_users_name\n'
    )
    lowering.write("migtest/steps/V4_no_error.yml", 'before: "3"\ntarget: "4"\nexpect_error: ux_users_name\n')
    outcome = run_migtest(lowering.config, "--from", "3", command="steps")

    assert outcome.check("test-V4_duplicates", "expect_error")["status"] == "passed"
    missing = failed(outcome, "test-V4_no_error", "expect_error")["expect_error"]
    assert missing["summary"] == "the migration succeeded; expected it to fail with 'ux_users_name'"


@pytest.mark.engines
def test_rows_the_database_refuses_fail_the_test_in_its_words(lowering, run_migtest, database_config):
    """A table or column the database lacks at `before`, or a row it refuses: the step test fails,
    with what the database has or says as evidence, never migtest's traceback."""
    step = 'before: "2"\ntarget: "3"\ninsert:\n  %s\n'
    lowering.write("migtest/steps/V3_no_table.yml", step % "userz: [{id: 1}]")
    lowering.write("migtest/steps/V3_no_column.yml", step % "users: [{id: 1, name: Ada, age: 3}]")
    lowering.write("migtest/steps/V3_null.yml", step % "users: [{id: 1, name: null}]")
    outcome = run_migtest(lowering.config, "--from", "2", command="steps")

    no_table = failed(outcome, "test-V3_no_table", "before")["before"]
    assert no_table["summary"] == (
        "V3_no_table.yml: cannot insert into 'userz': no table 'userz' in the database at this point of the history"
    )
    assert no_table["evidence"][0].startswith("at revision 2, tables: ") and "users" in no_table["evidence"][0]
    no_column = failed(outcome, "test-V3_no_column", "before")["before"]
    assert no_column["summary"].endswith(
        "cannot insert into 'users': table 'users' has no column 'age' at this point of the history"
    )
    assert no_column["evidence"] == ["at revision 2, columns of 'users': id, name, email, nickname"]
    null = failed(outcome, "test-V3_null", "before")["before"]
    assert null["summary"].startswith("V3_null.yml: cannot insert into 'users': ")
    assert "name" in null["evidence"][0] and ("null" in null["evidence"][0].lower() or "NULL" in null["evidence"][0])
    for scenario in ("test-V3_no_table", "test-V3_no_column", "test-V3_null"):
        assert "Traceback" not in str(outcome.scenario(scenario)), outcome.output


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("V3.yml", 'before: "2"\ntarget: "3"\nchecks: []\n', "V3.yml, key 'checks': unknown key"),
        ("V3.yml", 'before: "2"\ntarget: "9"\n', "V3.yml, key 'target': '9' is not in the history: base, 1, 2, 3"),
        ("V3.yml", 'target: "3"\n', "V3.yml, key 'before': missing"),
        ("v3.py", "BEFORE = '2'\n", "v3.py, key 'TARGET': the module must set it to a revision"),
        ("v3.py", "import nowhere\n", "v3.py: cannot import (line 1): ModuleNotFoundError: No module named 'nowhere'"),
        (
            "V3.yml",
            'before: "2"\ntarget: "3"\ninsert: {users: [[1, Ada]]}\n',
            "V3.yml, key 'insert.users[0]': must be a row",
        ),
        ("V3.yml", 'before: "2"\ntarget: "3"\nassert: true\n', "V3.yml, key 'assert': must be a list of queries"),
    ],
)
def test_broken_test_file_exits_2_naming_it(lowering, run_migtest, name, text, message):
    lowering.write(f"migtest/steps/{name}", text)
    outcome = run_migtest(lowering.config, command="steps")

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert message in outcome.output


def test_run_runs_the_step_tests_too_when_configured(lowering, run_migtest):
    lowering.write("migtest/steps/V3_lower.yml", YAML_TEST % '[["ada@example.com"], [null]]')
    lowering.configure(steps={"run": True}, matrix={"fresh": False, "downgrade": "none"})
    outcome = run_migtest(lowering.config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert [s["id"] for s in outcome.results["scenarios"]] == [
        "upgrade-1.0-to-1.1",
        "upgrade-1.1-to-2.0",
        "test-V3_lower",
    ]
    assert "| V3\\_lower | 2 → 3 | ✅ passed |" in (outcome.report_dir / "summary.md").read_text()
    lowering.configure(steps={"dir": "elsewhere"})
    missing = run_migtest(lowering.config)
    assert missing.exit_code == EXIT_USAGE and "key 'steps.dir': directory not found" in missing.output


def test_steps_folder_is_optional(lowering, run_migtest):
    outcome = run_migtest(lowering.config, command="steps")
    assert outcome.exit_code == EXIT_OK, outcome.output
    assert [s["kind"] for s in outcome.results["scenarios"]] == ["step"] * 3
