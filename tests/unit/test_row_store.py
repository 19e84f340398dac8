"""Rows held on disk compare exactly as rows held in memory: the same keys, the same strictness."""

import marshal
import pickle
import struct
from decimal import Decimal

import pytest

from migtest.capture import row_blocks, row_store
from migtest.capture.state import TableData, differing, identical
from migtest.errors import ConfigError


def test_keys_equal_as_dict_keys_are_one_key_on_disk_and_others_are_not():
    rows = row_store.SpilledRows(3, [0, 1])
    rows.extend([(1, "a", "one"), (0.5, "b", "half"), (2**70, "c", "big")])
    assert (1, "a") in rows and (1.0, "a") in rows and (0.5, "b") in rows and (2**70, "c") in rows
    assert ("1", "a") not in rows and ("a", 1) not in rows and (1,) not in rows and 1 not in rows
    assert rows[(1.0, "a")] == (1, "a", "one") and rows[(2**70, "c")] == (2**70, "c", "big")


def test_values_come_back_from_disk_as_they_were_with_their_types():
    values = [(1, 1.0, True, None, "x", float("nan"), -0.0, Decimal("0.10"), {"n": [1]}, 2**64, "é\x00")]
    bag = row_store.SpilledBag(len(values[0]))
    bag.extend(values)
    assert repr(list(bag)) == repr(values)
    bag.extend([(2,) * len(values[0]), (2**64,) * len(values[0])])  # an int SQLite cannot hold, second
    assert len(bag) == 3 and [row[0] for row in bag] == [1, 2, 2**64]


def table(rows, on_disk: bool, columns=("id", "value"), key=("id",)) -> TableData:
    data = TableData(key, columns)
    if on_disk:
        data.spill()
    data.extend(list(rows))
    return data


LONG = "x" * 100
NAN = float("nan")  # one object, as a capture shares a row identical to the one before it
BEFORE = [(1, 1), (2, "b"), (3, LONG), (4, None), (5, 2.5), (6, "gone"), (8, -0.0), (9, NAN)]
AFTER = [(1, 1.0), (2, "b"), (3, LONG[:-1] + "y"), (4, None), (5, 2.5), (7, "new"), (8, 0.0), (9, NAN)]


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "disk"])
def test_differing_rows_lost_keys_and_kept_keys_are_the_same_in_memory_and_on_disk(on_disk):
    old, new = table(BEFORE, on_disk), table(AFTER, on_disk)
    assert old.spilled is on_disk and old.count == 8

    strict = [key for key, _, _ in differing(old, new, old.columns, new.columns, identical)]
    assert strict == [(1,), (3,), (8,)]  # 1 -> 1.0 and -0.0 -> 0.0 differ by their reprs, NaN is NaN
    by_value = [(key, was, now) for key, was, now in differing(old, new, old.columns, new.columns, lambda a, b: a == b)]
    assert by_value == [((3,), (3, LONG), (3, LONG[:-1] + "y"))]
    every = differing(old, new, old.columns, new.columns, lambda a, b: False, every=True)
    assert [key for key, _, _ in every] == [(1,), (2,), (3,), (4,), (5,), (8,), (9,)]
    assert list(old.gone(new)) == [(6, "gone")] and not old.same_keys(new)
    assert old.same_keys(table(reversed(BEFORE), on_disk))
    assert (2,) in old.rows and (True,) in old.rows and (10,) not in old.rows and old.rows[(5,)] == (5, 2.5)
    assert old.all_rows()[0] == {"id": 1, "value": 1} and old.keyed()[(6,)] == {"id": 6, "value": "gone"}


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "disk"])
def test_a_view_compares_the_columns_named_and_a_column_missing_is_null(on_disk):
    old = table([(1, "a"), (2, "b")], on_disk)
    new = table([(1, "a", "added"), (2, "c", None)], on_disk, ("id", "value", "extra"))
    pairs = differing(old, new, ["id", "value"], ["id", "value"], identical)
    assert [key for key, _, _ in pairs] == [(2,)]
    pairs = differing(old, new, ["id", "value", "extra"], ["id", "value", "extra"], identical)
    assert [key for key, _, _ in pairs] == [(1,), (2,)]  # 'added' against the NULL `old` lacks


