"""The live progress line: in a terminal, one status line kept up to date under the plain lines.

It shows how many scenarios are done, which are running and in which phase, and the time since
the run began. The plain lines (console.py) are written through it: it erases itself, the line
is written, it draws itself again, all under one lock, so that the scrollback is the same as a
plain log. CI logs and pipes get the plain lines only (`\\r` would garble them).
"""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from migtest.masking import mask
from migtest.plan import Scenario
from migtest.results import Phase, ScenarioResult
from migtest.run import interrupts
from migtest.threads import BackgroundThread

if TYPE_CHECKING:
    from migtest.run.session import Progress

MODES = ("auto", "live", "plain")
CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI")
ERASE = "\r\x1b[K"  # to the line's start, then clear to its end
TICK_SECONDS = 0.5
STOP_SECONDS = 5  # the ticker wakes at once when stopped; this only bounds a stuck terminal write
DEFAULT_WIDTH = 80


def wanted(mode: str, stream: TextIO, environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """`auto`: live only in a terminal that is not a CI runner's (their logs keep every `\\r`)."""
    if mode != "auto":
        return mode == "live"
    in_ci = any(environ.get(name, "").lower() not in ("", "0", "false") for name in CI_VARIABLES)
    return not in_ci and environ.get("TERM") != "dumb" and stream.isatty()


class StatusLine:
    """What the line shows, and the one lock every write to the stream takes while it is shown."""

    def __init__(
        self, stream: TextIO, clock: Callable[[], float] = time.monotonic, tick_seconds: float = TICK_SECONDS
    ) -> None:
        self.stream = stream
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.lock = threading.RLock()
        self.began = clock()
        self.done = self.total = 0
        self.setup: str | None = None
        self.running: dict[Scenario, str] = {}  # the scenario's phase, in the order they started
        self._shown = False
        self._active = False
        self._held = False  # stderr is in the middle of a line: not drawn until it ends
        self._stopped = threading.Event()
        self._ticker = BackgroundThread(self._tick, "migtest-progress")

    def text(self, width: int) -> str:
        """At most `width - 1` characters: a line as wide as the terminal would wrap, and `\\r`
        returns only to the start of its last row."""
        elapsed = int(self.clock() - self.began)
        parts = [f"{self.done}/{self.total} done" if self.total else "starting", f"{elapsed // 60}:{elapsed % 60:02}"]
        if self.setup is not None:
            parts.append(f"setup {self.setup}")
        if self.running:
            parts.append("running " + ", ".join(f"{s.id} ({phase})" for s, phase in self.running.items()))
        text = mask(" | ".join(parts))
        return text if len(text) < width else text[: max(width - 4, 0)] + "..."

    def write(self, line: str) -> None:
        """A plain line, above the status line."""
        with self.lock:
            self._erase()
            self.stream.write(line + "\n")
            self._draw()

    def write_other(self, stream: TextIO, text: str) -> None:
        """Text another stream of the same terminal (stderr) is given: above the line as well."""
        with self.lock:
            self._erase()
            stream.write(text)
            self._held = not text.endswith("\n")
            stream.flush()
            self._draw()

    def redraw(self) -> None:
        with self.lock:
            self._draw()

    def _draw(self) -> None:
        if self._active and not self._held:
            self.stream.write("\r" + self.text(_width(self.stream)) + "\x1b[K")
            self._shown = True
        self.stream.flush()

    def _erase(self) -> None:
        if self._shown:
            self.stream.write(ERASE)
            self._shown = False

    def start(self) -> None:
        if self._ticker.is_alive():
            return
        with self.lock:
            self._active = True
            self._draw()
        self._ticker.start()

    def stop(self) -> None:
        """Stop the ticker and leave no trace of the line: what is printed next starts a clean line."""
        self._stopped.set()
        self._ticker.join(timeout=STOP_SECONDS)
        with self.lock:
            self._active = False
            self._erase()
            self.stream.flush()

    def _tick(self) -> None:
        """Redraws for the elapsed time; a terminal gone (hung up) ends the ticker, not the run."""
        while not self._stopped.wait(self.tick_seconds):
            try:
                self.redraw()
            except OSError:
                return


def _width(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or DEFAULT_WIDTH
    except (OSError, ValueError, AttributeError):
        return DEFAULT_WIDTH


@contextmanager
def showing(line: StatusLine | None) -> Iterator[None]:
    """The line drawn and ticking inside, cleared on the way out however the block ends."""
    if line is None:
        yield
        return
    stderr = sys.stderr
    try:
        with interrupts.deferred():  # drawn and ticking, or neither
            line.start()
            sys.stderr = _Above(line, stderr)  # type: ignore[assignment]
        yield
    finally:
        with interrupts.deferred():
            sys.stderr = stderr
            line.stop()


class _Above(io.TextIOBase):
    """sys.stderr while the line is shown: what other code prints there (a database it could not
    drop, a wait for another run's setup) goes above the line, not into it."""

    def __init__(self, line: StatusLine, stream: TextIO) -> None:
        super().__init__()
        self.line = line
        self.stream = stream

    def write(self, text: str) -> int:
        self.line.write_other(self.stream, text)
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def fileno(self) -> int:
        return self.stream.fileno()

    def isatty(self) -> bool:
        return self.stream.isatty()


class Tracked:
    """A `Progress` that keeps the status line's state from the events as they happen (not as
    InPlanOrder holds them back), then passes them on."""

    def __init__(self, inner: Progress, line: StatusLine) -> None:
        self.inner = inner
        self.line = line

    def _update(self, change: Callable[[], object]) -> None:
        with self.line.lock:
            change()
            self.line.redraw()

    def setup_started(self, version: str) -> None:
        self._update(lambda: setattr(self.line, "setup", version))
        self.inner.setup_started(version)

    def setup_output(self, version: str, line: str) -> None:
        self.inner.setup_output(version, line)

    def setup_finished(self, phase: Phase) -> None:
        self._update(lambda: setattr(self.line, "setup", None))
        self.inner.setup_finished(phase)

    def scenario_started(self, scenario: Scenario, index: int, total: int) -> None:
        def change() -> None:
            self.line.total = total
            self.line.running[scenario] = "starting"

        self._update(change)
        self.inner.scenario_started(scenario, index, total)

    def phase_started(self, scenario: Scenario, name: str) -> None:
        self._update(lambda: self.line.running.__setitem__(scenario, name))
        self.inner.phase_started(scenario, name)

    def phase_finished(self, scenario: Scenario, phase: Phase) -> None:
        self.inner.phase_finished(scenario, phase)

    def scenario_finished(self, result: ScenarioResult) -> None:
        def change() -> None:
            self.line.running.pop(result.scenario, None)
            self.line.done += 1

        self._update(change)
        self.inner.scenario_finished(result)
