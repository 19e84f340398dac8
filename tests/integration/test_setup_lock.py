"""Two runs sharing `.migtest-cache` at once: the second waits for the first's setup of a version,
saying what it waits for, and reuses it; the setup runs once and neither run crashes."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

WAIT_SECONDS = 120
WAITING = "waiting for another migtest run to finish the setup of version 1"


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what} after {WAIT_SECONDS}s"
        time.sleep(0.05)


def start_run(config: Path, name: str) -> tuple[subprocess.Popen[str], Path]:
    log = config.parent / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "migtest", "run", "-c", str(config), "--report-dir", str(config.parent / name)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, log


def test_concurrent_runs_share_one_setup(tmp_path):
    """The setup blocks until the test says `go`, so the runs overlap without relying on timing."""
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "V1__users.sql").write_text("CREATE TABLE users (id INTEGER PRIMARY KEY);")
    runs, go = tmp_path / "setup-runs", tmp_path / "go"
    setup = f"sh -c 'echo ran >> {runs}; while [ ! -e {go} ]; do sleep 0.05; done'"
    config = tmp_path / "migtest.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "migrations": {"tool": "sql", "dir": "db"},
                "versions": [{"name": "1", "revision": "1", "setup": setup}],
                "matrix": {"upgrade": "none", "downgrade": "none"},
            }
        )
    )
    first, first_log = start_run(config, "first")
    wait_for(runs.exists, "the first run to start the setup")
    second, second_log = start_run(config, "second")
    try:
        wait_for(
            lambda: WAITING in second_log.read_text() or runs.read_text().count("ran") > 1,
            "the second run to wait for the lock (or, unlocked, to start the setup again)",
        )
        go.touch()
        assert first.wait(WAIT_SECONDS) == 0, first_log.read_text()
        assert second.wait(WAIT_SECONDS) == 0, second_log.read_text()
    finally:
        for process in (first, second):
            process.kill()
            process.wait()
    assert runs.read_text() == "ran\n"
    assert "Traceback" not in first_log.read_text() + second_log.read_text()
    assert "PASSED: fresh install of 1" in second_log.read_text()
