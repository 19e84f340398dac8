"""Which expected objects a listing holds: each item stands for at most one, every key of the
expected object equal in it (nested objects alike, lists as sets of such matches); and for one
that is missing, the item nearest to it, so a miss shows how the app answered instead."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

SHOWN_CHARS = 1000  # of the nearest item; a value that differs is shown up to a fifth of that


def unmatched(expected: Sequence[Any], items: Sequence[Any]) -> list[Any]:
    """The expected objects no item stands for; each item stands for at most one of them.

    A maximum matching rather than first-come pairing, so a loose expected object (`{"a": 1}`) taking
    the only item a stricter one (`{"a": 1, "b": 2}`) could match does not report a false loss. When
    they cannot all match, earlier objects keep their items and the later ones are reported."""
    return [expected[index] for index in _unmatched_indexes(expected, items)]


def missing_evidence(expected: Any, items: Sequence[Any]) -> str:
    """An expected object as JSON, then the item with most of its keys equal and how they differ."""
    lines = [_json(expected)]
    if not isinstance(expected, dict) or not expected:
        return lines[0]
    candidates = [item for item in items if isinstance(item, dict)]
    if not candidates:
        return f"{lines[0]}\nno item to compare with: the listing holds no object"
    scores = [sum(key in item and matches(value, item[key]) for key, value in expected.items()) for item in candidates]
    best = max(range(len(candidates)), key=lambda index: (scores[index], -index))
    nearest = candidates[best]
    lines.append(f"nearest item read ({scores[best]} of {len(expected)} key(s) equal): {_json(nearest, SHOWN_CHARS)}")
    for key, value in expected.items():
        if key not in nearest:
            lines.append(f"  {key}: expected {_json(value)}, absent")
        elif not matches(value, nearest[key]):
            lines.append(f"  {key}: expected {_json(value)}, read {_json(nearest[key], SHOWN_CHARS // 5)}")
    return "\n".join(lines)


def matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and matches(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list | tuple):
        return isinstance(actual, list | tuple) and not _unmatched_indexes(expected, actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual  # JSON true is not 1
    return bool(expected == actual)


def _json(value: Any, limit: int | None = None) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    if limit is None or len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def _unmatched_indexes(expected: Sequence[Any], items: Sequence[Any]) -> list[int]:
    candidates = [[i for i, item in enumerate(items) if matches(wanted, item)] for wanted in expected]
    owner: dict[int, int] = {}  # item index -> expected index it stands for
    return [index for index in range(len(expected)) if not _augment(index, candidates, owner)]


def _augment(start: int, candidates: list[list[int]], owner: dict[int, int]) -> bool:
    """Kuhn's augmenting path, iterative so long listings do not hit the recursion limit."""
    visited: set[int] = set()
    stack: list[tuple[int, Iterator[int]]] = [(start, iter(candidates[start]))]
    via: list[int] = []  # via[k]: the item frame k tries to take (from frame k + 1, or free)
    while stack:
        _, options = stack[-1]
        item = next((i for i in options if i not in visited), None)
        if item is None:
            stack.pop()
            if via:
                via.pop()
            continue
        visited.add(item)
        via.append(item)
        if item in owner:
            stack.append((owner[item], iter(candidates[owner[item]])))
            continue
        for (index, _), taken in zip(stack, via):
            owner[taken] = index
        return True
    return False
