"""The store captures spill to leaves no file behind: not after a run, not after kill -9; its
budget is checked before a run starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from migtest.capture.row_store import SPILL_ENV
from migtest.cli import EXIT_OK, EXIT_USAGE

SPILLS = """
import os, sys
from migtest.capture.row_store import SpilledRows
rows = SpilledRows(2, [0])
for start in range(0, 100_000, 10_000):
    rows.extend([(i, "x" * 500) for i in range(start, start + 10_000)])
links = []
for fd in os.listdir("/proc/self/fd"):
    try:
        links.append(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:  # the listing's own descriptor, closed since
        pass
print(len(rows), *links, sep="|", flush=True)
sys.stdin.readline()
"""


def spilling_env(folder: Path) -> dict[str, str]:
    """SQLite puts temporary files in SQLITE_TMPDIR; every table goes to disk."""
    return {**os.environ, "SQLITE_TMPDIR": str(folder), "MIGTEST_SPILL_ROWS": "0"}


def test_the_store_is_a_file_on_disk_that_kill_9_leaves_nowhere(tmp_path):
    folder = tmp_path / "sqlite-tmp"
    folder.mkdir()
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "text": True}
    child = subprocess.Popen([sys.executable, "-c", SPILLS], env=spilling_env(folder), **pipes)
    try:
        count, *files = child.stdout.readline().strip().split("|")  # once its 100 000 rows are stored
        assert count == "100000"
        # 50 MB of rows past a 32 MB cache: SQLite wrote them to a file there, unlinked as it opened it
        on_disk = [name for name in files if name.startswith(f"{folder}/")]
        assert on_disk and all(name.endswith(" (deleted)") for name in on_disk), files
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert list(folder.iterdir()) == []


def test_a_run_with_every_table_on_disk_leaves_no_file(fixture_project, tmp_path):
    folder = tmp_path / "sqlite-tmp"
    folder.mkdir()
    project = fixture_project("flyway-base")
    command = [sys.executable, "-m", "migtest", "run", "-c", str(project.config), "--report-dir", str(tmp_path / "r")]
    done = subprocess.run(command, env=spilling_env(folder), capture_output=True, text=True, timeout=600)
    assert done.returncode == EXIT_OK, done.stdout + done.stderr
    assert list(folder.iterdir()) == []


def test_a_budget_that_is_not_a_number_is_exit_2_naming_it(fixture_project, run_migtest, monkeypatch):
    monkeypatch.setenv(SPILL_ENV, "lots")
    outcome = run_migtest(fixture_project("flyway-base").config)
    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert f"key '{SPILL_ENV}': must be a whole number of rows" in outcome.output
    assert outcome.results is None  # stopped before any scenario ran
