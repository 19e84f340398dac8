"""A rolling deploy: the previous release keeps serving while the newer one migrates.

The release is made ready before the migration starts (in production its instances are already
running; starting one during the migration would be another question, and for an app that
migrates on start it would run its own migrations beside the newer one's). Then, from the moment
the migration starts until it ends, a thread repeats the probes (the same requests or command the
previous-release check sends after the migration) and records every failure with its time since
the migration started. A probe in flight when the migration ends completes and counts: it was sent
during the migration; no new one is sent after. Each probe is bounded by its own timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from migtest.errors import StepFailed
from migtest.results.evidence import shorten
from migtest.threads import BackgroundThread

PACE_SECONDS = 0.1  # between rounds: the app is probed, not flooded, on a shared CI machine
EVIDENCE_FAILURES = 5  # the first failures kept as evidence; all are counted
OUTPUT_LINES = 8  # of a failure's output (a response body, a command's output)


@dataclass(frozen=True)
class Probe:
    """One request (or command) of a round: `send` raises StepFailed when it fails."""

    what: str  # as reported: "GET /items", "verify.command"
    send: Callable[[], object]  # what it returns is not looked at
    timeout: float  # seconds `send` may take at most (it enforces it)


@dataclass
class Failure:
    at_seconds: float  # when the probe was sent, since the migration started
    what: str
    error: str
    output: str = ""

    def describe(self) -> str:
        """`error` names the request or command already (as the previous-release check's do)."""
        head = f"+{self.at_seconds:.2f}s {self.error}"
        return f"{head}\n{self.output}" if self.output else head


@dataclass
class RollingObservation:
    """The previous release exercised during one migration (`error`: why it could not be)."""

    version: str
    probes: list[str] = field(default_factory=list)
    window_seconds: float = 0.0
    sent: int = 0
    failed_by: dict[str, int] = field(default_factory=dict)  # probe -> failures
    slowest_seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)  # the first EVIDENCE_FAILURES
    error: StepFailed | None = None

    @property
    def failed(self) -> int:
        return sum(self.failed_by.values())


class Exerciser:
    """Sends the probes round after round while `window()` is open, recording into `observation`;
    `stop` (the run being torn down) ends the rounds too."""

    def __init__(self, observation: RollingObservation, probes: list[Probe], stop: threading.Event) -> None:
        self.observation = observation
        self.probes = probes
        self.stop = stop
        self.ended = threading.Event()
        observation.probes = [probe.what for probe in probes]

    def baseline(self) -> None:
        """One round before the migration: a probe that fails already is not the migration's doing,
        so nothing is measured then (its StepFailed is raised)."""
        for probe in self.probes:
            probe.send()

    @contextmanager
    def window(self) -> Iterator[None]:
        """The migration runs inside; the rounds run beside it and stop when it ends, however it ends."""
        started = time.perf_counter()
        thread = BackgroundThread(self._rounds, "migtest-rolling", (started,))
        thread.start()
        try:
            yield
        finally:
            self.observation.window_seconds = time.perf_counter() - started
            self.ended.set()
            thread.join(timeout=sum(probe.timeout for probe in self.probes) + PACE_SECONDS)

    def _rounds(self, started: float) -> None:
        """At least one round, sent as the migration starts, however short the migration is."""
        while True:
            for probe in self.probes:
                self._send(probe, started)
                if self._over():
                    return
            if self.ended.wait(PACE_SECONDS) or self._over():
                return

    def _over(self) -> bool:
        return self.ended.is_set() or self.stop.is_set()

    def _send(self, probe: Probe, started: float) -> None:
        sent = time.perf_counter()
        observed = self.observation
        try:
            probe.send()
        except Exception as exc:  # any error is the probe's failure, shown: it never ends the rounds unseen
            observed.failed_by[probe.what] = observed.failed_by.get(probe.what, 0) + 1
            if len(observed.failures) < EVIDENCE_FAILURES:
                observed.failures.append(_failure(probe.what, sent - started, exc))
        finally:
            observed.sent += 1
            observed.slowest_seconds = max(observed.slowest_seconds, time.perf_counter() - sent)


def _failure(what: str, at_seconds: float, error: Exception) -> Failure:
    if not isinstance(error, StepFailed):
        return Failure(at_seconds, what, f"{what}: {type(error).__name__}: {error}")
    output = shorten(error.output, lines=OUTPUT_LINES) if error.output.strip() else ""
    return Failure(at_seconds, what, str(error), output)