def test_a_table_in_memory_moves_to_disk_to_be_compared_with_one_there():
    old, new = table(BEFORE, on_disk=True), table(AFTER, on_disk=False)
    assert [key for key, _, _ in differing(old, new, old.columns, new.columns, identical)] == [(1,), (3,), (8,)]
    assert new.spilled and new.rows[(7,)] == (7, "new")


def test_unkeyed_rows_on_disk_are_a_multiset_compared_by_reprs():
    rows = [(1, "a"), (1, "a"), (2, "b")]
    old = table(rows, True, key=())
    assert sorted(old.unkeyed) == sorted(rows) and old.count == 3
    assert old.unkeyed.same_multiset(table(reversed(rows), True, key=()).unkeyed, [0, 1], [0, 1])
    assert not old.unkeyed.same_multiset(table([(1, "a"), (2, "b"), (2, "b")], True, key=()).unkeyed, [0, 1], [0, 1])
    assert not old.unkeyed.same_multiset(table([(1.0, "a"), (1, "a"), (2, "b")], True, key=()).unkeyed, [0, 1], [0, 1])
    assert old.unkeyed.same_multiset(table([(1, "z"), (1, "y"), (2, "x")], True, key=()).unkeyed, [0], [0])
    assert old.same_keys(table(rows, False, key=()))  # no key on either side, one of them on disk


def test_the_budget_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(row_store.SPILL_ENV, raising=False)
    assert row_store.budget() == row_store.SPILL_ROWS
    monkeypatch.setenv(row_store.SPILL_ENV, "0")
    assert row_store.budget() == 0
    monkeypatch.setenv(row_store.SPILL_ENV, "lots")
    with pytest.raises(ConfigError, match=f"key '{row_store.SPILL_ENV}': must be a whole number"):
        row_store.budget()


def recaptured(like: TableData, rows: list, key=("id",)) -> TableData:
    """A later capture of `like`'s table as `capture_data` takes it: on disk following `like`."""
    again = TableData(key, like.columns)
    again.spill(like)
    for start in range(0, len(rows), 3):  # read a block at a time
        again.extend(rows[start : start + 3])
    again.settle()
    return again


ROWS = [(i, f"v{i}") for i in range(10)]


@pytest.fixture
def blocks_of_3(monkeypatch):
    monkeypatch.setattr(row_store, "BLOCK", 3)


@pytest.mark.usefixtures("blocks_of_3")
@pytest.mark.parametrize("key", [("id",), ()], ids=["keyed", "unkeyed"])
def test_a_capture_identical_to_the_one_before_on_disk_is_its_rows_stored_once(key):
    after = table(ROWS, True, key=key)
    again = recaptured(after, list(ROWS), key)
    held = (after.rows, again.rows) if key else (after.unkeyed, again.unkeyed)
    assert held[0] is held[1]
    assert again.same_keys(after) and list(again.values()) == ROWS
    if key:
        assert not list(differing(after, again, after.columns, again.columns, identical))
    else:
        assert again.unkeyed.same_multiset(after.unkeyed, [0, 1], [0, 1])


CHANGED = {
    "one value in a middle block": [*ROWS[:4], (4, "changed"), *ROWS[5:]],
    "1 becomes 1.0": [*ROWS[:7], (7, 1.0), *ROWS[8:]],
    "a row more": [*ROWS, (10, "new")],
    "a row less": ROWS[:-1],
    "a block less": ROWS[:9],
    "the order read": [ROWS[1], ROWS[0], *ROWS[2:]],
}


