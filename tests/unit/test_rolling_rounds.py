"""The rolling deploy's rounds (migtest/run/rolling.py) and its check, with probes that are plain
functions: each round waits on events the test sets, so nothing depends on timing."""

from __future__ import annotations

import threading

import pytest
import yaml

from migtest.checks import CheckContext
from migtest.checks.rolling import check
from migtest.config import ChecksConfig, load_config
from migtest.errors import ConfigError, StepFailed
from migtest.plan import Scenario
from migtest.run.rolling import EVIDENCE_FAILURES, Exerciser, Failure, Probe, RollingObservation

WAIT = 10  # seconds at most for an event the test is sure to set


class Broken:
    """A probe that fails while `broken` is set, and tells each time it was sent."""

    def __init__(self) -> None:
        self.broken = threading.Event()
        self.calls = 0
        self.sent = threading.Condition()

    def __call__(self) -> None:
        with self.sent:
            self.calls += 1
            self.sent.notify_all()
        if self.broken.is_set():
            raise StepFailed("GET /items: expected status 200, got 500", "no such column: name")

    def wait_for(self, calls: int) -> None:
        with self.sent:
            assert self.sent.wait_for(lambda: self.calls >= calls, timeout=WAIT), f"{calls} probe(s) sent"


def test_failures_while_the_window_is_open_are_counted_with_their_evidence():
    probe, observed = Broken(), RollingObservation("4")
    exerciser = Exerciser(observed, [Probe("GET /items", probe, 5)], threading.Event())
    exerciser.baseline()
    with exerciser.window():
        probe.wait_for(2)
        probe.broken.set()
        probe.wait_for(probe.calls + EVIDENCE_FAILURES + 2)
        probe.broken.clear()
    assert observed.failed >= EVIDENCE_FAILURES + 1 and observed.sent > observed.failed
    assert observed.failed_by == {"GET /items": observed.failed}
    assert len(observed.failures) == EVIDENCE_FAILURES, "the first ones are kept, all are counted"
    first = observed.failures[0]
    assert first.error == "GET /items: expected status 200, got 500" and first.output == "no such column: name"
    assert 0 <= first.at_seconds <= observed.window_seconds
    calls = probe.calls
    assert not any(thread.name == "migtest-rolling" for thread in threading.enumerate()), "the rounds stopped"
    assert probe.calls == calls


def test_a_migration_too_short_for_a_round_still_gets_one():
    probe, observed = Broken(), RollingObservation("4")
    exerciser = Exerciser(observed, [Probe("GET /items", probe, 5)], threading.Event())
    with exerciser.window():
        pass
    assert observed.sent == 1 and observed.failed == 0


def test_a_failed_migration_ends_the_rounds():
    probe, observed = Broken(), RollingObservation("4")
    exerciser = Exerciser(observed, [Probe("GET /items", probe, 5)], threading.Event())
    with pytest.raises(StepFailed, match="migration failed"), exerciser.window():
        probe.wait_for(1)
        raise StepFailed("migration failed")
    assert "migtest-rolling" not in {thread.name for thread in threading.enumerate()}
    assert observed.sent >= 1 and observed.window_seconds > 0


def test_an_unexpected_error_of_a_probe_is_its_failure():
    def broken() -> None:
        raise ValueError("not JSON")

    observed = RollingObservation("4")
    with Exerciser(observed, [Probe("GET /items", broken, 5)], threading.Event()).window():
        pass
    assert observed.failed == 1 and observed.failures[0].error == "GET /items: ValueError: not JSON"


def test_the_run_stopping_ends_the_rounds_before_the_migration_does():
    probe, stop, observed = Broken(), threading.Event(), RollingObservation("4")
    exerciser = Exerciser(observed, [Probe("GET /items", probe, 5)], stop)
    with exerciser.window():
        probe.wait_for(1)
        stop.set()
        for thread in threading.enumerate():
            if thread.name == "migtest-rolling":
                thread.join(WAIT)
        assert not any(thread.name == "migtest-rolling" for thread in threading.enumerate())


def test_a_release_failing_before_the_migration_is_not_measured():
    probe = Broken()
    probe.broken.set()
    exerciser = Exerciser(RollingObservation("4"), [Probe("GET /items", probe, 5)], threading.Event())
    with pytest.raises(StepFailed) as caught:
        exerciser.baseline()
    assert str(caught.value) == "GET /items: expected status 200, got 500"


def context(observed: RollingObservation, mode: str | None = None) -> CheckContext:
    scenario = Scenario("upgrade", "4", "5")
    result = CheckContext(scenario, ChecksConfig(rolling=mode), "postgres")
    result.rolling = observed
    return result


def failing() -> RollingObservation:
    observed = RollingObservation("4", ["GET app.health", "GET /items"], 2.41, sent=38, slowest_seconds=0.12)
    observed.failed_by = {"GET /items": 7}
    observed.failures = [Failure(0.83, "GET /items", "GET /items: expected status 200, got 500", "column missing")]
    return observed


def test_failures_warn_by_default_and_fail_when_asked():
    (warned,) = check(context(failing()))
    assert warned.status == "warned"
    assert warned.summary == (
        "4 failed 7 of 38 request(s) during the 2.4s migration, first at +0.83s: "
        "GET /items: expected status 200, got 500"
    )
    assert warned.evidence == [
        "each round: GET app.health, GET /items (7 failed); slowest 0.12s; the first 1 failures below",
        "+0.83s GET /items: expected status 200, got 500\ncolumn missing",
    ]
    assert check(context(failing(), "fail"))[0].status == "failed"
    assert check(context(failing(), "warn"))[0].status == "warned"


def test_no_failure_passes_and_an_unmeasured_release_is_skipped():
    (passed,) = check(context(RollingObservation("4", ["verify.command"], 3.0, sent=2)))
    assert passed.status == "passed"
    assert passed.summary == "4 answered all 2 probe(s) during the 3.0s migration"
    unmeasured = RollingObservation("4", error=StepFailed("GET /items: expected status 200, got 500"))
    (skipped,) = check(context(unmeasured))
    assert skipped.status == "skipped"
    assert skipped.summary == (
        "not measured: 4 did not serve before the migration started: GET /items: expected status 200, got 500"
    )
    assert check(CheckContext(Scenario("upgrade", "4", "5"), ChecksConfig(), "sqlite")) == []


def config_with(tmp_path, checks):
    (tmp_path / "migrations").mkdir(exist_ok=True)
    path = tmp_path / "migtest.yml"
    versions = [{"name": "1.0", "revision": "1"}, {"name": "2.0", "revision": "2"}]
    settings = {"migrations": {"tool": "sql", "dir": "migrations"}, "versions": versions, **checks}
    path.write_text(yaml.safe_dump(settings))
    return str(path)


def test_checks_rolling_key(tmp_path):
    assert load_config(config_with(tmp_path, {})).checks.rolling is None
    assert load_config(config_with(tmp_path, {"checks": {"rolling": "fail"}})).checks.rolling == "fail"
    with pytest.raises(ConfigError) as caught:
        load_config(config_with(tmp_path, {"checks": {"rolling": "always"}}))
    assert "key 'checks.rolling': must be one of fail, warn, off" in str(caught.value)
