"""Tables of a SQLite database copied to disk in C (migtest/capture/sqlite_copy.py) are checked
exactly as tables read through Python into memory: the same verdicts, the same evidence, the
values shown as Python reads them (True, not 1)."""

from __future__ import annotations

import pytest
from integration_support import failed

from migtest.capture.state import TableData
from migtest.cli import EXIT_OK

SCENARIO = "upgrade-2.0-to-3.0"
CASES = {
    # 1 == 1.0 to `content` (as in memory); only the type changed
    "a REAL 1.0 becomes INTEGER 1": (
        "id INTEGER PRIMARY KEY, v",
        "(1, 1.0), (2, 2.5)",
        "UPDATE m SET v = 1 WHERE id = 1",
        [],
    ),
    # today's checks compare a TIMESTAMP's text: another spelling of the same instant is a change
    "a TIMESTAMP respelled": (
        "id INTEGER PRIMARY KEY, v TIMESTAMP",
        "(1, '2024-01-01 10:00:00'), (2, '2024-01-02 10:00:00')",
        "UPDATE m SET v = '2024-01-01T10:00:00' WHERE id = 1",
        ["table 'm': id=1: v '2024-01-01 10:00:00' -> '2024-01-01T10:00:00'"],
    ),
    "a BOOLEAN 1 becomes 2": (
        "id INTEGER PRIMARY KEY, v BOOLEAN",
        "(1, 1), (2, 0), (3, 1.0)",
        "UPDATE m SET v = 2 WHERE id = 1",
        ["table 'm': id=1: v True -> 2"],
    ),
    # a key 1 and a key 1.0 are one key, as in a dict: the row is kept, its values are equal
    "a key 1 becomes 1.0": ("id PRIMARY KEY, v TEXT", "(1, 'a'), (2, 'b')", "UPDATE m SET id = 1.0 WHERE id = 1", []),
}


@pytest.mark.parametrize(("table", "rows", "change", "evidence"), CASES.values(), ids=CASES.keys())
def test_a_change_is_judged_alike_in_memory_and_copied_to_disk(
    table, rows, change, evidence, row_stores, fixture_project, run_migtest, monkeypatch
):
    copied = []
    copy = TableData.copy
    monkeypatch.setattr(TableData, "copy", lambda data, source: copied.append(copy(data, source)) or copied[-1])
    project = fixture_project("flyway-base")
    project.write("migrations/V3__m.sql", f"CREATE TABLE m ({table});")
    project.write("migrations/V4__change.sql", f"{change};")
    project.add_version("2.0", "3", f"INSERT INTO m VALUES {rows};")
    project.add_version("3.0", "4", f"INSERT INTO m VALUES {rows};")
    outcome = run_migtest(project.config, "--scenario", SCENARIO)

    if evidence:
        assert failed(outcome, SCENARIO, "content")["content"]["evidence"] == evidence
    else:
        assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check(SCENARIO, "rows")["status"] == "passed"
    # on disk, m before and after the upgrade was copied in C (again: its token had not changed)
    assert copied == ([True, True] if row_stores == "disk" else [])
