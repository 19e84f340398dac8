"""Captures compared at volume and strictly: a difference deep in a large table is still found and
shown with its values, with the table on disk, and a value that changes type only (1 -> 1.0) is
still a change, in memory and on disk."""

from __future__ import annotations

import pytest
from integration_support import failed

from migtest.capture.row_store import SPILL_ENV
from migtest.capture.state import TableData
from migtest.cli import EXIT_OK

ROWS = 750_000
CHANGED = 700_001


def test_difference_in_row_700001_of_a_large_table_is_found_with_its_values(fixture_project, run_migtest, monkeypatch):
    monkeypatch.setenv(SPILL_ENV, "100000")
    copied = []
    copy = TableData.copy

    def copy_counted(table, source):
        done = copy(table, source)
        copied.append((table.count, done))
        return done

    monkeypatch.setattr(TableData, "copy", copy_counted)
    project = fixture_project("flyway-base")
    project.write("migrations/V3__ledger.sql", "CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL);")
    project.write("migrations/V4__fix_one_entry.sql", f"UPDATE ledger SET amount = amount + 1 WHERE id = {CHANGED};")
    project.add_version("2.0", "3")
    project.add_version(
        "3.0",
        "4",
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) "
        "INSERT INTO ledger (id, amount) SELECT i, i * 10 FROM n;",
    )
    project.write("seeds/2.0.sql", (project.root / "seeds/3.0.sql").read_text())
    scenario = "upgrade-2.0-to-3.0"
    outcome = run_migtest(project.config, "--scenario", scenario)

    content = failed(outcome, scenario, "content")["content"]
    assert content["summary"] == "1 change(s) to existing data"
    assert content["evidence"] == [f"table 'ledger': id={CHANGED}: amount {CHANGED * 10} -> {CHANGED * 10 + 1}"]
    assert outcome.check(scenario, "rows")["status"] == "passed"
    # the ledger went to disk past 100 000 rows, copied in C before and after: its difference was found there
    assert copied == [(ROWS, True), (ROWS, True)]


RETYPE = """
import os, sqlite3
db = sqlite3.connect(os.environ["DATABASE_URL"].removeprefix("sqlite:///"))
db.execute("CREATE TABLE IF NOT EXISTS counters (id INTEGER PRIMARY KEY, value)")
db.execute("INSERT OR IGNORE INTO counters (id, value) VALUES (1, 1)")
db.execute("UPDATE counters SET value = CASE typeof(value) WHEN 'integer' THEN 1.0 ELSE 1 END")
db.commit()
"""


@pytest.mark.usefixtures("row_stores")
def test_rerun_that_turns_an_integer_into_an_equal_float_is_not_idempotent(fixture_project, run_migtest):
    # Each run of the upgrade stores the counter as the other type: 1 and 1.0 are equal to Python
    # (so `content`, comparing values, passes) but not the same stored value.
    project = fixture_project("command-steps")
    project.write("retype.py", RETYPE)
    settings = project.settings()
    upgrade = f"sh -c '{settings['migrations']['upgrade']} && python3 retype.py'"
    project.configure(migrations={**settings["migrations"], "upgrade": upgrade})
    scenario = "upgrade-1.0-to-1.1"
    outcome = run_migtest(project.config, "--scenario", scenario)

    assert outcome.exit_code != EXIT_OK
    idempotent = failed(outcome, scenario, "idempotent")["idempotent"]
    assert idempotent["summary"] == "running the upgrade again changed the database"
    assert idempotent["evidence"] == ["table 'counters': rows changed (1 before, 1 after the second run)"]
