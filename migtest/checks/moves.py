"""`moves`: every value a release declares it moves (`checks.moves`) arrived where declared.

The rows a move is about are selected before migrating; `rows` and `content` count them as moved
rather than lost, and this check holds the move to its word: each value is found in the target
column after migrating, at the row the key pairs it with when a key is given.
"""

from __future__ import annotations

import json
from typing import Any

from migtest.capture.state import Row, State
from migtest.checks import CheckContext
from migtest.checks.data import applies, capped, same_value
from migtest.checks.declared import Declared, Matched, target_key
from migtest.config import Move
from migtest.results import FAILED, PASSED, CheckResult


def check(context: CheckContext) -> list[CheckResult]:
    if not applies(context) or not any(context.in_scope(move.rows.scope) for move in context.options.moves):
        return []
    skipped = context.not_run("moves")
    if skipped:
        return [skipped]
    evidence: list[str] = []
    arrived: list[str] = []
    sent = missing = 0
    for move, matched in Declared.of(context).moves:
        if matched.stale:
            evidence.append(matched.stale)
            continue
        lines = _not_arrived(context, move, matched)
        sent += len(matched.rows)
        missing += len(lines)
        arrived.append(f"{move.describe()}: {len(matched.rows) - len(lines)} of {len(matched.rows)} arrived")
        evidence += capped(lines)
    if evidence:
        summary = (
            f"{missing} of {sent} moved value(s) did not arrive" if missing else "a declared move could not be verified"
        )
        return [CheckResult("moves", FAILED, summary, evidence + arrived)]
    return [CheckResult("moves", PASSED, f"all {sent} value(s) moved as declared arrived", arrived)]


def _not_arrived(context: CheckContext, move: Move, matched: Matched) -> list[str]:
    """One line per value not found where the move sends it (or one line why none can be)."""
    before, after = context.before, context.after
    assert before is not None and after is not None
    absent = _absent(before, move.rows.table, [move.column, *(source for source, _ in move.key)], "before")
    absent = absent or _absent(after, move.to_table, [move.to_column, *(target for _, target in move.key)], "after")
    if absent:
        return [f"{move.rows.label}: {absent}: none of the {len(matched.rows)} value(s) can have arrived"]
    found: dict[tuple[Any, ...], list[Any]] = {}
    for row in after.data[move.to_table].iter_rows():
        found.setdefault(target_key(move, row), []).append(row.get(move.to_column))
    tolerance = context.options.float_tolerance
    source = before.data[move.rows.table]
    lines = []
    for row in matched.rows:
        value, key = row.get(move.column), tuple(row.get(column) for column, _ in move.key)
        there = found.get(key, [])
        if not _among(value, there, tolerance):
            where = _where(move, key, there)
            lines.append(f"{move.rows.table} {_row_label(source.primary_key, row)}: {value!r} not in {where}")
    return lines


def _absent(state: State, table: str, columns: list[str], when: str) -> str | None:
    if table not in state.schema:
        return f"table '{table}' is not there {when} migrating"
    missing = [column for column in columns if column not in state.schema[table].columns]
    return f"column '{table}.{missing[0]}' is not there {when} migrating" if missing else None


def _among(value: Any, candidates: list[Any], tolerance: float) -> bool:
    if not tolerance:
        exact = {json.dumps(candidate, sort_keys=True, default=str) for candidate in candidates}
        return json.dumps(value, sort_keys=True, default=str) in exact
    return any(same_value(value, candidate, tolerance) for candidate in candidates)


def _where(move: Move, key: tuple[Any, ...], there: list[Any]) -> str:
    target = f"{move.to_table}.{move.to_column}"
    if not move.key:
        return target
    at = ", ".join(f"{column}={value!r}" for (_, column), value in zip(move.key, key))
    return f"{target} where {at} ({'found ' + ', '.join(map(repr, there)) if there else 'no such row'})"


def _row_label(primary_key: tuple[str, ...], row: Row) -> str:
    if primary_key:
        return ", ".join(f"{column}={row.get(column)!r}" for column in primary_key)
    return repr(row)
