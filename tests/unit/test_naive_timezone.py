"""`checks.naive_timezone`: naive and zoned timestamps of a retyped column compare as instants."""

from __future__ import annotations

import decimal

import pytest
import yaml
from test_checks import UPGRADE, results, state, table

from migtest.capture.dialects import epoch_instant
from migtest.checks.instants import comparable, same_instant
from migtest.cli import EXIT_USAGE, main
from migtest.config import ChecksConfig, load_config

NAIVE, ZONED = "TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP WITH TIME ZONE"


def config_with(tmp_path, **checks) -> str:
    (tmp_path / "migrations").mkdir(exist_ok=True)
    path = tmp_path / "migtest.yml"
    settings = {"migrations": {"tool": "sql", "dir": "migrations"}, "versions": [{"name": "1.0", "revision": "1"}]}
    path.write_text(yaml.safe_dump({**settings, "checks": checks}))
    return str(path)


def test_the_zone_is_utc_unless_declared(tmp_path):
    assert load_config(config_with(tmp_path)).checks.naive_timezone == "UTC"
    assert load_config(config_with(tmp_path, naive_timezone=None)).checks.naive_timezone == "UTC"
    assert load_config(config_with(tmp_path, naive_timezone="Europe/Berlin")).checks.naive_timezone == "Europe/Berlin"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../etc/passwd", "Europe/", "a\x00b", "x" * 5000, 3, "", [1]])
def test_an_unknown_zone_is_a_usage_error_naming_the_key(tmp_path, capsys, zone):
    code = main(["plan", "-c", config_with(tmp_path, naive_timezone=zone)])

    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "key 'checks.naive_timezone'" in err and "Traceback" not in err


def test_same_instant_pairs_a_naive_and_a_zoned_value_only():
    assert same_instant("2024-01-15 10:00:00", "2024-01-15 10:00:00+00:00", "UTC")
    assert same_instant("2024-01-15 11:00:00+01:00", "2024-01-15 10:00:00", "UTC")  # either way round
    assert same_instant("2024-07-01 12:00:00", "2024-07-01 10:00:00+00:00", "Europe/Berlin")  # summer time
    assert not same_instant("2024-01-15 10:00:00", "2024-01-15 09:00:00+00:00", "UTC")
    assert not same_instant("2024-01-15 10:00:00", "2024-01-15 10:00:00", "UTC")  # plain equality's business
    assert not same_instant("2024-13-15 10:00:00", "2024-13-15 10:00:00+00:00", "UTC")  # no such date
    assert not same_instant("10:00", "10:00+00:00", "UTC") and not same_instant(None, None, "UTC")


def test_comparable_is_the_instant_in_utc():
    assert comparable("2024-01-15 11:00:00", "Europe/Berlin") == "2024-01-15 10:00:00+00:00"
    assert comparable("2024-01-15 10:00:00.5+00:00", "Europe/Berlin") == "2024-01-15 10:00:00.500000+00:00"
    assert comparable("ten o'clock", "UTC") == "ten o'clock" and comparable(7, "UTC") == 7


@pytest.mark.parametrize("pk", [("id",), ()], ids=["keyed", "unkeyed"])
def test_only_a_retyped_column_compares_instants(pk):
    before_schema = {"events": table("id", "at", pk=pk, types={"at": NAIVE})}
    before = state(before_schema, {"events": [{"id": 1, "at": "2024-01-15 10:00:00"}]}, revision="1")
    row = [{"id": 1, "at": "2024-01-15 10:00:00+00:00"}]
    retyped = state({"events": table("id", "at", pk=pk, types={"at": ZONED})}, {"events": row})
    same_type = state(before_schema, {"events": row})

    assert results(UPGRADE, before=before, after=retyped, reference=retyped)["content"].status == "passed"
    assert results(UPGRADE, before=before, after=same_type, reference=same_type)["content"].status == "failed"
    berlin = ChecksConfig(idempotent=False, naive_timezone="Europe/Berlin")
    wrong = results(UPGRADE, berlin, before=before, after=retyped, reference=retyped)["content"]
    assert wrong.status == "failed"
    if pk:
        assert wrong.evidence == [
            "table 'events': id=1: at '2024-01-15 10:00:00' -> '2024-01-15 10:00:00+00:00' "
            "(another instant, naive times read in Europe/Berlin)"
        ]


def test_a_mysql_timestamp_reads_as_its_instant():
    assert epoch_instant(1705312800) == "2024-01-15 10:00:00+00:00"
    assert epoch_instant(decimal.Decimal("2147483647.999999")) == "2038-01-19 03:14:07.999999+00:00"
    assert epoch_instant(0) == "0000-00-00 00:00:00" and epoch_instant(None) is None
