"""Progress on the terminal: one line per phase as it ends, a verdict per scenario.

A version's `setup:` (before the scenarios) prints its output as it comes, indented under its
name, then its timed line; a cached one only its line. Inside GitHub Actions each setup and each
scenario is folded into a ::group::, and what it prints inside is
echoed between ::stop-commands:: and its token: error messages, SQL and logs come from the
migrations and the app, and a line of theirs must not be taken for a workflow command. When
scenarios run in parallel, ordered.py hands this the events scenario by scenario, so the lines
still read in plan order.
"""

from __future__ import annotations

import _thread
import os
import secrets
import sys
import threading
from typing import TextIO

from migtest.masking import mask
from migtest.plan import Scenario
from migtest.reports.excerpt import excerpt
from migtest.reports.live import StatusLine
from migtest.reports.locks import headline
from migtest.results import FAILED, Phase, ScenarioResult
from migtest.results.locations import MIGRATING_CHECKS

EVIDENCE_HEAD, EVIDENCE_TAIL = 3, 9
READER_GONE = threading.Event()


def reader_gone() -> None:
    """stdout's reader went away (`migtest plan | head`): what is still written, or buffered for
    Python's flush at exit, goes to /dev/null, so that nothing prints a traceback or "Exception
    ignored" (the recipe of the signal module's documentation for SIGPIPE)."""
    READER_GONE.set()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class Console:
    """`line`: the live status line (live.py) to write through, in a terminal."""

    def __init__(
        self, stream: TextIO | None = None, *, github: bool | None = None, line: StatusLine | None = None
    ) -> None:
        self.stream = stream or sys.stdout
        self.github = os.environ.get("GITHUB_ACTIONS") == "true" if github is None else github
        self.token = secrets.token_hex(16)
        self.line = line

    def _print(self, text: str) -> None:
        try:
            if self.line is not None:
                self.line.write(mask(text))
            else:
                print(mask(text), file=self.stream, flush=True)
        except BrokenPipeError:
            reader_gone()
            if threading.current_thread() is threading.main_thread():
                raise
            # a scenario's or a command's output thread: raising would end it, not the run (and
            # leave its command blocked on a full pipe); the main thread unwinds as on Ctrl-C
            _thread.interrupt_main()

    def scenario_started(self, scenario: Scenario, index: int, total: int) -> None:
        self._open_group(f"[{index}/{total}] {scenario.title}")

    def _open_group(self, title: str) -> None:
        if self.github:
            self._print(f"::group::{title}")
            self._print(f"::stop-commands::{self.token}")
        else:
            self._print(title)

    def _close_group(self) -> None:
        if self.github:
            self._print(f"::{self.token}::")
            self._print("::endgroup::")

    def setup_started(self, version: str) -> None:
        self._open_group(f"setup {version}")

    def setup_output(self, version: str, line: str) -> None:
        self._print(f"  | {line}")

    def setup_finished(self, phase: Phase) -> None:
        if phase.detail != "cached":
            self._close_group()
        self._print_phase(phase)

    def phase_started(self, scenario: Scenario, name: str) -> None:
        """Nothing to print: a phase's line says how it ended."""

    def phase_finished(self, scenario: Scenario, phase: Phase) -> None:
        self._print_phase(phase)

    def _print_phase(self, phase: Phase) -> None:
        mark = "FAILED " if phase.status == FAILED else ""
        detail = f"  {phase.detail}" if phase.detail else ""
        self._print(f"  {phase.name:<40} {phase.seconds:7.2f}s  {mark}{detail}".rstrip())

    def scenario_finished(self, result: ScenarioResult) -> None:
        for check in result.checks:
            self._print(f"  {check.status.upper():<8} {check.name}: {check.summary}")
            if check.noteworthy and check.name in MIGRATING_CHECKS and check.location and check.location.line:
                self._print(f"           at {check.location.path}:{check.location.line}")
            if check.noteworthy:
                for line in excerpt(check.evidence, EVIDENCE_HEAD, EVIDENCE_TAIL, "the reports"):
                    self._print(f"           {line}")
        self._close_group()
        self._print(f"{result.status.upper()}: {result.scenario.title} ({result.seconds:.1f}s)")
        measured = headline(result)  # outside the group: GitHub folds groups, and downtime is news
        if measured:
            self._print(f"  {measured}")
