"""SQL written by the user, or read back from the database, reaches it as written, '%' included (found on Harbor's real
history: `... NOT LIKE '%policy_id%'` in 0120_2.9.0_schema.up.sql). psycopg and PyMySQL read '%'
as a placeholder marker whenever a parameter list is passed, even an empty one."""

from __future__ import annotations

import pytest
from integration_support import statuses

from migtest.cli import EXIT_OK

pytestmark = pytest.mark.engines

NAMES_WITH_A_ZERO = "FROM users WHERE name LIKE '%0%'"
SCENARIO = "upgrade-1.1-to-2.0"


def test_percent_signs_in_migrations_seeds_and_assertions(fixture_project, run_migtest):
    project = fixture_project("flyway-base")
    # in 1.1's schema, which MySQL/MariaDB copy by replaying SHOW CREATE TABLE for each scenario
    project.write(
        "migrations/V2__add_nickname.sql", "ALTER TABLE users ADD COLUMN nickname VARCHAR(50) DEFAULT '100%';"
    )
    project.write("migrations/V3__percent.sql", "UPDATE users SET nickname = 'zero' WHERE name LIKE '%0%';")
    project.add_version("2.0", "3")
    seed = (project.root / "seeds/1.1.sql").read_text()
    project.write("seeds/1.1.sql", seed + "INSERT INTO users (id, name, nickname) VALUES (3, '100%', 'zero');\n")
    project.configure(
        checks={"sql": [{"name": "percent", "query": f"SELECT count(*) {NAMES_WITH_A_ZERO}", "expect": [[1]]}]}
    )

    outcome = run_migtest(project.config, "--only", SCENARIO)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert statuses(outcome, SCENARIO) == dict.fromkeys(
        ["migration", "history", "schema", "rows", "content", "idempotent", "sql: percent"], "passed"
    )
