"""What a run produced: scenarios, their timed phases and their checks. Reports read only this."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from migtest.locks import LockMeasurement
from migtest.plan import Scenario

if TYPE_CHECKING:
    from migtest.errors import StepFailed

PASSED, FAILED, SKIPPED, ERROR = "passed", "failed", "skipped", "error"
WARNED = "warned"  # a check the configuration makes advisory: shown, never failing the run
STATUSES = (PASSED, FAILED, SKIPPED, ERROR, WARNED)


@dataclass(frozen=True)
class Location:
    """Where in the project a finding points (for annotations and code-quality reports): a file
    relative to the project root (the folder of migtest.yml), and its line where known."""

    path: str
    line: int | None = None


@dataclass
class CheckResult:
    name: str
    status: str
    summary: str
    evidence: list[str] = field(default_factory=list)
    location: Location | None = None

    @classmethod
    def from_error(cls, name: str, status: str, error: StepFailed) -> CheckResult:
        """A check that did not hold because a step failed: its message, its output as the evidence."""
        return cls(name, status, str(error), [error.output] if error.output else [])

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        location = data.get("location")
        fields = {key: data[key] for key in ("name", "status", "summary", "evidence")}
        return cls(**fields, location=Location(**location) if location else None)

    @property
    def failed(self) -> bool:
        return self.status in (FAILED, ERROR)

    @property
    def noteworthy(self) -> bool:
        """Worth its evidence in the console and the summary."""
        return self.failed or self.status == WARNED


@dataclass
class Phase:
    name: str
    seconds: float
    status: str = PASSED
    detail: str = ""
    figures: dict[str, float] = field(default_factory=dict)  # a container's: ready_seconds, peak memory, CPU
    # When it began, in seconds since the run started (the HTML report's timeline puts parallel
    # scenarios on one time axis); None in a results.json written before it was recorded.
    start: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self) | {"seconds": round(self.seconds, 3)}
        if self.start is None:
            del data["start"]
        else:
            data["start"] = round(self.start, 3)
        return data


@contextmanager
def timed(name: str, origin: float, into: list[Phase]) -> Iterator[Phase]:
    """A phase of the run outside the scenarios, appended to `into` however it ends; `origin` is the
    run's start (time.perf_counter())."""
    started = time.perf_counter()
    phase = Phase(name, 0.0, start=started - origin)
    try:
        yield phase
    except BaseException:
        phase.status = FAILED
        raise
    finally:
        phase.seconds = time.perf_counter() - started
        into.append(phase)


@dataclass
class ScenarioResult:
    scenario: Scenario
    phases: list[Phase] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    locks: list[LockMeasurement] = field(default_factory=list)  # per migration or statement, where measured

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.phases)

    def seconds_in(self, name: str) -> float | None:
        """The time spent in the phases called `name`; None if none ran."""
        times = [phase.seconds for phase in self.phases if phase.name == name]
        return sum(times) if times else None

    @property
    def status(self) -> str:
        if any(c.failed for c in self.checks):
            return FAILED
        if self.checks and all(c.status == SKIPPED for c in self.checks):
            return SKIPPED
        return PASSED

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.scenario.to_dict(),
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "phases": [p.to_dict() for p in self.phases],
            "checks": [asdict(c) for c in self.checks],
            **({"locks": [asdict(m) for m in self.locks]} if self.locks else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScenarioResult:
        return cls(
            Scenario(data["kind"], data["from"], data["to"], data.get("name")),
            [Phase(**phase) for phase in data["phases"]],
            [CheckResult.from_dict(check) for check in data["checks"]],
            [LockMeasurement.from_dict(m) for m in data.get("locks", [])],
        )


@dataclass
class RunResult:
    config: str
    versions: list[str]
    scenarios: list[ScenarioResult]
    seconds: float
    root: str = ""  # the project folder that locations are relative to
    setups: list[Phase] = field(default_factory=list)  # each version's `setup:` (run once, before the scenarios)
    # What the run started before the scenarios: a database server's container (its start and the
    # wait until it takes a login), the versions' images (found or built).
    startup: list[Phase] = field(default_factory=list)

    @property
    def failed(self) -> list[ScenarioResult]:
        return [s for s in self.scenarios if s.status == FAILED]

    def by_pair(self) -> dict[tuple[str, str], ScenarioResult]:
        """The scenarios by (from, to), a fresh install's from being its own version: the matrix's cells."""
        return {(s.scenario.source or s.scenario.target, s.scenario.target): s for s in self.scenarios}

    def count(self, status: str) -> int:
        return sum(1 for s in self.scenarios if s.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "root": self.root,
            "versions": self.versions,
            "seconds": round(self.seconds, 3),
            "totals": {status: self.count(status) for status in (PASSED, FAILED, SKIPPED)},
            "setups": [phase.to_dict() for phase in self.setups],
            "startup": [phase.to_dict() for phase in self.startup],
            "scenarios": [s.to_dict() for s in self.scenarios],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        """A run read back from its results.json (`migtest merge`)."""
        scenarios = [ScenarioResult.from_dict(scenario) for scenario in data["scenarios"]]
        setups, startup = ([Phase(**phase) for phase in data.get(key, [])] for key in ("setups", "startup"))
        return cls(data["config"], data["versions"], scenarios, data["seconds"], data.get("root", ""), setups, startup)
