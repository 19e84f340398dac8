"""migtest started as a process of its own, as a user or a CI runner starts it, to be signalled or
killed mid-run while its output is read as it comes.

Its SIGINT and SIGTERM are reset to their defaults: a child inherits a parent's ignored SIGINT
(a shell's background job, some CI runners start the test runner so), and Python then keeps it
ignored, so an interrupt test would see migtest run to its end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

WAIT_SECONDS = 180.0  # for a line or an exit, on a busy 2-core machine


def default_signals() -> None:
    """For `preexec_fn`: the child starts with SIGINT and SIGTERM at their defaults."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)


class Started:
    """`python -m migtest ARGS`, its output (stdout and stderr) collected line by line."""

    def __init__(self, *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "migtest", *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=cwd,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            preexec_fn=default_signals,
        )
        self.lines: list[str] = []
        self.ended = False
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self.ended = True
            self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def wait_for(self, matches: Callable[[str], bool], what: str, timeout: float = WAIT_SECONDS) -> str:
        """The first line that `matches`; fails saying `what` was waited for if it ends or times out first."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for line in self.lines[seen:]:
                    if matches(line):
                        return line
                seen = len(self.lines)
                remaining = deadline - time.monotonic()
                if self.ended or remaining <= 0:
                    why = "it ended" if self.ended else f"{timeout:.0f}s passed"
                    raise AssertionError(f"no {what} in migtest's output ({why}):\n{''.join(self.lines)}")
                self._changed.wait(remaining)

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float = WAIT_SECONDS) -> None:
        """Poll `ready` (something outside the output) until it holds, while migtest runs."""
        deadline = time.monotonic() + timeout
        while not ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{what} did not happen:\n{self.output}")
            time.sleep(0.05)

    @property
    def run_id(self) -> str:
        """From the line every run starts with: `run id 1234abcd: ...`."""
        line = self.wait_for(lambda line: line.startswith("run id "), "run id line")
        return line.split()[2].rstrip(":")

    def send(self, *signums: int) -> None:
        for signum in signums:
            self.process.send_signal(signum)

    def finish(self, timeout: float = WAIT_SECONDS) -> tuple[int, str]:
        """Its exit code and whole output, once it has exited (killed if it does not within `timeout`)."""
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"migtest still ran {timeout:.0f}s after the signal:\n{self.output}") from None
        with self._changed:
            self._changed.wait_for(lambda: self.ended, timeout=timeout)
        return code, self.output
