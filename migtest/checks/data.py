"""`rows` and `content`: no row lost by primary key, no value changed or dropped unnoticed.

On an upgrade every table and column holding data must survive unless `allow_lost_rows` /
`allow_changes` say otherwise. A downgrade may drop what the older version never had (tables and
columns absent from its fresh install); everything else follows the same rules.
"""

from __future__ import annotations

import decimal
import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

from migtest.checks import CheckContext
from migtest.results import FAILED, PASSED, CheckResult
from migtest.state import Row, State, TableData

EVIDENCE_CAP = 20


def _applies(context: CheckContext) -> bool:
    return context.scenario.kind != "fresh" and context.options.data and context.before is not None


def _expected_to_go(context: CheckContext, table: str, column: str | None = None) -> bool:
    """Whether a downgrade may drop this table (or column): the older version does not have it."""
    if not context.is_downgrade or context.reference is None:
        return False
    schema = context.reference.schema
    return table not in schema if column is None else table in schema and column not in schema[table].columns


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= EVIDENCE_CAP:
        return lines
    return [*lines[:EVIDENCE_CAP], f"... and {len(lines) - EVIDENCE_CAP} more"]


def _key_text(key: tuple[Any, ...]) -> str:
    return ", ".join(map(repr, key)) if len(key) != 1 else repr(key[0])


def rows(context: CheckContext) -> list[CheckResult]:
    if not _applies(context):
        return []
    skipped = context.not_run("rows")
    if skipped:
        return [skipped]
    before, after = context.before, context.after
    evidence: list[str] = []
    total = 0
    for table, old in sorted(before.data.items()):
        if old.count == 0 or table in context.options.allow_lost_rows or _expected_to_go(context, table):
            continue
        total += old.count
        new = after.data.get(table)
        if new is None:
            evidence.append(f"table '{table}': dropped with {old.count} row(s)")
            continue
        evidence += _lost_rows(table, old, new)
    if evidence:
        return [CheckResult("rows", FAILED, f"rows lost in {len(evidence)} table(s)", _capped(evidence))]
    return [CheckResult("rows", PASSED, f"all {total} row(s) kept")]


def _lost_rows(table: str, old: TableData, new: TableData) -> list[str]:
    if old.primary_key and old.primary_key == new.primary_key:
        lost = [key for key in old.rows if key not in new.rows]
        if not lost:
            return []
        keys = ", ".join(f"{_pk_label(old.primary_key)}={_key_text(k)}" for k in lost[:EVIDENCE_CAP])
        more = f" and {len(lost) - EVIDENCE_CAP} more" if len(lost) > EVIDENCE_CAP else ""
        return [f"table '{table}': {len(lost)} of {old.count} row(s) lost: {keys}{more}"]
    if new.count < old.count:
        return [f"table '{table}': {old.count} row(s) before, {new.count} after"]
    return []


def _pk_label(primary_key: tuple[str, ...]) -> str:
    return primary_key[0] if len(primary_key) == 1 else f"({', '.join(primary_key)})"


def content(context: CheckContext) -> list[CheckResult]:
    if not _applies(context):
        return []
    skipped = context.not_run("content")
    if skipped:
        return [skipped]
    before, after = context.before, context.after
    evidence: list[str] = []
    compared = 0
    for table, old in sorted(before.data.items()):
        new = after.data.get(table)
        if new is None or old.count == 0:
            continue
        allowed = set(context.options.allow_changes.get(table, ()))
        if "*" in allowed:
            continue
        renamed = context.options.renamed.get(table, {})
        kept = _kept_columns(old_columns(before, table), after.schema[table].columns, renamed)
        evidence += _dropped_columns(context, table, before, set(kept) | allowed)
        common = {old_name: new_name for old_name, new_name in kept.items() if old_name not in allowed}
        changes = _changed_values(old, new, common, context.options.float_tolerance)
        compared += len(common)
        evidence += [f"table '{table}': {line}" for line in changes]
    if evidence:
        return [CheckResult("content", FAILED, f"{len(evidence)} change(s) to existing data", _capped(evidence))]
    return [CheckResult("content", PASSED, f"values unchanged in {compared} column(s) present before and after")]


def old_columns(state: State, table: str) -> list[str]:
    return list(state.schema[table].columns)


def _kept_columns(before: list[str], after: Iterable[str], renamed: dict[str, str]) -> dict[str, str]:
    """Each old column still present, mapped to its name after migrating (a rename, where made)."""
    present = set(after)
    kept = {}
    for column in before:
        if renamed.get(column) in present:
            kept[column] = renamed[column]
        elif column in present:
            kept[column] = column
    return kept


def _dropped_columns(context: CheckContext, table: str, before: State, kept: set[str]) -> list[str]:
    lines = []
    for column in old_columns(before, table):
        if column in kept or _expected_to_go(context, table, column):
            continue
        held = sum(1 for row in _all_rows(before.data[table]) if row.get(column) is not None)
        if held:
            lines.append(f"table '{table}': column '{column}' dropped while {held} row(s) held a value in it")
    return lines


def _all_rows(table: TableData) -> list[Row]:
    return [*table.rows.values(), *table.unkeyed]


def _changed_values(old: TableData, new: TableData, columns: dict[str, str], tolerance: float) -> list[str]:
    """Compare each old column with the column it is called after migrating (renames followed)."""
    if old.primary_key and old.primary_key == new.primary_key:
        lines = []
        for key, row in old.rows.items():
            other = new.rows.get(key)
            if other is None:
                continue
            for column, new_column in columns.items():
                if not same_value(row.get(column), other.get(new_column), tolerance):
                    label = f"{_pk_label(old.primary_key)}={_key_text(key)}"
                    name = column if column == new_column else f"{column} (now {new_column})"
                    lines.append(f"{label}: {name} {row.get(column)!r} -> {other.get(new_column)!r}")
        return lines
    projected_old = Counter(_project(row, list(columns)) for row in _all_rows(old))
    projected_new = Counter(_project(row, list(columns.values())) for row in _all_rows(new))
    missing = projected_old - projected_new
    return [f"row {dict(zip(columns, values))} no longer present as it was" for values in missing.elements()]


def _project(row: Row, columns: list[str]) -> tuple[Any, ...]:
    return tuple(row.get(c) for c in columns)


def same_value(old: Any, new: Any, tolerance: float) -> bool:
    """Equal; or, given a tolerance and a float on either side, within it relative to the larger value
    (a REAL widened to DOUBLE reads 0.1 back as 0.10000000149011612). Other numbers compare exactly."""
    if tolerance and _is_number(old) and _is_number(new) and float in (type(old), type(new)):
        return math.isclose(float(old), float(new), rel_tol=tolerance)
    return old == new


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool)
