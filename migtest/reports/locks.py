"""What the reports show of the lock measurements (issue 15): per migration, the tables that matter.

Every report shows the same rows, so they are chosen here once: a table matters when the probe
waited on it (`NOTICEABLE_MS` or more), when the migration held a lock on it that blocks writes,
or when it was rewritten; the others are only counted. Scenarios are ranked by the longest they
blocked, so a summary that has room for a few shows the worst.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from statistics import median

from migtest.locks import LockMeasurement, Stall, duration
from migtest.results import ScenarioResult

# A tiny read or write of an idle table takes a millisecond or two by itself: below this the probe
# measured its own round trip, not a wait.
NOTICEABLE_MS = 5.0
BAR_WIDTH = 20  # characters of the longest bar in text
EIGHTHS = " ▏▎▍▌▋▊▉"


@functools.cache
def _modes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Lock modes weakest first, in each engine's spelling (PostgreSQL's, MySQL's metadata locks),
    imported where a report shows a measurement: their modules load the drivers (psycopg: 40 ms
    of every command's start, SQLite's too)."""
    from migtest.locks.mysql_catalogue import MODES as MYSQL_MODES
    from migtest.locks.postgres import MODES as POSTGRES_MODES

    return POSTGRES_MODES, MYSQL_MODES


@functools.cache
def write_blocking() -> frozenset[str]:
    """The modes that block writes: from ShareLock (PostgreSQL) and SHARED_READ_ONLY (MySQL) on."""
    postgres, mysql = _modes()
    return frozenset({*postgres[postgres.index("ShareLock") :], *mysql[mysql.index("SHARED_READ_ONLY") :]})


def strength(mode: str | None) -> int:
    """A mode's rank within its engine (unknown modes and none: 0)."""
    for modes in _modes():
        if mode in modes:
            return modes.index(mode) + 1
    return 0


@dataclass(frozen=True)
class TableRow:
    """One table in one migration: the strongest lock held on it and the longest wait on it."""

    table: str
    mode: str | None
    held_ms: float
    stall: Stall | None  # None: not probed (an index, a sequence)
    rewritten: bool

    @property
    def blocked_ms(self) -> float:
        return self.stall.blocked_ms if self.stall else 0.0

    @property
    def matters(self) -> bool:
        return self.blocked_ms >= NOTICEABLE_MS or self.mode in write_blocking() or self.rewritten

    @property
    def severity(self) -> tuple[float, int, float]:
        return (self.blocked_ms, strength(self.mode), self.held_ms)

    def how(self) -> str:
        """The lock mode and the rewrite, as one parenthesised note ("" when neither)."""
        notes = [note for note in (self.mode, "rewritten" if self.rewritten else "") if note]
        return f" ({', '.join(notes)})" if notes else ""


def table_rows(measurement: LockMeasurement) -> list[TableRow]:
    """Every relation the measurement names (locked, probed or rewritten), the worst first."""
    strongest: dict[str, tuple[str, float]] = {}
    for lock in measurement.locks:
        held = strongest.get(lock.relation)
        if held is None or strength(lock.mode) > strength(held[0]):
            strongest[lock.relation] = (lock.mode, lock.held_ms)
    stalls = {stall.table: stall for stall in measurement.stalls}
    names = dict.fromkeys([*strongest, *stalls, *measurement.rewritten])
    rows = [
        TableRow(
            name,
            strongest[name][0] if name in strongest else None,
            strongest[name][1] if name in strongest else 0.0,
            stalls.get(name),
            name in measurement.rewritten,
        )
        for name in names
    ]
    return sorted(rows, key=lambda row: row.severity, reverse=True)


@dataclass(frozen=True)
class MigrationLocks:
    """One measurement's tables that matter."""

    measurement: LockMeasurement
    rows: list[TableRow]

    @property
    def where(self) -> str:
        site = self.measurement.site
        return f"{site.file}:{site.line}" if site else ""


