"""`seed.generate` without a database: its configuration, the values made per column, the check
constraints read, and the one-line description."""

from __future__ import annotations

import collections
import datetime
import decimal
import random
from pathlib import Path

import pytest
import yaml

from migtest.config import GenerateConfig, load_config
from migtest.errors import ConfigError
from migtest.seeding.constraints import read_checks
from migtest.seeding.generate import Digit, Generated, TableResult
from migtest.seeding.values import (
    FULL_UNICODE,
    ColumnSpec,
    Distinct,
    Plain,
    Restriction,
    coerce,
    edges,
    restrict,
)

BASE = {
    "migrations": {"tool": "sql", "dir": "migrations"},
    "versions": [{"name": "1.0", "revision": "1"}],
}


def load(tmp_path: Path, generate: object) -> GenerateConfig | None:
    (tmp_path / "migrations").mkdir(exist_ok=True)
    path = tmp_path / "migtest.yml"
    path.write_text(yaml.safe_dump({**BASE, "seed": {"generate": generate}}))
    return load_config(str(path)).seed.generate


def test_configuration_with_defaults_and_without_seed_files(tmp_path):
    assert load(tmp_path, {"rows": 500}) == GenerateConfig(rows=500)
    settings = {
        "rows": 10,
        "seed": -3,
        "batch": 50,
        "exclude": ["audit_log", "users.password"],
        "values": {"users.country": "NL", "orders.placed": datetime.date(2020, 1, 2)},
    }
    assert load(tmp_path, settings) == GenerateConfig(
        rows=10,
        seed=-3,
        exclude=("audit_log", "users.password"),
        values={"users.country": "NL", "orders.placed": datetime.date(2020, 1, 2)},
        batch=50,
    )


@pytest.mark.parametrize(
    ("generate", "message"),
    [
        ({}, "key 'seed.generate': missing key 'rows'"),
        ({"rows": 0}, "key 'seed.generate.rows': must be a whole number >= 1, got 0"),
        ({"rows": 2.5}, "key 'seed.generate.rows': must be a whole number >= 1, got 2.5"),
        ({"rows": True}, "key 'seed.generate.rows': must be a whole number >= 1, got true"),
        ({"rows": 5, "seed": "x"}, "key 'seed.generate.seed': must be a whole number, got 'x'"),
        ({"rows": 5, "batch": 0}, "key 'seed.generate.batch': must be a whole number >= 1, got 0"),
        ({"rows": 5, "exclude": "users"}, "key 'seed.generate.exclude': must be a list, got 'users'"),
        ({"rows": 5, "exclude": ["users."]}, "key 'seed.generate.exclude[0]': must name a table or table.column"),
        ({"rows": 5, "values": {"users": 1}}, "key 'seed.generate.values.users': must name a column as table.column"),
        ({"rows": 5, "valuez": {}}, "key 'seed.generate.valuez': unknown key (did you mean 'values'?)"),
        (100, "key 'seed.generate': must be a mapping, got 100"),
    ],
)
def test_configuration_mistakes_name_the_key(tmp_path, generate, message):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, generate)
    assert message in str(caught.value)
    assert str(tmp_path / "migtest.yml") in str(caught.value)


# -- values ------------------------------------------------------------------------------------------


def test_integer_edges_are_the_type_bounds_and_zero_with_null_first():
    spec = ColumnSpec("n", "integer", low=-32768, high=32767)
    assert edges(spec) == [None, -32768, 32767, 0, 1, -1]
    assert edges(restrict(spec, Restriction(low=decimal.Decimal(0), low_open=True))) == [None, 1, 32767]
    narrowed = restrict(spec, Restriction(high=decimal.Decimal(10), excluded=(decimal.Decimal(1),), not_null=True))
    assert edges(narrowed) == [-32768, 10, 0, -1]


def test_string_edges_are_empty_longest_unicode_and_awkward():
    found = edges(ColumnSpec("s", "string", length=12))
    assert found[:4] == [None, "", "x" * 12, FULL_UNICODE[:12]]
    assert any("'" in text and "\\" in text for text in found[4:] if text)
    assert all(len(text) <= 12 for text in found if text is not None)
    assert "😀" in FULL_UNICODE and ord("😀") > 0xFFFF  # outside the Basic Multilingual Plane
    at_least_two = restrict(ColumnSpec("s", "string", nullable=False), Restriction(min_length=2, max_length=5))
    assert edges(at_least_two)[:2] == ["xxxxx", FULL_UNICODE[:5]] and "" not in edges(at_least_two)
    assert edges(ColumnSpec("s", "string", choices=("a", "b"))) == [None, "a", "b"]


def test_number_edges_follow_precision_scale_and_checks():
    high = decimal.Decimal("999.99")
    money = ColumnSpec("m", "decimal", nullable=False, low=-high, high=high, scale=2)
    assert edges(money) == [-high, high, 0, decimal.Decimal("0.01"), decimal.Decimal("-0.01"), 1]
    positive = restrict(money, Restriction(low=decimal.Decimal(0), low_open=True))
    assert min(edges(positive)) == decimal.Decimal("0.01")
    assert edges(ColumnSpec("f", "float", nullable=False))[:3] == [0.0, 1.5, -1.5]


def test_dates_reach_the_epoch_and_the_far_future():
    assert edges(ColumnSpec("d", "date", nullable=False))[:2] == [
        datetime.date(1970, 1, 1),
        datetime.date(9999, 12, 31),
    ]
    moments = edges(ColumnSpec("t", "datetime", nullable=False, timezone=True))
    assert moments[0] == datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    assert moments[1].year == 9999
    mysql_timestamp = ColumnSpec(
        "t", "datetime", low=datetime.datetime(1970, 1, 1, 0, 0, 1), high=datetime.datetime(2038, 1, 19, 3, 14, 7)
    )
    assert edges(mysql_timestamp)[1:3] == [mysql_timestamp.low, mysql_timestamp.high]


