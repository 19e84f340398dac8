"""What every engine's observer records while a watch runs, whatever it samples and probes: the
strongest lock each relation was seen under and for how long, the longest stall of each probe
statement, and the measurement made of them. The engine modules only say what a sample and a
probe attempt are, and how their lock modes rank."""

from __future__ import annotations

import itertools
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from migtest.errors import StepFailed
from migtest.locks import HeldLock, LockMeasurement, Stall


@dataclass
class Held:
    """One relation: each mode it was seen under, for how long, and who held the strongest."""

    kind: str
    rank: int = -1  # of the strongest mode seen
    statement: str | None = None  # of the session first seen holding the strongest mode
    seconds: dict[str, float] = field(default_factory=dict)  # by mode


@dataclass
class Longest:
    """One kind of probe statement on one table: its longest stall, and the one going on. Attempts
    that timed out one after the other are one stall, from the first one's start to the end of
    the attempt that completed."""

    longest: float = 0.0
    since: float | None = None  # when the first attempt of an ongoing stall started

    def attempted(self, started: float, ended: float, completed: bool) -> None:
        if not completed:
            self.since = started if self.since is None else self.since
            return
        self.longest = max(self.longest, ended - (started if self.since is None else self.since))
        self.since = None

    def ending(self, at: float) -> float:
        """A stall still going on when the watch ends lasted until then."""
        return max(self.longest, at - self.since) if self.since is not None else self.longest


@dataclass
class Record:
    """Written by one sampler thread and one probe thread; read once both have stopped."""

    modes: tuple[str, ...]  # the engine's lock modes, weakest first
    held: dict[str, Held] = field(default_factory=dict)
    sampled_at: list[float] = field(default_factory=list)
    reads: dict[str, Longest] = field(default_factory=dict)
    writes: dict[str, Longest] = field(default_factory=dict)
    _previous: set[tuple[str, str]] = field(default_factory=set)  # (relation, mode) in the last sample

    def sample(self, at: float, rows: list[tuple[str, str, str, str | None]]) -> None:
        """One sample: (relation, kind, mode, statement) of each lock held then. A mode counts as
        held from a sample to the next that also saw it: one sample alone is held 0 ms, and a
        lock taken, let go and taken again (MySQL's upgrades and downgrades) is not held between."""
        seen = set()
        for relation, kind, mode, statement in rows:
            held = self.held.setdefault(relation, Held(kind))
            rank = self.modes.index(mode) if mode in self.modes else 0
            if rank > held.rank:
                held.rank, held.statement = rank, statement
            held.seconds.setdefault(self.modes[rank], 0.0)
            seen.add((relation, self.modes[rank]))
        for relation, mode in seen & self._previous:
            self.held[relation].seconds[mode] += at - self.sampled_at[-1]
        self._previous = seen
        self.sampled_at.append(at)

    def attempted(self, table: str, write: bool, started: float, ended: float, completed: bool) -> None:
        (self.writes if write else self.reads).setdefault(table, Longest()).attempted(started, ended, completed)

    def fill(self, measurement: LockMeasurement, tables: list[str], ended: float) -> None:
        """The measurement of what was recorded; `tables`: those probed, in the order listed."""
        times = self.sampled_at
        measurement.samples = len(times)
        if len(times) > 1:
            measurement.interval_ms = ms(statistics.median(b - a for a, b in itertools.pairwise(times)))
        measurement.locks = []
        for relation, held in sorted(self.held.items(), key=lambda item: -item[1].rank):
            strongest, modes_ms = self.modes[held.rank], {mode: ms(t) for mode, t in held.seconds.items()}
            measurement.locks.append(
                HeldLock(relation, held.kind, strongest, modes_ms[strongest], held.statement, modes_ms=modes_ms)
            )
        measurement.stalls = [
            Stall(name, self._longest(self.reads, name, ended), self._longest(self.writes, name, ended))
            for name in tables
            if name in self.reads or name in self.writes
        ]

    @staticmethod
    def _longest(stalls: dict[str, Longest], table: str, ended: float) -> float:
        return ms(stalls.get(table, Longest()).ending(ended))


STOP_SECONDS = 5.0  # the longest the threads may take to notice the end (a probe statement's bound)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def stop_threads(threads: list[threading.Thread], cancel: Callable[[], None], seconds: float) -> None:
    """Wait for the threads to end, each within `seconds` (their statements' bound); cancel what
    still runs on the server after that, and wait as long again."""
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        cancel()
        for thread in threads:
            thread.join(seconds)


@contextmanager
def running(
    threads: list[threading.Thread],
    stop: threading.Event,
    cancel: Callable[[], None],
    record: Record,
    measurement: LockMeasurement,
    tables: list[str],
) -> Iterator[None]:
    """The sampler and probe `threads` run while the block migrates; however it ends, they are
    stopped (`cancel` ends what they still run on the server) and the measurement is filled from
    what they recorded, before the observer uses its connections again."""
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        ended = time.perf_counter()
        stop_threads(threads, cancel, STOP_SECONDS)
        measurement.duration_ms = ms(ended - started)
        record.fill(measurement, tables, ended)


@contextmanager
def starting(close: Callable[[], None], errors: tuple[type[Exception], ...]) -> Iterator[None]:
    """A measurement that cannot start (no connection left on the server, the catalogue not
    readable: one of the driver's `errors`) stops the migration's phase with why, rather than a
    traceback, and closes what the observer had opened."""
    try:
        yield
    except errors as exc:
        close()
        reason = getattr(exc, "orig", None) or exc  # the driver's words, without SQLAlchemy's wrapping
        raise StepFailed(f"cannot measure locks: {reason} (checks.locks: off measures nothing)") from exc


@contextmanager
def after_migration(notes: list[str], close: Callable[[], None], errors: tuple[type[Exception], ...]) -> Iterator[None]:
    """What the observer reads once the migration has ended (the tables it rewrote). A read that
    fails, one of the driver's `errors` (its connection lost, or a statement the stop cancelled),
    is said in `notes` rather than taken as "nothing rewritten", and closes the observer: its
    next watch opens new connections."""
    try:
        yield
    except errors as exc:
        close()
        notes.append(f"table rewrites not observed: {getattr(exc, 'orig', None) or exc}")
