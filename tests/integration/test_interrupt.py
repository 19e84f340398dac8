"""An interrupted run leaves nothing behind: no temporary databases, no Alembic workers, with
scenarios run one at a time or several at once (the default: one per CPU), and in a step walk."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from migtest.migrators.alembic import DRIVER

DRIVER_FIRST_LINE = DRIVER.read_text().splitlines()[0].strip('"')


@pytest.mark.parametrize(
    "command",
    [["run"], ["run", "--jobs", "1"], ["run", "--jobs", "4"], ["steps"]],
    ids=["default", "jobs1", "jobs4", "steps"],
)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_mid_run_cleans_up(project, tmp_path, signum, command):
    config = project("alembic-shop") / "migtest.yml"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "migtest", command[0], "-c", str(config), *command[1:]],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch), "PYTHONUNBUFFERED": "1"},
    )
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("[3/"):
            break
    process.send_signal(signum)
    output = "".join(seen) + process.stdout.read()
    assert process.wait(timeout=60) == 130, output
    assert "interrupted; everything it created was removed" in output
    assert list(scratch.iterdir()) == []
    assert workers_started_with(scratch) == [], "Alembic workers left running"


def workers_started_with(tmpdir: Path) -> list[str]:
    """The Alembic workers of the run whose TMPDIR this is, not those of other runs on the machine."""
    found = subprocess.run(["pgrep", "-f", DRIVER_FIRST_LINE], capture_output=True, text=True).stdout.split()
    return [pid for pid in found if f"TMPDIR={tmpdir}".encode() in _environment(pid).split(b"\0")]


def _environment(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:  # it ended meanwhile
        return b""