def test_plain_values_start_with_every_edge_then_repeat_and_are_reproducible():
    spec = ColumnSpec("n", "integer", low=-128, high=127)
    made = [Plain(spec, 200, random.Random("seed"))(i) for i in range(200)]
    again = [Plain(spec, 200, random.Random("seed"))(i) for i in range(200)]
    other = [Plain(spec, 200, random.Random("other"))(i) for i in range(200)]
    assert made == again and made != other
    assert set(made[:6]) == {None, -128, 127, 0, 1, -1}
    assert max(collections.Counter(made[6:]).values()) > 1
    assert all(value is None or -128 <= value <= 127 for value in made)


def test_distinct_strings_differ_even_folded_and_fit_a_short_column():
    spec = ColumnSpec("code", "string", length=4)
    column = Distinct(spec, 2000)
    made = [column(i) for i in range(2000)]
    assert made[:2] == ["", "x" + "001"] and all(len(text) <= 4 for text in made)
    assert len({text.casefold().rstrip() for text in made}) == 2000  # as a case- and space-blind collation sees them
    later = Distinct(spec, 10, offset=2000)
    assert not {later(i) for i in range(10)} & set(made)


def test_digits_count_through_every_combination_in_a_scrambled_order():
    combinations = 6 * 4
    multiplier = 7  # prime to 24
    first, second = Digit(1, 6, combinations, multiplier), Digit(6, 4, combinations, multiplier)
    pairs = [(first.of(i), second.of(i)) for i in range(combinations)]
    assert len(set(pairs)) == combinations
    assert len({pair[1] for pair in pairs[:6]}) > 1  # the second part varies from the first rows on


def test_fixed_values_take_the_column_type():
    assert coerce(ColumnSpec("d", "date"), "2020-02-29") == datetime.date(2020, 2, 29)
    assert coerce(ColumnSpec("m", "decimal"), 1.1) == decimal.Decimal("1.1")
    assert coerce(ColumnSpec("s", "string"), 5) == 5
    with pytest.raises(ValueError, match="'soon' is not a valid datetime"):
        coerce(ColumnSpec("t", "datetime"), "soon")


# -- check constraints --------------------------------------------------------------------------------

COLUMNS = ["age", "status", "name", "price", "data"]


@pytest.mark.parametrize(
    ("check", "column", "rule"),
    [
        ("age >= 0 AND age <= 150", "age", Restriction(low=decimal.Decimal(0), high=decimal.Decimal(150))),
        ("age BETWEEN 0 AND 150", "age", Restriction(low=decimal.Decimal(0), high=decimal.Decimal(150))),
        ("`age` between 0 and 150", "age", Restriction(low=decimal.Decimal(0), high=decimal.Decimal(150))),
        (
            "((age >= '-5'::integer) AND (age <= 5))",
            "age",
            Restriction(low=decimal.Decimal(-5), high=decimal.Decimal(5)),
        ),
        ("0 < age", "age", Restriction(low=decimal.Decimal(0), low_open=True)),
        ("price > 0::numeric", "price", Restriction(low=decimal.Decimal(0), low_open=True)),
        ("age <> 3", "age", Restriction(excluded=(decimal.Decimal(3),))),
        ("status IN ('a', 'b')", "status", Restriction(choices=("a", "b"))),
        ("`status` in ('a','b')", "status", Restriction(choices=("a", "b"))),
        (
            "status::text = ANY (ARRAY['a'::character varying, 'b'::character varying]::text[])",
            "status",
            Restriction(choices=("a", "b")),
        ),
        ("name IN ('it''s', 'x, y')", "name", Restriction(choices=("it's", "x, y"))),
        ("length(name) <= 3", "name", Restriction(max_length=3)),
        ("char_length(`name`) > 0", "name", Restriction(min_length=1)),
        ("octet_length(`name`) <= 30", "name", Restriction(max_length=30)),
        ("name <> ''::text", "name", Restriction(min_length=1)),
        ('"name" IS NOT NULL AND length("name") >= 2', "name", Restriction(min_length=2, not_null=True)),
        ("json_valid(`data`)", "data", Restriction(json=True)),
    ],
)
def test_simple_checks_are_read_as_each_engine_writes_them(check, column, rule):
    assert read_checks([check], COLUMNS) == ({column: rule}, [])


@pytest.mark.parametrize(
    "check", ["age > 3 OR age < 1", "name LIKE 'a%'", "status IN ('a', other)", "price > cost", "lower(name) = name"]
)
def test_other_checks_are_reported_unread(check):
    assert read_checks([check], COLUMNS) == ({}, [check])


def test_checks_on_one_column_narrow_each_other():
    rules, unread = read_checks(["age >= 0", "age > 10 AND age < 99", "age <= 120 AND name LIKE 'x%'"], COLUMNS)
    assert rules == {
        "age": Restriction(low=decimal.Decimal(10), low_open=True, high=decimal.Decimal(99), high_open=True)
    }
    assert unread == ["age <= 120 AND name LIKE 'x%'"]  # its understood half still narrows


def test_description_names_rejections_and_short_tables():
    tables = [
        TableResult("users", 100),
        TableResult("codes", 88, collections.Counter({"check constraints": 12})),
        TableResult("profiles", 6, note="6 rows, as many as its unique keys allow"),
    ]
    assert Generated(tables).describe() == (
        "generated 194 rows in 3 tables (12 rejected by check constraints; "
        "profiles: 6 rows, as many as its unique keys allow)"
    )
    assert Generated([TableResult("users", 5)]).describe() == "generated 5 rows in 1 table"
