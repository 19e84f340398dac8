"""The `locks` check's verdicts and evidence from measurements, and `checks.locks` as configured."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from migtest.checks import CheckContext
from migtest.checks import locks as locks_check
from migtest.config import ChecksConfig, LocksConfig, parse_config
from migtest.errors import ConfigError
from migtest.locks import HeldLock, LockMeasurement, Stall, StatementSite
from migtest.plan import Scenario
from migtest.results import FAILED, PASSED, WARNED, Location

SITE = StatementSite("migrations/0012_add_col.sql", 3)
STATEMENT = "ALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT clock_timestamp()"


def _rewrite(blocked_ms: float = 3400.0) -> LockMeasurement:
    return LockMeasurement(
        "0012_add_col.sql",
        samples=900,
        locks=[HeldLock("orders", "table", "AccessExclusiveLock", 3400.0, STATEMENT, SITE)],
        stalls=[Stall("orders", blocked_ms, blocked_ms), Stall("customers", 1.0, 2.0)],
        rewritten=["orders"],
        site=SITE,
    )


def _check(measurements: list[LockMeasurement], **options: object):
    checks = ChecksConfig(locks=LocksConfig(**options))
    context = CheckContext(Scenario("step", "11", "12"), checks, "postgres", locks=measurements)
    return locks_check.check(context)


def test_a_rewrite_warns_by_default_with_the_statement_the_lock_and_the_fix():
    (check,) = _check([_rewrite()])
    assert check.status == WARNED
    assert check.summary == "1 lock finding(s); the longest stall 3.4 s on orders (max_blocked_ms 1000)"
    assert check.location == Location("migrations/0012_add_col.sql", 3)
    assert check.evidence == [
        "0012_add_col.sql:3 holds AccessExclusiveLock on orders for 3.4 s; writes blocked 3.4 s, reads 3.4 s "
        "(table rewritten): ADD COLUMN without a volatile default, then backfill in batches"
    ]


def test_a_threshold_set_to_fail_fails():
    assert _check([_rewrite()], blocked="fail")[0].status == FAILED
    assert _check([_rewrite()], rewrite="fail", blocked="off")[0].status == FAILED


def test_stalls_under_the_threshold_and_findings_turned_off_pass():
    (check,) = _check([_rewrite(blocked_ms=400.0)], rewrite="off", max_blocked_ms=500)
    assert check.status == PASSED
    assert check.summary == "900 lock sample(s); the longest stall 400 ms on orders"


def test_an_index_built_without_concurrently_is_named_with_its_lock_and_fix():
    site = StatementSite("migrations/0013_index.sql", 1)
    lock = HeldLock("orders", "table", "ShareLock", 362.0, "CREATE INDEX orders_amount ON orders (amount)", site)
    measurement = LockMeasurement(
        "0013_index.sql", locks=[lock], stalls=[Stall("orders", 3.0, 362.0)], blocking_indexes=["orders_amount"]
    )
    (check,) = _check([measurement], blocking_index="fail")
    assert check.status == FAILED
    assert check.location == Location("migrations/0013_index.sql", 1)
    assert check.evidence == [
        "0013_index.sql:1 holds ShareLock on orders for 362 ms; writes blocked 362 ms, reads 3.0 ms; index "
        "orders_amount built without CONCURRENTLY on a table with rows: CREATE INDEX CONCURRENTLY, in a file "
        "that does not run in a transaction"
    ]


def test_nothing_measured_is_no_check():
    assert _check([]) == []


def _locks(text: str) -> LocksConfig:
    data = {"migrations": {"tool": "sql", "dir": "."}, "versions": [{"name": "1"}], **yaml.safe_load(text)}
    return parse_config(data, Path(__file__)).checks.locks


def test_locks_off_as_yaml_reads_it_measures_nothing_and_thresholds_read_off_too():
    assert _locks("checks: {locks: off}").measure is False
    assert _locks("checks: {}") == LocksConfig()
    configured = _locks("checks: {locks: {max_blocked_ms: 500, rewrite: fail, blocking_index: off}}")
    assert configured == LocksConfig(max_blocked_ms=500.0, rewrite="fail", blocking_index="off")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("checks: {locks: {blocked: never}}", "checks.locks.blocked"),
        ("checks: {locks: {max_blocked_ms: -5}}", "checks.locks.max_blocked_ms"),
        ("checks: {locks: sometimes}", "checks.locks"),
    ],
)
def test_bad_values_name_their_key(text, key):
    with pytest.raises(ConfigError) as error:
        _locks(text)
    assert error.value.key == key


def test_a_lock_seen_by_one_sample_is_held_under_the_interval_not_for_0_ms():
    lock = HeldLock("products", "table", "AccessExclusiveLock", 0.0, "ALTER TABLE products ...", SITE)
    measurement = LockMeasurement("V2.sql", interval_ms=3.9, samples=13, locks=[lock], rewritten=["products"])
    (check,) = _check([measurement])
    assert "holds AccessExclusiveLock on products for under 3.9 ms (seen by one sample)" in check.evidence[0]
