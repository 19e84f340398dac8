"""The first SIGINT/SIGTERM unwinds; later ones are absorbed; inside `deferred()` even the first
waits for the block to end (signals sent to this process, handled in its main thread)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from migtest.run import interrupts


@pytest.fixture
def installed() -> Iterator[None]:
    saved = {signum: signal.getsignal(signum) for signum in interrupts.SIGNALS}
    interrupts.install()
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def test_the_first_signal_interrupts_and_later_ones_are_absorbed_once(installed, capfd):
    cleaned = []
    with pytest.raises(KeyboardInterrupt):
        try:
            os.kill(os.getpid(), signal.SIGINT)
        finally:
            for signum in (signal.SIGINT, signal.SIGINT, signal.SIGTERM):
                os.kill(os.getpid(), signum)
            cleaned.append("all of it")
    assert cleaned == ["all of it"]
    assert interrupts.received() == signal.SIGINT
    assert capfd.readouterr().err == "migtest: still cleaning up, please wait\n"


def test_a_first_signal_while_deferred_is_raised_after_the_block(installed):
    done = []
    with pytest.raises(KeyboardInterrupt), interrupts.deferred():
        os.kill(os.getpid(), signal.SIGTERM)
        done.append("the whole block")
    assert done == ["the whole block"]
    assert interrupts.received() == signal.SIGTERM


def test_an_ignored_sigint_stays_ignored():
    saved = {signum: signal.getsignal(signum) for signum in interrupts.SIGNALS}
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        interrupts.install()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        interrupts.uninstall()
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def test_uninstall_restores_the_handlers_when_no_signal_came(installed):
    before = signal.getsignal(signal.SIGTERM)
    interrupts.uninstall()
    assert signal.getsignal(signal.SIGTERM) is not before
