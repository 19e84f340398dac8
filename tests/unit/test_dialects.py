"""The per-engine normalization rules, one pure function at a time."""

import datetime
import decimal
import struct
import uuid

import pytest

from migtest.capture.dialects import (
    Name,
    Then,
    boolean,
    current_timestamp,
    fk_index_names_dropped,
    identity_text,
    normalize_value,
    single_precision,
    unquoted_number,
    with_charset,
    without_display_width,
    without_literal_cast,
)
from migtest.capture.state import _converted
from migtest.checks.data import same_value


@pytest.mark.parametrize(
    ("reported", "normalized"),
    [
        ("INTEGER(11)", "INTEGER"),
        ("INTEGER(5)", "INTEGER"),
        ("BIGINT(20) UNSIGNED", "BIGINT UNSIGNED"),
        ("TINYINT(4)", "TINYINT"),
        ("TINYINT(1)", "TINYINT(1)"),
        ("YEAR(4)", "YEAR"),
        ("INTEGER(5) UNSIGNED ZEROFILL", "INTEGER(5) UNSIGNED ZEROFILL"),
        ("DECIMAL(10, 2)", "DECIMAL(10, 2)"),
        ("VARCHAR(11)", "VARCHAR(11)"),
    ],
)
def test_display_widths_go_except_for_booleans_and_zerofill(reported, normalized):
    assert without_display_width(reported) == normalized


def test_charset_is_written_only_where_it_differs_from_the_database_default():
    default = ("utf8mb4", "utf8mb4_general_ci")
    assert with_charset("VARCHAR(10) COLLATE utf8mb4_general_ci", default, default) == "VARCHAR(10)"
    assert with_charset("VARCHAR(10)", default, default) == "VARCHAR(10)"
    latin = ("latin1", "latin1_swedish_ci")
    expected = "VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci"
    assert with_charset("VARCHAR(10)", latin, default) == expected
    assert with_charset("VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci", latin, default) == expected
    assert with_charset("INTEGER", None, default) == "INTEGER"


@pytest.mark.parametrize(
    ("reported", "normalized"),
    [
        ("current_timestamp()", "CURRENT_TIMESTAMP"),
        ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
        ("now()", "CURRENT_TIMESTAMP"),
        ("current_timestamp(6)", "CURRENT_TIMESTAMP(6)"),
        ("current_timestamp() ON UPDATE current_timestamp()", "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"),
        ("'now'", "'now'"),
    ],
)
def test_current_timestamp_spellings_are_one(reported, normalized):
    assert current_timestamp(reported) == normalized


@pytest.mark.parametrize(
    ("reported", "normalized"),
    [
        ("'x'::text", "'x'"),
        ("'x'::character varying", "'x'"),
        ("('x'::text)::character varying", "'x'"),
        ("'-1'::integer", "'-1'"),
        ("'it''s'::text", "'it''s'"),
        ("'2024-01-01 00:00:00'::timestamp without time zone", "'2024-01-01 00:00:00'"),
        ("'ok'::billing.mood", "'ok'"),
        ("nextval('s_id_seq'::regclass)", "nextval('s_id_seq'::regclass)"),
        ("'a'::text || 'b'::text", "'a'::text || 'b'::text"),
        ("(0)", "0"),
    ],
)
def test_postgres_literal_defaults_lose_their_casts(reported, normalized):
    assert without_literal_cast(reported) == normalized


@pytest.mark.parametrize(
    ("reported", "normalized"), [("'0'", "0"), ("'1.50'", "1.50"), ("'-1'", "-1"), ("'abc'", "'abc'"), ("0", "0")]
)
def test_quoted_numbers_are_unquoted(reported, normalized):
    assert unquoted_number(reported) == normalized


def test_identity_is_one_readable_value_without_its_start():
    identity = {"always": False, "start": 40, "increment": 2, "minvalue": 1, "maxvalue": 2147483647, "cycle": True}
    assert identity_text(identity) == "by default, increment 2, min 1, max 2147483647, cycle"
    assert identity_text({**identity, "start": 1}) == identity_text(identity)
    assert identity_text({**identity, "always": True, "cycle": False}).startswith("always,")


