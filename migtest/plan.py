"""Turn versions and matrix options into scenarios; pure, so `migtest plan` runs nothing."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from itertools import pairwise

from migtest.config import MatrixConfig, Version

# step: one migration of `migtest steps`; test: a step test written by users (steptests.py)
KINDS = ("fresh", "upgrade", "skip", "downgrade", "step", "test")


@dataclass(frozen=True)
class Scenario:
    kind: str
    source: str | None
    target: str
    name: str | None = None  # a step test's: its file name

    @property
    def id(self) -> str:
        if self.name is not None:
            return f"{self.kind}-{self.name}"
        if self.source is None:
            return f"fresh-{self.target}"
        return f"{self.kind}-{self.source}-to-{self.target}"

    @property
    def title(self) -> str:
        if self.name is not None:
            return f"step test {self.name} ({self.source} -> {self.target})"
        if self.source is None:
            return f"fresh install of {self.target}"
        return f"{self.kind} {self.source} -> {self.target}"

    def to_dict(self) -> dict[str, str | None]:
        named = {"name": self.name} if self.name is not None else {}
        return {"id": self.id, "kind": self.kind, "from": self.source, "to": self.target, **named}


def plan(versions: tuple[Version, ...], matrix: MatrixConfig) -> list[Scenario]:
    names = [v.name for v in versions]
    scenarios: list[Scenario] = []
    if matrix.fresh:
        scenarios += [Scenario("fresh", None, name) for name in names]
    pairs = list(pairwise(names))
    if matrix.upgrade == "chain":
        scenarios += [Scenario("upgrade", old, new) for old, new in pairs]
    elif matrix.upgrade == "all-to-head":
        scenarios += [Scenario("upgrade", old, names[-1]) for old in names[:-1]]
    covered = {(s.source, s.target) for s in scenarios}
    scenarios += [Scenario("skip", old, new) for old, new in matrix.skip if (old, new) not in covered]
    if matrix.downgrade == "chain":
        scenarios += [Scenario("downgrade", new, old) for old, new in reversed(pairs)]
    return list(dict.fromkeys(scenarios))


def select(scenarios: list[Scenario], patterns: list[str]) -> list[Scenario]:
    """Keep the scenarios whose id or kind matches one of the patterns (fnmatch)."""
    if not patterns:
        return scenarios
    return [s for s in scenarios if any(fnmatchcase(s.id, p) or s.kind == p for p in patterns)]
