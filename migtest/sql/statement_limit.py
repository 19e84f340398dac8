"""Time limits and interrupts for the SQL migtest runs itself (the `sql` migrator, seed files).

A statement that runs too long, or that runs when the run is interrupted, is cancelled on the
server itself (PostgreSQL's cancel request, MySQL's `KILL QUERY`, SQLite's interrupt): the server
stops working on it, the waiting thread gets its error back and the run unwinds and cleans up.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

import sqlalchemy

from migtest.errors import StepFailed
from migtest.run.process import LIMIT_KEY

_lock = threading.Lock()
_running: set[Callable[[], None]] = set()


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
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        _quietly(cancel)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    with _lock:
        _running.add(cancel)
    timer.start()
    try:
        yield
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM in this very thread (migtest steps): the server stops too
        _quietly(cancel)
        raise
    except Exception as exc:
        if not expired.is_set():
            raise
        message = f"{what}: still running after {seconds:g}s ({LIMIT_KEY})"
        output = exc.output if isinstance(exc, StepFailed) else ""
        raise StepFailed(message, output, file=getattr(exc, "file", None), line=getattr(exc, "line", None)) from exc
    finally:
        timer.cancel()
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
