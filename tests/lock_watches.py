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


def connections_lost(
    observer: LockObserver,
    kill_own_sessions: Callable[[], None],
    wait_for_samples: Callable[[LockMeasurement, int], None],
) -> tuple[LockMeasurement, LockMeasurement]:
    """A watch whose connections the server ends once it sampled (a restart, an idle timeout, a
    DBA's kill), then another watch: the first says what it could not see, without an error, and
    the second measures on new connections."""
    with observer.watch("lost") as lost:
        wait_for_samples(lost, 1)
        kill_own_sessions()
    with observer.watch("next") as following:
        wait_for_samples(following, 1)
    return lost, following
