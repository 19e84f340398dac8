"""Version names that are not ASCII: each version's databases (and the files and containers named
after them) stay its own on every engine, so a matrix of Greek alpha, beta, gamma passes as its
ASCII twin does (before, all three were the database `migtest_<run>_template`)."""

from __future__ import annotations

import pytest

from migtest.cli import EXIT_OK


@pytest.mark.engines
def test_versions_named_in_greek_keep_their_own_databases(fixture_project, run_migtest):
    project = fixture_project("alembic-base")
    project.revision(
        "0003",
        "0002",
        "op.add_column('users', sa.Column('age', sa.Integer))",
        "with op.batch_alter_table('users') as batch:\n    batch.drop_column('age')",
    )
    project.configure(versions=[{"name": "α", "revision": "0001"}, {"name": "β", "revision": "0002"}])
    for name, release in (("α", "1.0"), ("β", "1.1")):
        project.write(f"seeds/{name}.sql", (project.root / f"seeds/{release}.sql").read_text())
    project.add_version("γ", "0003", "INSERT INTO users (id, name, nickname, age) VALUES (4, 'Dee', NULL, 40);")

    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.results["totals"] == {"passed": 7, "failed": 0, "skipped": 0}
    assert {scenario["id"] for scenario in outcome.results["scenarios"]} >= {"fresh-α", "upgrade-β-to-γ"}
