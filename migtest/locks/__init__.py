"""Downtime, measured: the locks a migration takes and the reads and writes it blocks.

While a migration runs, an engine's `LockObserver` samples the locks held on the scenario's
database by any session but its own, and a probe keeps reading and writing each table (in a
transaction it rolls back) with a short lock timeout, so the stall a user would feel is measured,
not predicted. Each engine module implements `LockObserver`; `observer_for` picks it by engine,
so adding an engine means adding one module here.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from migtest.databases import Database


@dataclass
class HeldLock:
    """The strongest lock the migration held on one relation, and for how long it held it."""

    relation: str  # schema-qualified where the schema is not the default one
    kind: str  # "table", "index", "sequence", "view", … as the engine's catalogue says
    mode: str  # in the engine's spelling: "AccessExclusiveLock" (PostgreSQL), "EXCLUSIVE" (MySQL MDL)
    # From each sample that saw this mode to the next that saw it too, summed: one sample alone is
    # 0 ms, and a lock let go and taken again (MySQL's metadata locks) is not held in between.
    held_ms: float
    statement: str | None = None  # the statement that held it, where known (pg_stat_activity.query)
    site: StatementSite | None = None  # where that statement is written, where known
    # The time seen in each mode, where locks change modes while held (MySQL's metadata locks)
    modes_ms: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HeldLock:
        site = data.get("site")
        return cls(**{**data, "site": StatementSite(**site) if site else None})


@dataclass
class Stall:
    """The longest a tiny read and a tiny write of one table waited while the migration ran."""

    table: str
    read_ms: float
    write_ms: float

    @property
    def blocked_ms(self) -> float:
        return max(self.read_ms, self.write_ms)


@dataclass
class StatementSite:
    """Where a statement of a migration is written, for annotations."""

    file: str  # as the report shows it (relative to the version's tree where it can be)
    line: int


@dataclass
class LockMeasurement:
    """What one migration (or one statement of it) did to everyone else while it ran."""

    label: str  # the migration: its revision or file name; or the statement
    duration_ms: float = 0.0
    interval_ms: float = 0.0  # the sampling interval reached (median between samples)
    samples: int = 0
    locks: list[HeldLock] = field(default_factory=list)
    stalls: list[Stall] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)  # tables whose storage was rebuilt
    blocking_indexes: list[str] = field(default_factory=list)  # built without CONCURRENTLY on a table with rows
    site: StatementSite | None = None
    note: str | None = None  # what the observer could not see there, and why (e.g. a server setting)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LockMeasurement:
        """Read back from a JSON report (`migtest merge`, `migtest report`)."""
        site = data.get("site")
        return cls(
            **{k: v for k, v in data.items() if k not in ("locks", "stalls", "site")},
            locks=[HeldLock.from_dict(lock) for lock in data.get("locks", [])],
            stalls=[Stall(**stall) for stall in data.get("stalls", [])],
            site=StatementSite(**site) if site else None,
        )

    def blocked_ms(self, table: str) -> float:
        return max((s.blocked_ms for s in self.stalls if s.table == table), default=0.0)


class LockObserver(Protocol):
    """What each engine's module implements."""

    def watch(self, label: str) -> AbstractContextManager[LockMeasurement]:
        """Measure while the block runs a migration on the observed database. The measurement
        yielded is complete when the block ends (also when it raises)."""

    def close(self) -> None:
        """Close the observer's connections; nothing of it runs after this."""


def observer_for(database: Database, engine: str) -> LockObserver | None:
    """The engine's observer of `database`, or None where
    locks cannot be measured (SQLite locks the whole file; there is nothing to tell apart)."""
    if engine == "postgres":
        from migtest.locks.postgres import PostgresLockObserver

        return PostgresLockObserver(database)
    if engine in ("mysql", "mariadb"):
        from migtest.locks.mysql import MysqlLockObserver

        return MysqlLockObserver(database)
    return None


def duration(ms: float) -> str:
    """Milliseconds under a second, else seconds: "850 ms", "3.4 s", "2.5 ms"."""
    if ms >= 1000:
        return f"{ms / 1000:.1f} s"
    return f"{ms:.1f} ms" if ms < 10 else f"{ms:.0f} ms"


def held_for(lock: HeldLock, interval_ms: float) -> str:
    """How long a lock was held, as far as sampling tells: a lock seen by one sample only was held
    for less than the interval between samples, not for 0 ms."""
    if lock.held_ms < interval_ms:
        return f"under {duration(interval_ms)} (seen by one sample)"
    return duration(lock.held_ms)
