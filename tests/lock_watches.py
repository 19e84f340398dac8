"""What the lock observer tests of both engines share: a watch interrupted once it has sampled."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from migtest.locks import LockMeasurement, LockObserver


def interrupted(observer: LockObserver, wait_for_samples: Callable[[LockMeasurement, int], None]) -> LockMeasurement:
    """Ctrl-C inside a watch that took a sample: the watch ends with no thread of the observer left."""
    with pytest.raises(KeyboardInterrupt), observer.watch("interrupted") as measurement:
        wait_for_samples(measurement, 1)
        raise KeyboardInterrupt
    assert not [t for t in threading.enumerate() if t.name.startswith("migtest-lock-")]
    return measurement
