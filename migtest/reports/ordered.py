"""Progress of parallel scenarios, passed on as if they had run one after the other.

Each scenario's events are held back until it and every scenario before it in the plan have
finished, then handed to the wrapped progress (the console) together, so its lines read exactly
like a run with one job: whole blocks, in plan order, never interleaved.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from migtest.plan import Scenario
from migtest.results import Phase, ScenarioResult

if TYPE_CHECKING:
    from migtest.run.session import Progress


class InPlanOrder:
    """A `Progress` that buffers per scenario; safe to call from several threads."""

    def __init__(self, inner: Progress) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self._running: dict[Scenario, tuple[int, list[Callable[[], None]]]] = {}
        self._finished: dict[int, list[Callable[[], None]]] = {}
        self._next = 1

    def setup_started(self, version: str) -> None:
        with self._lock:  # setups run before the scenarios: passed on at once
            self.inner.setup_started(version)

    def setup_output(self, version: str, line: str) -> None:
        with self._lock:
            self.inner.setup_output(version, line)

    def setup_finished(self, phase: Phase) -> None:
        with self._lock:
            self.inner.setup_finished(phase)

    def scenario_started(self, scenario: Scenario, index: int, total: int) -> None:
        with self._lock:
            self._running[scenario] = (index, [partial(self.inner.scenario_started, scenario, index, total)])

    def phase_started(self, scenario: Scenario, name: str) -> None:
        """Not printed (the console prints a phase when it ends); live.py shows it as it happens."""

    def phase_finished(self, scenario: Scenario, phase: Phase) -> None:
        with self._lock:
            self._running[scenario][1].append(partial(self.inner.phase_finished, scenario, phase))

    def scenario_finished(self, result: ScenarioResult) -> None:
        with self._lock:
            index, events = self._running.pop(result.scenario)
            self._finished[index] = [*events, partial(self.inner.scenario_finished, result)]
            while self._next in self._finished:
                for event in self._finished.pop(self._next):
                    event()
                self._next += 1