def test_only_an_index_serving_a_foreign_key_loses_its_name():
    indexes = [
        {"name": "a", "columns": ["a2"], "unique": False},
        {"name": "ix_b", "columns": ["b"], "unique": False},
        {"name": "uq_a", "columns": ["a2"], "unique": True},
    ]
    assert fk_index_names_dropped(indexes, [["a2"]]) == [
        {"name": None, "columns": ["a2"], "unique": False},
        {"name": "ix_b", "columns": ["b"], "unique": False},
        {"name": "uq_a", "columns": ["a2"], "unique": True},
    ]


def test_values_normalize_to_plain_values():
    assert normalize_value(decimal.Decimal("2.00")) == 2 and isinstance(normalize_value(decimal.Decimal("2.00")), int)
    assert normalize_value(decimal.Decimal("1.50")) == 1.5
    exact = decimal.Decimal("1234567890123456789012345678.91")
    assert normalize_value(exact) is exact  # a float would lose the cents
    assert normalize_value(datetime.datetime(2024, 5, 1, 10, 30)) == "2024-05-01 10:30:00"
    assert normalize_value(datetime.date(2024, 5, 1)) == "2024-05-01"
    assert normalize_value(datetime.timedelta(minutes=1)) == 60.0
    assert normalize_value(b"\x00\x01") == "base64:AAE="
    assert normalize_value(uuid.UUID(int=1)) == "00000000-0000-0000-0000-000000000001"


def test_boolean_columns_read_true_and_false():
    assert boolean(1) is True and boolean(0) is False and boolean(True) is True
    assert boolean(None) is None
    assert boolean(5) == 5  # a TINYINT(1) may hold more than 0 and 1: kept as it is


def test_single_precision_reads_what_is_stored():
    """Drivers give a 4-byte float's shortest decimal (19.99); the column stores another number."""
    assert single_precision(19.99) == 19.989999771118164
    assert single_precision(19.989999771118164) == 19.989999771118164  # read exactly already: kept
    assert single_precision(0.1) == 0.10000000149011612
    third = struct.unpack("<f", struct.pack("<f", 1 / 3))[0]
    assert single_precision(0.33333334) == third
    assert single_precision(5.5) == 5.5  # a 4-byte float exactly
    assert single_precision(1e39) == 1e39  # out of REAL's range: left alone
    assert single_precision("0.1") == "0.1"


def test_float_tolerance_is_relative_and_for_floats_only():
    assert same_value(0.1, 0.10000000149011612, 1e-6)
    assert not same_value(0.1, 0.10000000149011612, 0)
    assert same_value(1e9, 1e9 + 1, 1e-6)  # an absolute tolerance would fail this
    assert not same_value(1e-9, 2e-9, 1e-6)  # and pass this
    assert same_value(decimal.Decimal("0.1"), 0.10000000149011612, 1e-6)
    assert not same_value(1_000_000, 1_000_001, 1e-6)  # whole numbers stay exact
    assert not same_value(True, 1.0000001, 1e-6)
    assert same_value(None, None, 1e-6) and not same_value(None, 0.0, 1e-6)


def test_names_are_plain_in_the_default_schema():
    assert Name(None, "users").key == "users"
    assert Name("billing", "users").key == "billing.users"
    assert Name("billing", "sessions").ignored_by({"sessions"})
    assert Name("billing", "sessions").ignored_by({"billing.sessions"})
    assert not Name(None, "sessions").ignored_by({"billing.sessions"})


@pytest.mark.parametrize(
    "column",
    [
        (decimal.Decimal("2.00"), None, decimal.Decimal("1.50"), decimal.Decimal("1234567890123456789012345678.91")),
        (datetime.datetime(2024, 5, 1, 10, 30), None, datetime.date(2024, 5, 1)),
        (datetime.date(2024, 5, 1), datetime.time(1, 2)),
        (datetime.datetime(2024, 5, 1), datetime.datetime(2024, 5, 1, 10, 30, 5, 7, tzinfo=datetime.UTC)),
        (decimal.Decimal("0.10"), decimal.Decimal("-3"), decimal.Decimal("NaN")),
        (b"\x00", None, uuid.UUID(int=1), [1, 2]),
        (1, 0, None, 1.0, "x"),
    ],
)
@pytest.mark.parametrize("convert", [normalize_value, Then(boolean), Then(single_precision)])
def test_a_column_converts_as_each_of_its_values_would(column, convert):
    """A capture converts a column of one type at once: the same values, of the same types."""
    batch = [(value,) for value in column]
    assert repr(_converted(batch, [convert])) == repr([(convert(value),) for value in column])
