"""Progress on the terminal: one line per phase as it ends, a verdict per scenario.

Inside GitHub Actions each scenario is folded into a ::group::, and what it prints inside is
echoed between ::stop-commands:: and its token: error messages, SQL and logs come from the
migrations and the app, and a line of theirs must not be taken for a workflow command. When
scenarios run in parallel, ordered.py hands this the events scenario by scenario, so the lines
still read in plan order.
"""

from __future__ import annotations

import os
import secrets
import sys
from typing import TextIO

from migtest.locations import MIGRATING_CHECKS
from migtest.masking import mask
from migtest.plan import Scenario
from migtest.reports.excerpt import excerpt
from migtest.results import FAILED, Phase, ScenarioResult

EVIDENCE_HEAD, EVIDENCE_TAIL = 3, 9


class Console:
    def __init__(self, stream: TextIO | None = None, *, github: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.github = os.environ.get("GITHUB_ACTIONS") == "true" if github is None else github
        self.token = secrets.token_hex(16)

    def _print(self, text: str) -> None:
        print(mask(text), file=self.stream, flush=True)

    def scenario_started(self, scenario: Scenario, index: int, total: int) -> None:
        title = f"[{index}/{total}] {scenario.title}"
        if self.github:
            self._print(f"::group::{title}")
            self._print(f"::stop-commands::{self.token}")
        else:
            self._print(title)

    def phase_finished(self, scenario: Scenario, phase: Phase) -> None:
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
        if self.github:
            self._print(f"::{self.token}::")
            self._print("::endgroup::")
        self._print(f"{result.status.upper()}: {result.scenario.title} ({result.seconds:.1f}s)")
