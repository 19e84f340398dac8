"""A server-side cursor whose next batch is on its way while the capture handles this one.

Fetching a batch is mostly waiting: for the server to produce the rows and for the driver to
receive them, which it does without holding the GIL. A capture fetching only when it has stored
the previous batch leaves the server idle while it converts and stores, and itself idle while the
server works; a thread fetching one batch ahead lets both run at once. One batch ahead at most,
so memory stays that of two batches. The cursor's connection is shared with the capture's thread,
which the driver serializes (a psycopg connection is thread-safe, its cursors are not: only the
fetching thread touches this one until it ended).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from typing import Any

from migtest.threads import BackgroundThread


class Prefetching:
    """The cursor's `execute`, `fetchmany` and `close`, each batch fetched ahead by a thread."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.batches: queue.Queue[list[Any] | BaseException] = queue.Queue(maxsize=1)
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def execute(self, query: str) -> None:
        self.cursor.execute(query)

    def fetchmany(self, size: int) -> list[Any]:
        """The next batch (empty: no more rows); an error fetching it is raised here."""
        if self.thread is None:
            self.thread = BackgroundThread(self._fetch, "migtest-rows", (size,))
            self.thread.start()
        batch = self.batches.get()
        if isinstance(batch, BaseException):
            raise batch
        return batch

    def close(self) -> None:
        """Stop the thread (it ends after the fetch under way, if any) and close the cursor."""
        self.stop.set()
        if self.thread is not None:
            with contextlib.suppress(queue.Empty):  # room for the one batch it may still put
                self.batches.get_nowait()
            self.thread.join()  # at most the fetch under way
        self.cursor.close()

    def _fetch(self, size: int) -> None:
        """Put each batch, the last one empty, or the error that ended them: one put per check
        of `stop`, so that one batch taken by `close` lets it end."""
        try:
            while not self.stop.is_set():
                batch = self.cursor.fetchmany(size)
                self.batches.put(batch)
                if not batch:
                    return
        except BaseException as error:  # the capture's thread raises it
            self.batches.put(error)
