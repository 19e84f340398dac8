"""The cyclic garbage collector paused while captures build millions of tuples.

Each collection walks every container object alive, and a capture makes new ones by the million:
the collector ran often enough to cost four times the reading itself (3 s of reading, 11 s in
all for 750 000 rows). Rows hold no cycles, so nothing is left for it to find. Scenarios capture
in parallel threads and the switch is the process's: it is off while any capture runs.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_paused = 0
_was_enabled = False


@contextlib.contextmanager
def paused() -> Iterator[None]:
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
