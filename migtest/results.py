"""What a run produced: scenarios, their timed phases and their checks. Reports read only this."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from migtest.plan import Scenario

PASSED, FAILED, SKIPPED, ERROR = "passed", "failed", "skipped", "error"
WARNED = "warned"  # a check the configuration makes advisory: shown, never failing the run


@dataclass
class CheckResult:
    name: str
    status: str
    summary: str
    evidence: list[str] = field(default_factory=list)

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


@dataclass
class ScenarioResult:
    scenario: Scenario
    phases: list[Phase] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.phases)

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
            "phases": [asdict(p) | {"seconds": round(p.seconds, 3)} for p in self.phases],
            "checks": [asdict(c) for c in self.checks],
        }


@dataclass
class RunResult:
    config: str
    versions: list[str]
    scenarios: list[ScenarioResult]
    seconds: float

    @property
    def failed(self) -> list[ScenarioResult]:
        return [s for s in self.scenarios if s.status == FAILED]

    def count(self, status: str) -> int:
        return sum(1 for s in self.scenarios if s.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "versions": self.versions,
            "seconds": round(self.seconds, 3),
            "totals": {status: self.count(status) for status in (PASSED, FAILED, SKIPPED)},
            "scenarios": [s.to_dict() for s in self.scenarios],
        }
