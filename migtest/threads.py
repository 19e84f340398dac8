"""Threads migtest starts beside the main one, which never take SIGINT or SIGTERM.

The kernel gives a process's signal to any thread that does not block it, and only the main thread
turns it into KeyboardInterrupt (see run/interrupts): taken by another thread, it waits until the
main thread next runs Python, which a main thread blocked in select() on a held migration may not
do for its whole time limit. Every layer starts such threads (captures, lock observers, Docker
stats, progress), so they live here, below all of them.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class BackgroundThread(threading.Thread):
    """A daemon thread started with SIGINT and SIGTERM blocked (a new thread inherits its creator's
    mask, which is given back at once)."""

    def __init__(self, target: Callable[..., object], name: str, args: tuple[object, ...] = ()) -> None:
        super().__init__(target=target, args=args, name=name, daemon=True)

    def start(self) -> None:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        try:
            super().start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def background_pool(workers: int, name: str) -> ThreadPoolExecutor:
    """A pool whose threads block SIGINT and SIGTERM from their first task on."""
    return ThreadPoolExecutor(workers, thread_name_prefix=name, initializer=_block_signals)


def _block_signals() -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
