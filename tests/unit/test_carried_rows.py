"""Rows a step capture carried over (sqlite_records) are not compared value by value with the rows
they came from, unless a column is compared with another one or every value must be looked at."""

import operator
import weakref

from migtest.capture.sqlite_records import Carried, _joined
from migtest.capture.state import TableData, differing

COLUMNS = ("id", "a", "b")


def carried() -> tuple[TableData, TableData]:
    old = TableData(("id",), COLUMNS, {(1,): (1, "x", "y"), (2,): (2, "p", "q")})
    rows = {key: (*row, f"new {key[0]}") for key, row in old.rows.items()}
    return old, TableData(("id",), (*COLUMNS, "c"), rows, extends=weakref.ref(old))


def never_same(_was: object, _now: object) -> bool:
    """A comparison that finds every pair it is given different: it shows which pairs were looked at."""
    return False


def keys(found) -> list:
    return [key for key, _values, _other in found]


def test_carried_rows_compared_in_their_own_columns_are_not_looked_at() -> None:
    old, new = carried()
    assert keys(differing(old, new, COLUMNS, COLUMNS, never_same)) == []
    assert keys(differing(old, new, ("id", "b"), ("id", "b"), never_same)) == []


def test_carried_rows_are_compared_where_a_column_is_compared_with_another() -> None:
    """A rename declared onto a column the migration added (`a` is now `c`): its values differ."""
    old, new = carried()
    assert keys(differing(old, new, COLUMNS, ("id", "c", "b"), operator.eq)) == [(1,), (2,)]


def test_carried_rows_are_looked_at_where_every_value_must_be() -> None:
    """A value declared to become something is looked at even where it did not change."""
    old, new = carried()
    assert keys(differing(old, new, COLUMNS, COLUMNS, never_same, every=True)) == [(1,), (2,)]


def test_rows_carried_from_another_capture_are_compared() -> None:
    old, new = carried()
    other = TableData(("id",), COLUMNS, dict(old.rows))
    assert keys(differing(other, new, COLUMNS, COLUMNS, never_same)) == [(1,), (2,)]


def test_no_row_of_a_table_carried_whole_is_gone() -> None:
    old, new = carried()
    assert list(old.gone(new)) == []


def test_a_row_a_carried_table_left_out_is_gone() -> None:
    """A table carried over keeps the rows whose key was read again: one it lacks is gone."""
    old, new = carried()
    short = TableData(new.primary_key, new.columns, {(2,): new.rows[(2,)]}, extends=weakref.ref(old))
    assert list(old.gone(short)) == [(1, "x", "y")]
    assert not old.same_keys(short)


def test_rows_carried_twice_are_the_rows_with_both_added_columns_in_order() -> None:
    base = {(2,): (2, "b"), (1,): (1, "a")}
    once = _joined(base, [(2, "x2"), (1, "x1")], 1)
    assert isinstance(once, Carried)
    twice = _joined(once, [(2, 20), (1, 10)], 1)
    assert list(twice.items()) == [((2,), (2, "b", "x2", 20)), ((1,), (1, "a", "x1", 10))]
    assert len(twice) == 2 and (1,) in twice and (3,) not in twice and twice.get((3,)) is None
    assert dict(once) == {(2,): (2, "b", "x2"), (1,): (1, "a", "x1")}  # each carry its own rows


def test_carried_rows_are_made_only_when_a_value_is_read() -> None:
    """A walk's checks read a carried table's count and keys: no row one column wider is made for them."""
    carried_rows = _joined({(1,): (1, "a")}, [(1, "x")], 1)
    assert len(carried_rows) == 1 and list(carried_rows) == [(1,)]
    assert carried_rows._rows is None
    assert carried_rows[(1,)] == (1, "a", "x") and carried_rows._rows is not None


def test_rows_read_in_another_order_or_without_some_keys_are_joined_by_key() -> None:
    old = _joined({(1,): (1, "a"), (2,): (2, "b")}, [(1, "x1"), (2, "x2")], 1)
    assert _joined(old, [(2, 20)], 1) == {(2,): (2, "b", "x2", 20)}
    assert _joined(old, [(3, 30)], 1) is None
