"""Which scenarios a declaration concerns: a release's intent holds when crossing that release only.

A declaration (a data move, a row-scoped change or loss) made for every scenario would have to
hold where it means nothing, so each can be narrowed to the scenarios it is about. Every part
given must match; a part left as None matches anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Protocol

MIGRATING_KINDS = ("upgrade", "skip", "downgrade")
UPWARD_KINDS = ("upgrade", "skip")


class ScenarioLike(Protocol):
    kind: str
    source: str | None
    target: str

    @property
    def id(self) -> str: ...


@dataclass(frozen=True)
class Scope:
    """Scenarios by from-version, to-version, kind and id glob (`upgrade-1.*`)."""

    from_versions: tuple[str, ...] | None = None
    to_versions: tuple[str, ...] | None = None
    kinds: tuple[str, ...] = MIGRATING_KINDS
    scenarios: tuple[str, ...] | None = None

    def matches(self, scenario: ScenarioLike) -> bool:
        return (
            scenario.kind in self.kinds
            and (self.from_versions is None or scenario.source in self.from_versions)
            and (self.to_versions is None or scenario.target in self.to_versions)
            and (self.scenarios is None or any(fnmatchcase(scenario.id, glob) for glob in self.scenarios))
        )

    def crossing(self, release: str, order: Sequence[str]) -> Scope:
        """Narrowed to the upgrades and skips that cross `release`: from an older version to it or a newer one."""
        at = order.index(release)
        return Scope(
            _both(self.from_versions, order[:at]),
            _both(self.to_versions, order[at:]),
            tuple(kind for kind in self.kinds if kind in UPWARD_KINDS),
            self.scenarios,
        )

    @property
    def empty(self) -> bool:
        """Matches no scenario at all (its parts contradict each other)."""
        return not self.kinds or self.from_versions == () or self.to_versions == () or self.scenarios == ()


def _both(given: tuple[str, ...] | None, allowed: Sequence[str]) -> tuple[str, ...]:
    return tuple(allowed) if given is None else tuple(version for version in given if version in allowed)