@pytest.mark.usefixtures("blocks_of_3")
@pytest.mark.parametrize("rows", CHANGED.values(), ids=CHANGED.keys())
def test_a_capture_that_differs_from_the_one_before_holds_its_own_rows_in_the_order_read(rows):
    after = table([(7, 1) if row[0] == 7 else row for row in ROWS], True)
    again = recaptured(after, rows)
    assert again.rows is not after.rows and repr(list(again.values())) == repr(rows)
    was = dict(zip(after.rows, after.rows.values()))
    expected = [(row[0],) for row in rows if (row[0],) in was and not identical(was[(row[0],)], row)]
    assert sorted(key for key, _, _ in differing(after, again, after.columns, again.columns, identical)) == expected


def test_floats_no_int_equals_are_stored_as_themselves_others_pickled_as_booleans_are():
    for value in (1.5, -0.25, 1e308, 2.0**63, float("inf"), -float("inf"), 2.0**-1074):
        assert repr(row_store.stored(value)) == repr(value)
    # 1.0 = 1 and -0.0 = 0.0 = 0 in SQLite; it holds NaN as NULL
    for value in (1.0, 0.0, -0.0, -(2.0**63), float("nan"), True, False):
        assert row_store.stored(value) == pickle.dumps(value, row_store.PROTOCOL)


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "disk"])
def test_keys_a_dict_takes_for_one_pair_as_one_and_their_values_still_differ_by_type(on_disk):
    old = table([(1, "a"), (2, 2), (2**70, "big"), (0.5, "half")], on_disk)
    new = table([(True, "a"), (2.0, 2.0), (2.0**70, "big"), (0.5, "half")], on_disk)
    assert old.same_keys(new) and (1,) in new.rows and (0.0,) not in new.rows and (2**70,) in new.rows
    if on_disk:  # pairing by dict forms only where a key is pickled: plain keys pair as stored, quicker
        assert new.rows.pickled_keys and not table([(1, "a"), (0.5, "b")], on_disk).rows.pickled_keys
    changed = [key for key, _, _ in differing(old, new, old.columns, new.columns, identical)]
    assert changed == [(1,), (2,), (2**70,)]


@pytest.mark.parametrize(
    "column",
    [(1.5, None, 2.0, -0.0, float("nan")), (1, 1.0, None, "1", 2**62), (True, None, False), (True, 1, Decimal("1"))],
)
def test_a_column_is_stored_as_each_of_its_values_would_be(column):
    batch = [(index, value) for index, value in enumerate(column)]
    assert row_store._encoded(batch) == [(index, row_store.stored(value)) for index, value in batch]


@pytest.mark.usefixtures("blocks_of_3")
def test_blocks_lined_up_tell_apart_what_python_takes_for_equal_but_not_what_marshal_alone_writes_apart():
    other_nan = struct.unpack(">d", bytes.fromhex("7ff8000000000001"))[0]  # a NaN marshal writes apart by its payload
    nans, others = [(i, NAN) for i in range(10)], [(i, other_nan if i == 7 else NAN) for i in range(10)]
    assert marshal.dumps(NAN, row_blocks.VERSION) != marshal.dumps(other_nan, row_blocks.VERSION)
    old, new = table(nans, True), table(others, True)
    assert old.same_keys(new) and not list(differing(old, new, old.columns, new.columns, identical))
    typed = table([(i, 1.0 if i == 7 else True if i == 8 else 1) for i in range(10)], True)
    ones = table([(i, 1) for i in range(10)], True)
    assert [key for key, _, _ in differing(ones, typed, ones.columns, typed.columns, identical)] == [(7,), (8,)]
    assert not list(differing(ones, typed, ones.columns, typed.columns, lambda a, b: a == b))


def test_keys_holding_null_are_paired_as_sql_pairs_them_not_by_their_place():
    rows = [(None, "a"), (1, "b")]  # SQLite lets key columns hold NULL; NULL = NULL is not true in SQL
    old, new = table(rows, True), table(rows, True)
    assert list(old.gone(new)) == [(None, "a")]
