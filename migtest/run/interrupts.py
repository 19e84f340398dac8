"""SIGINT and SIGTERM: the first one unwinds the run (as Ctrl-C does), any after it is absorbed.

An impatient user presses Ctrl-C three times and a CI runner follows with SIGTERM: a second
KeyboardInterrupt would cut the cleanup short (databases, containers and folders left behind),
so from the first signal on migtest only says it is still cleaning up. Code that must not be
cut short even by the first signal (the cleanup at the end of a run that was not interrupted)
runs `deferred()`: a signal there is raised when it ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from typing import ClassVar

from migtest.threads import SIGNALS

STILL_CLEANING = b"migtest: still cleaning up, please wait\n"


class _State:
    received: int | None = None  # the first signal, once one came
    raised = False
    deferring = 0
    told = False
    previous: ClassVar[dict[int, object]] = {}


def install() -> None:
    """Handle SIGINT and SIGTERM in the main thread; a SIGINT the parent ignores stays ignored
    (a shell's background job), as Python itself does."""
    _State.received, _State.raised, _State.deferring, _State.told = None, False, 0, False
    _State.previous = {signum: signal.getsignal(signum) for signum in SIGNALS}
    for signum in SIGNALS:
        if _State.previous[signum] is not signal.SIG_IGN:
            signal.signal(signum, _first)


def uninstall() -> None:
    """Put the handlers back, unless a signal came: then later ones are still absorbed while the
    interpreter shuts down (joining threads), where they would print a traceback."""
    if _State.received is None:
        for signum, handler in _State.previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]


def received() -> int | None:
    """The signal that interrupted the run, to forward to the commands it runs."""
    return _State.received


def _first(signum: int, _frame: object) -> None:
    _State.received = signum
    for other in SIGNALS:
        if signal.getsignal(other) is _first:
            signal.signal(other, _later)
    if not _State.deferring:
        _State.raised = True
        raise KeyboardInterrupt


def _later(_signum: int, _frame: object) -> None:
    """os.write, not print: the main thread may be inside a print to stderr right now."""
    if not _State.told:
        _State.told = True
        with contextlib.suppress(OSError):
            os.write(2, STILL_CLEANING)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Run the block whole; a first signal that came meanwhile is raised after it. Only the main
    thread receives signals: elsewhere the block runs as it is (counted, it would keep the main
    thread from raising the signal it received)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _State.deferring += 1
    try:
        yield
    finally:
        _State.deferring -= 1
    if _State.received is not None and not _State.raised and not _State.deferring:
        _State.raised = True
        raise KeyboardInterrupt
