"""Which scenarios a declaration concerns: from which versions, to which, of which kinds, or by id.

SQL assertions (`checks.sql`), accepted schema differences (`checks.accept_schema`) and data
declarations (`when:` of moves, row-scoped changes and losses) share it: an assertion about migrated
rows need not run on a fresh install, an accepted difference is expected, and required, exactly
where its scope says, and a release's data move holds when crossing that release only.
`engines` narrows any of them to the run's database engine: a difference SQLite alone shows is
then neither accepted nor required on PostgreSQL, so one file serves every engine.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from itertools import permutations
from typing import Protocol

MIGRATION_KINDS = ("upgrade", "skip", "downgrade")  # the kinds that migrate from one version to another
UPWARD_KINDS = ("upgrade", "skip")
RUN_KINDS = ("fresh", *MIGRATION_KINDS)  # the scenarios of `migtest run`
ENGINES = ("sqlite", "postgres", "mysql", "mariadb")  # `database.engine`, of which a scope may name some


class ScenarioLike(Protocol):
    """plan.Scenario, which imports the configuration this module is part of."""

    @property
    def kind(self) -> str: ...

    @property
    def source(self) -> str | None: ...

    @property
    def target(self) -> str: ...

    @property
    def id(self) -> str: ...


@dataclass(frozen=True)
class Scope:
    """Every condition given must hold; none given: every scenario."""

    sources: tuple[str, ...] = ()  # `from`: a fresh install has none
    targets: tuple[str, ...] = ()  # `to`
    kinds: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()  # globs on scenario ids, as `--only` takes them
    engines: tuple[str, ...] = ()  # the run's `database.engine` (one run, one engine)

    def matches(self, scenario: ScenarioLike, engine: str) -> bool:
        """`engine`: the run's database engine, which the scenario itself does not carry."""
        return (
            (not self.engines or engine in self.engines)
            and (not self.sources or scenario.source in self.sources)
            and (not self.targets or scenario.target in self.targets)
            and (not self.kinds or scenario.kind in self.kinds)
            and (not self.scenarios or any(fnmatchcase(scenario.id, glob) for glob in self.scenarios))
        )

    def crossing(self, release: str, order: Sequence[str]) -> Scope | None:
        """Narrowed to the upgrades and skips that cross `release` (from an older version to it or a
        newer one); None when nothing is left of it."""
        at = order.index(release)
        sources, targets = _narrowed(self.sources, order[:at]), _narrowed(self.targets, order[at:])
        kinds = _narrowed(self.kinds, UPWARD_KINDS)
        narrowed = Scope(sources, targets, kinds, self.scenarios, self.engines)
        return narrowed if sources and targets and kinds else None


MIGRATING = Scope(kinds=MIGRATION_KINDS)  # a data declaration with no `when`: every scenario that migrates


@dataclass(frozen=True)
class RowCondition:
    """The rows of `table` a declaration is about: those matching `where` (SQL, evaluated on the
    database before migrating; None: every row), in the scenarios of `scope`. `label` is the key
    that declares it (`checks.moves[0]`), so that evidence can name it."""

    label: str
    table: str
    where: str | None = None
    scope: Scope = MIGRATING

    def describe(self) -> str:
        return self.table if self.where is None else f"{self.table} where {self.where}"


def _narrowed(given: tuple[str, ...], allowed: Sequence[str]) -> tuple[str, ...]:
    return tuple(name for name in (given or allowed) if name in allowed)


def parse_scope(
    given: Mapping[str, tuple[str, ...]],
    versions: Sequence[str],
    kinds: Sequence[str],
    target_keys: Sequence[str] = ("to",),
) -> Scope:
    """The scope keys an entry gives (`from`, `to` or another of `target_keys`, `kinds`,
    `scenarios`, `engines`: names as written), each name checked: a typo would otherwise make a
    declaration apply nowhere, silently. A mistake raises ScopeError naming its key."""
    sources = _versions(given, "from", versions)
    named = [key for key in target_keys if key in given]
    if len(named) > 1:
        raise ScopeError(f"give one of {' or '.join(target_keys)}, not both", named[1])
    targets = tuple(name for key in target_keys for name in _versions(given, key, versions))
    chosen = given.get("kinds", ())
    for kind in chosen:
        if kind not in kinds:
            raise ScopeError(f"unknown kind '{kind}' (kinds: {', '.join(kinds)})", "kinds")
    if sources and chosen and set(chosen) <= {"fresh"}:
        raise ScopeError("a fresh install comes from no version: remove 'from' or choose other kinds", "from")
    globs = given.get("scenarios", ())
    ids = _scenario_ids(versions, kinds)
    for glob in globs:
        if not any(fnmatchcase(scenario_id, glob) for scenario_id in ids):
            example = next(iter(ids), "")
            raise ScopeError(f"'{glob}' matches no scenario id (ids look like '{example}')", "scenarios")
    engines = given.get("engines", ())
    for engine in engines:
        if problem := engine_problem(engine):
            raise ScopeError(problem, "engines")
    return Scope(sources, targets, chosen, globs, engines)


class ScopeError(ValueError):
    """A scope key's mistake: `key` names it."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def engine_problem(name: str) -> str | None:
    """Why `name` is not a database engine (with the one it is closest to), or None: a typo would
    make whatever it scopes apply, or run, on no engine at all."""
    if name in ENGINES:
        return None
    close = difflib.get_close_matches(name, ENGINES, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown engine '{name}' ({hint}engines: {', '.join(ENGINES)})"


def _versions(given: Mapping[str, tuple[str, ...]], key: str, versions: Sequence[str]) -> tuple[str, ...]:
    chosen = given.get(key, ())
    for name in chosen:
        if name not in versions:
            raise ScopeError(f"unknown version '{name}' (versions: {', '.join(versions)})", key)
    return chosen


def _scenario_ids(versions: Sequence[str], kinds: Sequence[str]) -> list[str]:
    """Every id a scenario of these kinds could have, whatever the matrix runs."""
    ids = [f"fresh-{name}" for name in versions] if "fresh" in kinds else []
    pairs = list(permutations(versions, 2))
    return ids + [f"{kind}-{old}-to-{new}" for kind in kinds if kind in MIGRATION_KINDS for old, new in pairs]
