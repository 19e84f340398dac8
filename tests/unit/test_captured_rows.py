"""Captured rows: tuples by key, shared with an earlier capture only where strictly identical."""

from migtest.capture.state import TableData, identical


def test_rows_identical_to_an_earlier_capture_are_shared_and_type_changes_are_not():
    earlier = TableData(("id",), ("id", "value"))
    earlier.extend([(1, 1), (2, "b"), (3, {"n": 1})])
    later = TableData(("id",), ("id", "value"))
    later.extend([(1, 1.0), (2, "b"), (3, {"n": 1.0}), (4, "new")], earlier)

    assert later.rows[(2,)] is earlier.rows[(2,)]
    assert later.rows[(1,)] == earlier.rows[(1,)] and later.rows[(1,)] is not earlier.rows[(1,)]
    assert not identical(later.rows[(1,)], earlier.rows[(1,)])
    assert not identical(later.rows[(3,)], earlier.rows[(3,)])  # 1 -> 1.0 inside a JSON value
    assert later.keyed()[(4,)] == {"id": 4, "value": "new"}


def test_identical_tells_apart_what_equality_takes_for_one_value():
    assert identical((1, "a"), (1, "a"))
    assert (1,) == (1.0,) == (True,)
    assert not identical((1,), (1.0,)) and not identical((1,), (True,)) and not identical((1.0,), (True,))
