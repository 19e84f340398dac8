"""Lock measurements travel with a scenario's result through the JSON report and back."""

import json

from migtest.locks import HeldLock, LockMeasurement, Stall, StatementSite
from migtest.plan import Scenario
from migtest.results import ScenarioResult


def test_a_scenarios_lock_measurements_survive_the_json_round_trip() -> None:
    measurement = LockMeasurement(
        "0002_add_column.sql",
        duration_ms=3400.0,
        interval_ms=2.5,
        samples=1200,
        locks=[HeldLock("orders", "table", "AccessExclusiveLock", 3390.0, "ALTER TABLE orders ...")],
        stalls=[Stall("orders", 3380.0, 3395.0), Stall("customers", 0.0, 1.0)],
        rewritten=["orders"],
        site=StatementSite("migrations/0002_add_column.sql", 3),
    )
    result = ScenarioResult(Scenario("step", "0001", "0002"), locks=[measurement])
    back = ScenarioResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert back.locks == [measurement]
    assert back.locks[0].blocked_ms("orders") == 3395.0
    assert back.locks[0].blocked_ms("nowhere") == 0.0


def test_a_result_without_measurements_writes_no_locks_key() -> None:
    assert "locks" not in ScenarioResult(Scenario("upgrade", "1", "2")).to_dict()
