"""Threads migtest starts beside the main one never take SIGINT or SIGTERM, so that a signal always
reaches the main thread, even one blocked in select() on a held migration (the step walk's lock
observer once took a burst of signals and left the walk waiting for its migration's time limit)."""

import signal

from migtest.threads import SIGNALS, BackgroundThread, background_pool


def test_a_background_thread_blocks_the_signals_and_its_creator_keeps_its_mask():
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    seen: list[set[int]] = []
    thread = BackgroundThread(lambda: seen.append(signal.pthread_sigmask(signal.SIG_BLOCK, [])), "test-quiet")
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and thread.daemon
    assert set(SIGNALS) <= seen[0]
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before


def test_a_background_pool_runs_its_tasks_with_the_signals_blocked():
    with background_pool(1, "test-quiet-pool") as pool:
        mask = pool.submit(signal.pthread_sigmask, signal.SIG_BLOCK, []).result(10)
    assert set(SIGNALS) <= mask
