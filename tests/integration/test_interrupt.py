"""An interrupted run leaves nothing behind: no temporary databases, no Alembic workers."""

import os
import signal
import subprocess
import sys

import pytest

from migtest.migrators.alembic import DRIVER

DRIVER_FIRST_LINE = DRIVER.read_text().splitlines()[0].strip('"')


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_mid_run_cleans_up(project, tmp_path, signum):
    config = project("alembic-shop") / "migtest.yml"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "migtest", "run", "-c", str(config)],
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
    workers = subprocess.run(["pgrep", "-f", DRIVER_FIRST_LINE], capture_output=True, text=True)
    assert workers.stdout == "", "Alembic workers left running"
