"""The live status line's logic: when it is wanted, what it says, how it writes around plain lines."""

import io
import sys
import threading

import pytest

from migtest.plan import Scenario
from migtest.reports.console import Console
from migtest.reports.live import StatusLine, Tracked, showing, wanted
from migtest.reports.ordered import InPlanOrder
from migtest.results import Phase, ScenarioResult

FIRST, SECOND = Scenario("upgrade", "1.0", "1.1"), Scenario("downgrade", "1.1", "1.0")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("mode", "environ", "live"),
    [
        ("auto", {"TERM": "xterm"}, True),
        ("auto", {"TERM": "xterm", "CI": "true"}, False),
        ("auto", {"TERM": "xterm", "CI": "1"}, False),
        ("auto", {"TERM": "xterm", "CI": "false"}, True),
        ("auto", {"GITHUB_ACTIONS": "true"}, False),
        ("auto", {"GITLAB_CI": "true"}, False),
        ("auto", {"TERM": "dumb"}, False),
        ("live", {"CI": "true"}, True),
        ("plain", {"TERM": "xterm"}, False),
    ],
)
def test_auto_is_live_only_in_a_terminal_outside_ci(mode, environ, live):
    assert wanted(mode, Terminal(), environ) is live


def test_auto_is_plain_in_a_pipe():
    assert not wanted("auto", io.StringIO(), {"TERM": "xterm"})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_line_says_done_of_total_elapsed_and_each_running_scenario_with_its_phase():
    clock = Clock()
    line = StatusLine(io.StringIO(), clock)
    assert line.text(200) == "starting | 0:00"
    progress = Tracked(Console(io.StringIO(), github=False), line)
    progress.setup_started("1.0")
    assert line.text(200) == "starting | 0:00 | setup 1.0"
    progress.setup_finished(Phase("setup 1.0", 1.0))
    progress.scenario_started(FIRST, 1, 3)
    progress.scenario_started(SECOND, 2, 3)
    progress.phase_started(FIRST, "seed")
    progress.phase_started(SECOND, "downgrade")
    clock.now += 75
    assert line.text(200) == "0/3 done | 1:15 | running upgrade-1.0-to-1.1 (seed), downgrade-1.1-to-1.0 (downgrade)"
    progress.scenario_finished(ScenarioResult(FIRST))
    assert line.text(200) == "1/3 done | 1:15 | running downgrade-1.1-to-1.0 (downgrade)"


def test_the_line_is_narrower_than_the_terminal_so_it_never_wraps():
    line = StatusLine(io.StringIO(), Clock())
    line.total, line.running = 3, {FIRST: "seed", SECOND: "a phase with a long name"}
    assert line.text(30) == "0/3 done | 0:00 | running ..."
    assert len(line.text(30)) == 29


def test_plain_lines_are_written_above_the_line_which_is_erased_at_the_end():
    stream = io.StringIO()
    line = StatusLine(stream, Clock(), tick_seconds=3600)  # every draw here is an event's
    progress = Tracked(InPlanOrder(Console(stream, github=False, line=line)), line)
    line.start()
    progress.scenario_started(FIRST, 1, 1)
    progress.scenario_finished(ScenarioResult(FIRST))
    line.stop()
    drawn = "\r0/1 done | 0:00 | running upgrade-1.0-to-1.1 (starting)\x1b[K"
    assert stream.getvalue() == (
        "\rstarting | 0:00\x1b[K"
        + drawn
        + "\r1/1 done | 0:00\x1b[K"
        + "\r\x1b[K[1/1] upgrade 1.0 -> 1.1\n"
        + "\r1/1 done | 0:00\x1b[K"
        + "\r\x1b[KPASSED: upgrade 1.0 -> 1.1 (0.0s)\n"
        + "\r1/1 done | 0:00\x1b[K"
        + "\r\x1b[K"
    )


def test_the_ticker_redraws_on_its_own_and_stops_at_once():
    stream = Terminal()
    line = StatusLine(stream, Clock(), tick_seconds=0.01)
    line.start()
    for _ in range(1000):  # bounded: a few ticks are 30 ms; the lock makes each draw whole
        with line.lock:
            if stream.getvalue().count("\r") >= 3:
                break
        threading.Event().wait(0.01)
    line.stop()
    assert stream.getvalue().count("starting | 0:00") >= 3


def test_stopping_does_not_wait_for_the_next_tick():
    line = StatusLine(io.StringIO(), Clock(), tick_seconds=3600)
    line.start()
    line.stop()
    assert not line._ticker.is_alive()
    assert line.stream.getvalue().endswith("\r\x1b[K")


def test_what_others_print_on_stderr_goes_above_the_line_once_their_line_is_whole(monkeypatch):
    stream = io.StringIO()  # the terminal, stdout and stderr alike
    monkeypatch.setattr(sys, "stderr", stream)
    line = StatusLine(stream, Clock(), tick_seconds=3600)
    with showing(line):
        print("migtest: could not drop database x", file=sys.stderr)  # two writes: the text, "\n"
        sys.stderr.write("half a line")
        line.redraw()  # a tick meanwhile must not draw into it
        sys.stderr.write(" ended\n")
    assert stream.getvalue() == (
        "\rstarting | 0:00\x1b[K"
        "\r\x1b[Kmigtest: could not drop database x"
        "\n\rstarting | 0:00\x1b[K"
        "\r\x1b[Khalf a line ended\n\rstarting | 0:00\x1b[K"
        "\r\x1b[K"
    )
    assert sys.stderr is stream