@dataclass(frozen=True)
class ScenarioLocks:
    """A scenario's measured migrations that have a table that matters; the rest counted."""

    scenario: ScenarioResult
    migrations: list[MigrationLocks]
    others: int  # tables measured that did not matter, across the scenario's migrations

    @property
    def worst(self) -> tuple[MigrationLocks, TableRow] | None:
        return max(self.pairs(), key=lambda pair: pair[1].severity, default=None)

    @property
    def severity(self) -> tuple[float, int, float]:
        worst = self.worst
        return worst[1].severity if worst else (0.0, 0, 0.0)

    def pairs(self) -> list[tuple[MigrationLocks, TableRow]]:
        """Each table that matters with its migration, in order."""
        return [(migration, row) for migration in self.migrations for row in migration.rows]

    def rows(self) -> list[tuple[MigrationLocks | None, TableRow]]:
        """The rows of its table: each migration named on its first row only."""
        return [(migration if row is migration.rows[0] else None, row) for migration, row in self.pairs()]

    def notes(self, shown: int, escape: Callable[[str], str]) -> str:
        """What its table leaves out, and the indexes built without CONCURRENTLY, in one sentence
        (user-written names through the report's `escape`); "" when there is nothing to say."""
        left = len(self.rows()) - shown
        notes = [f"{left} more row(s) in report.html"] if left > 0 else []
        notes += [f"{self.others} other table(s) measured, not blocked"] if self.others else []
        notes += [
            f"built without CONCURRENTLY in {escape(short(m.measurement.label))}: "
            + ", ".join(map(escape, m.measurement.blocking_indexes))
            for m in self.migrations
            if m.measurement.blocking_indexes
        ]
        return f"{'; '.join(notes)}." if notes else ""


def measured(scenario: ScenarioResult) -> ScenarioLocks | None:
    """The scenario's measurements as reports show them; None when they name no table (SQLite
    makes none; a migration may touch nothing)."""
    migrations, others = [], 0
    for measurement in scenario.locks:
        rows = table_rows(measurement)
        shown = [row for row in rows if row.matters]
        others += len(rows) - len(shown)
        if shown or measurement.blocking_indexes:
            migrations.append(MigrationLocks(measurement, shown))
    if not migrations and not others:
        return None
    return ScenarioLocks(scenario, migrations, others)


def found(scenarios: list[ScenarioResult]) -> list[ScenarioLocks]:
    """The scenarios with measurements, in plan order."""
    return [locks for locks in map(measured, scenarios) if locks is not None]


def ranked(scenarios: list[ScenarioResult]) -> list[ScenarioLocks]:
    """The scenarios with measurements, those that blocked longest first (plan order among equals)."""
    return sorted(found(scenarios), key=lambda locks: locks.severity, reverse=True)


def longest_blocked(found: list[ScenarioLocks]) -> float:
    """The longest wait shown: what the bars are scaled to."""
    return max((row.blocked_ms for locks in found for _migration, row in locks.pairs()), default=0.0)


def introduction(scenarios: list[ScenarioResult]) -> str:
    """What the rows are, and the sampling interval reached, said once: the median over the
    migrations, and its range."""
    shown = f"Tables blocked {duration(NOTICEABLE_MS)} or more, locked against writes or rewritten"
    intervals = sorted(m.interval_ms for s in scenarios for m in s.locks if m.samples > 1 and m.interval_ms > 0)
    if not intervals:
        return f"{shown}."
    spread = f", {duration(intervals[0])} to {duration(intervals[-1])}" if intervals[-1] > intervals[0] else ""
    every = f"locks sampled every {duration(median(intervals))}"
    return f"{shown}; {every} (median over {len(intervals)} migration(s){spread})."


def figures(row: TableRow) -> list[str]:
    """The cells every report shows of a row: table, lock, held, reads blocked, writes blocked
    ("·" for a lock not held or a table not probed)."""
    held = duration(row.held_ms) if row.mode else "·"
    waits = [duration(row.stall.read_ms), duration(row.stall.write_ms)] if row.stall else ["·", "·"]
    return [row.table, row.mode or "·", held, *waits]


def bar(ms: float, longest: float, width: int = BAR_WIDTH) -> str:
    """A text bar of full blocks (with an eighth-block end) scaled so `longest` is `width` wide;
    at least a sliver for any wait shown."""
    if ms <= 0 or longest <= 0:
        return ""
    eighths = max(1, round(8 * width * ms / longest))
    return "█" * (eighths // 8) + EIGHTHS[eighths % 8].strip()


def headline(scenario: ScenarioResult) -> str | None:
    """One line naming the scenario's worst table, for the console: "locks: orders blocked 3.4 s
    (AccessExclusiveLock, rewritten) in 0012_add_col"; None when nothing was measured."""
    locks = measured(scenario)
    if locks is None:
        return None
    worst = locks.worst
    if worst is None:
        return f"locks: nothing blocked ({locks.others} table(s) measured)"
    migration, row = worst
    what = f"blocked {duration(row.blocked_ms)}" if row.blocked_ms >= NOTICEABLE_MS else "not blocked"
    return f"locks: {row.table} {what}{row.how()} in {short(migration.measurement.label)}"


def short(label: str, limit: int = 60) -> str:
    """A migration's label on one line and at most `limit` characters: a statement may be long."""
    line = " ".join(label.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
