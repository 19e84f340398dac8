"""Threads migtest starts beside the main one never take SIGINT or SIGTERM, so that a signal always
reaches the main thread, even one blocked in select() on a held migration (the step walk's lock
observer once took a burst of signals and left the walk waiting for its migration's time limit)."""

import signal

from migtest.run.interrupts import SIGNALS, BackgroundThread


def test_a_background_thread_blocks_the_signals_and_its_creator_keeps_its_mask():
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    seen: list[set[int]] = []
    thread = BackgroundThread(lambda: seen.append(signal.pthread_sigmask(signal.SIG_BLOCK, [])), "test-quiet")
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and thread.daemon
    assert set(SIGNALS) <= seen[0]
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before
