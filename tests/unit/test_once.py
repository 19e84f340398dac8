"""A value built once per key, however many threads ask for it at the same time."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from migtest.run.once import Once


def test_threads_asking_at_once_wait_for_one_build():
    once: Once[str, int] = Once()
    builds: list[str] = []
    start = threading.Barrier(8)

    def build() -> int:
        builds.append("1.0")
        time.sleep(0.05)  # long enough for the other threads to arrive while it builds
        return len(builds)

    def ask(_: int) -> int:
        start.wait()
        return once.get("1.0", build)

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(ask, range(8))) == [1] * 8
    assert builds == ["1.0"]
    assert once.get("1.1", build) == 2


def test_a_failed_build_is_not_kept():
    once: Once[str, int] = Once()

    def fail() -> int:
        raise RuntimeError("setup failed")

    with pytest.raises(RuntimeError):
        once.get("1.0", fail)
    assert once.get("1.0", lambda: 7) == 7
