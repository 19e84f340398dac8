"""Time limits and interrupts for the SQL migtest runs itself (the `sql` migrator, seed files).

A statement that runs too long, or that runs when the run is interrupted, is cancelled on the
server itself (PostgreSQL's cancel request, MySQL's `KILL QUERY`, SQLite's interrupt): the server
stops working on it, the waiting thread gets its error back and the run unwinds and cleans up.

One watchdog thread keeps every limit and wakes at the earliest deadline: a thread started per
migration file (whose start waits for the new thread to run) cost more than the file's own
statements on a walk of small migrations, most of all on a busy machine. Nor is it woken for a
limit that expires after it would wake anyway (the default limit, 600 s, after its idle end): a
wake-up per file made the walk's thread wait for the GIL it took. It is a `BackgroundThread`: a
signal always goes to the main thread, never to it.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy

from migtest.errors import StepFailed
from migtest.run.process import LIMIT_KEY
from migtest.threads import BackgroundThread

IDLE = 60.0  # seconds the watchdog waits for a new limit before its thread ends

_lock = threading.Lock()
_running: set[Callable[[], None]] = set()


@dataclass(order=True)
class _Limit:
    deadline: float
    number: int  # orders limits of the same deadline
    cancel: Callable[[], None] = field(compare=False)
    expired: threading.Event = field(default_factory=threading.Event, compare=False)


class _Watchdog:
    """Calls each limit's `cancel` at its deadline, unless it was unwatched before."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.limits: list[_Limit] = []  # a heap, the earliest deadline first
        self.numbers = itertools.count()
        self.thread: threading.Thread | None = None
        self.wakes = math.inf  # when the thread's wait ends by itself, while it waits

    def watch(self, seconds: float, cancel: Callable[[], None]) -> _Limit:
        limit = _Limit(time.monotonic() + seconds, next(self.numbers), cancel)
        with self.changed:
            heapq.heappush(self.limits, limit)
            if self.thread is None or not self.thread.is_alive():  # none yet, ended idle, or a forked child
                self.thread = BackgroundThread(self._run, "migtest-statement-limit")
                self.thread.start()
            elif limit.deadline < self.wakes:  # else it finds the limit when it wakes, before its deadline
                self.changed.notify()
        return limit

    def unwatch(self, limit: _Limit) -> None:
        with self.changed:
            if limit in self.limits:
                self.limits.remove(limit)
                heapq.heapify(self.limits)

    def _run(self) -> None:
        while limit := self._next_expired():
            _quietly(limit.cancel)

    def _next_expired(self) -> _Limit | None:
        """The next limit to expire, once it has; None when none came for IDLE seconds."""
        with self.changed:
            while not self.limits or self.limits[0].deadline > time.monotonic():
                self.wakes = self.limits[0].deadline if self.limits else time.monotonic() + IDLE
                if self.limits:  # until the earliest deadline, or an earlier limit added
                    self.changed.wait(self.wakes - time.monotonic())
                elif not self.changed.wait(IDLE) and not self.limits:  # a limit added as the wait ran out is kept
                    self.thread = None
                    return None
            self.wakes = -math.inf  # awake: it looks at the limits before it waits again
            limit = heapq.heappop(self.limits)
            limit.expired.set()
            return limit


_watchdog = _Watchdog()


def canceller(connection: sqlalchemy.Connection) -> Callable[[], None]:
    """How another thread stops the statement running on `connection` (a no-op when none runs)."""
    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        return getattr(driver, "cancel_safe", driver.cancel)  # cancel_safe: psycopg 3.2 and later
    if connection.dialect.name == "sqlite":
        return driver.interrupt
    thread_id = driver.thread_id()  # MySQL, MariaDB: from a connection of its own
    engine = connection.engine

    def kill_query() -> None:
        with engine.connect() as other:
            other.exec_driver_sql(f"KILL QUERY {int(thread_id)}")

    return kill_query


@contextlib.contextmanager
def limited(connection: sqlalchemy.Connection, seconds: float, what: str) -> Iterator[None]:
    """Cancel what runs on `connection` in the block after `seconds` (then StepFailed saying that
    `what` ran out of time) or when `cancel_running` is called."""
    cancel = canceller(connection)
    with _lock:
        _running.add(cancel)
    limit = _watchdog.watch(seconds, cancel)
    try:
        yield
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM in this very thread (migtest steps): the server stops too
        _quietly(cancel)
        raise
    except Exception as exc:
        if not limit.expired.is_set():
            raise
        message = f"{what}: still running after {seconds:g}s ({LIMIT_KEY})"
        output = exc.output if isinstance(exc, StepFailed) else ""
        raise StepFailed(message, output, file=getattr(exc, "file", None), line=getattr(exc, "line", None)) from exc
    finally:
        _watchdog.unwatch(limit)
        with _lock:
            _running.discard(cancel)


def cancel_running() -> None:
    """Cancel every statement running in a `limited` block (the run is interrupted)."""
    with _lock:
        running = list(_running)
    for cancel in running:
        _quietly(cancel)


def _quietly(cancel: Callable[[], None]) -> None:
    """A cancel that fails (the connection just closed, the server is gone) leaves the statement
    to end on its own; the waiting thread reports whatever it ends with."""
    with contextlib.suppress(Exception):
        cancel()
