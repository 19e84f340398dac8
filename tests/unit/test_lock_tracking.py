"""What an observer records from its samples and probe attempts (migtest/locks/tracking.py), and
which observer each engine gets."""

from __future__ import annotations

from migtest.databases import Database
from migtest.locks import LockMeasurement, observer_for
from migtest.locks.mysql import MysqlLockObserver
from migtest.locks.tracking import Record

MODES = ("SHARED_UPGRADABLE", "SHARED_NO_WRITE", "EXCLUSIVE")


def _sampled(*samples: tuple[float, list[str]]) -> LockMeasurement:
    record = Record(MODES)
    for at, modes in samples:
        record.sample(at, [("orders", "table", mode, "ALTER TABLE orders …") for mode in modes])
    measurement = LockMeasurement("m")
    record.fill(measurement, [], ended=samples[-1][0])
    return measurement


def test_a_mode_is_held_between_two_samples_that_both_saw_it_and_not_between_a_release_and_a_retake():
    """An inplace ALTER takes EXCLUSIVE briefly at its start and its end: not held in between."""
    measurement = _sampled(
        (0.0, ["SHARED_UPGRADABLE"]),
        (0.1, ["EXCLUSIVE"]),
        (0.2, ["SHARED_UPGRADABLE"]),
        (0.3, ["SHARED_UPGRADABLE"]),
        (0.4, ["SHARED_NO_WRITE"]),
        (0.6, ["SHARED_NO_WRITE"]),
        (0.7, ["EXCLUSIVE"]),
        (0.8, ["EXCLUSIVE"]),
    )
    (lock,) = measurement.locks
    assert (lock.mode, lock.held_ms) == ("EXCLUSIVE", 100.0)
    assert lock.modes_ms == {"SHARED_UPGRADABLE": 100.0, "EXCLUSIVE": 100.0, "SHARED_NO_WRITE": 200.0}
    assert lock.statement == "ALTER TABLE orders …"


def test_two_sessions_modes_on_one_relation_count_each():
    measurement = _sampled((0.0, ["SHARED_UPGRADABLE", "SHARED_NO_WRITE"]), (0.05, ["SHARED_UPGRADABLE"]))
    assert measurement.locks[0].modes_ms == {"SHARED_UPGRADABLE": 50.0, "SHARED_NO_WRITE": 0.0}
    assert (measurement.samples, measurement.interval_ms) == (2, 50.0)


def test_attempts_that_timed_out_one_after_the_other_are_one_stall_until_one_completes():
    record = Record(MODES)
    record.attempted("orders", True, 0.0, 0.01, completed=True)
    record.attempted("orders", True, 1.0, 1.01, completed=False)
    record.attempted("orders", True, 1.02, 1.03, completed=False)
    record.attempted("orders", True, 1.04, 1.3, completed=True)
    record.attempted("orders", False, 2.0, 2.01, completed=False)  # still stalled when the watch ends
    measurement = LockMeasurement("m")
    record.fill(measurement, ["orders", "never probed"], ended=2.5)
    (stall,) = measurement.stalls
    assert (stall.table, stall.write_ms, stall.read_ms) == ("orders", 300.0, 500.0)


def test_both_spellings_of_the_engine_get_the_mysql_observer():
    """`database.engine: mariadb` stays so in the configuration; its server is MySQL's kind."""
    database = Database("d", "mysql+pymysql://u@h/d", server=None)
    assert all(isinstance(observer_for(database, engine), MysqlLockObserver) for engine in ("mysql", "mariadb"))
