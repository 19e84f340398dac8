"""What a container used while it ran, from the engine's stats stream: the peak memory seen
and the CPU time consumed, the figures reported for each start of a release."""

from __future__ import annotations

import contextlib
from typing import Any

from migtest.threads import BackgroundThread

MIB = 1024 * 1024


class StatsSampler:
    """Reads the stream in a thread while the container runs (the engine samples about once a
    second): the peak is the largest sample seen, the CPU time the last one's. The thread ends when
    the container is removed; nobody waits for it."""

    def __init__(self, container: Any) -> None:
        self.container = container
        self.peak_memory = 0
        self.cpu_nanoseconds = 0
        self._thread = BackgroundThread(self._read, "migtest-stats")

    def start(self) -> StatsSampler:
        self._thread.start()
        return self

    def _read(self) -> None:
        with contextlib.suppress(Exception):  # a stream cut short by the container's removal ends sampling
            for sample in self.container.stats(stream=True, decode=True):
                self._record(sample)

    def _record(self, sample: dict[str, Any]) -> None:
        memory = sample.get("memory_stats") or {}
        # As `docker stats` shows it: the page cache the kernel can drop does not count.
        used = memory.get("usage", 0) - (memory.get("stats") or {}).get("inactive_file", 0)
        self.peak_memory = max(self.peak_memory, used)
        cpu = ((sample.get("cpu_stats") or {}).get("cpu_usage") or {}).get("total_usage", 0)
        self.cpu_nanoseconds = max(self.cpu_nanoseconds, cpu)

    def figures(self) -> dict[str, float]:
        """Peak memory (MiB) and CPU seconds as sampled so far. Asked while the container still
        runs: when the stream has not delivered its first sample yet, one is taken now."""
        if not self.peak_memory:
            with contextlib.suppress(Exception):  # an engine without one-shot stats: no figures
                self._record(self.container.stats(stream=False, one_shot=True))
        if not self.peak_memory:
            return {}
        return {
            "peak_memory_mib": round(self.peak_memory / MIB, 1),
            "cpu_seconds": round(self.cpu_nanoseconds / 1e9, 2),
        }
