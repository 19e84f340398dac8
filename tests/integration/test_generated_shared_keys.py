"""`seed.generate` with two composite foreign keys sharing a column (a tenant's assignment refers
to a project and a member of the same tenant): the parents are picked together, so the shared
column agrees and the database rejects no row."""

from __future__ import annotations

import pytest
import yaml

from migtest.cli import EXIT_OK

TENANTS = """
CREATE TABLE tenants (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20));
CREATE TABLE projects (tenant_id INTEGER NOT NULL, id INTEGER NOT NULL, name VARCHAR(20),
    PRIMARY KEY (tenant_id, id), FOREIGN KEY (tenant_id) REFERENCES tenants (id));
CREATE TABLE members (tenant_id INTEGER NOT NULL, id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id), FOREIGN KEY (tenant_id) REFERENCES tenants (id));
CREATE TABLE assignments (id INTEGER NOT NULL PRIMARY KEY, tenant_id INTEGER NOT NULL,
    project_id INTEGER NOT NULL, member_id INTEGER, hours INTEGER,
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id));
"""
ROWS = 200
# SQLite does not enforce foreign keys unless asked: these say the keys agree on every engine.
AGREE = [
    {
        "name": "every assignment's project is its tenant's",
        "query": "SELECT count(*) FROM assignments a LEFT JOIN projects p "
        "ON p.tenant_id = a.tenant_id AND p.id = a.project_id WHERE p.id IS NULL",
        "expect": [[0]],
    },
    {
        "name": "every assignment's member is its tenant's",
        "query": "SELECT count(*) FROM assignments a LEFT JOIN members m "
        "ON m.tenant_id = a.tenant_id AND m.id = a.member_id WHERE a.member_id IS NOT NULL AND m.id IS NULL",
        "expect": [[0]],
    },
]


@pytest.mark.engines
def test_two_composite_foreign_keys_sharing_a_column_reject_no_row(tmp_path, run_migtest):
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "V1__tenants.sql").write_text(TENANTS)
    (tmp_path / "db" / "V2__notes.sql").write_text("ALTER TABLE assignments ADD COLUMN note VARCHAR(50);")
    config = tmp_path / "migtest.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "migrations": {"tool": "sql", "dir": "db"},
                "versions": [{"name": "1", "revision": "1"}, {"name": "2", "revision": "2"}],
                "matrix": {"fresh": False, "downgrade": "none"},
                "seed": {"generate": {"rows": ROWS}},
                "checks": {"sql": AGREE},
            }
        )
    )

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    (seed,) = [phase for phase in outcome.scenario("upgrade-1-to-2")["phases"] if phase["name"] == "seed"]
    assert seed["detail"] == f"generated {4 * ROWS} rows in 4 tables"
    assert outcome.check("upgrade-1-to-2", "rows")["summary"] == f"all {4 * ROWS} row(s) kept"
    for assertion in AGREE:
        assert outcome.check("upgrade-1-to-2", f"sql: {assertion['name']}")["status"] == "passed"
