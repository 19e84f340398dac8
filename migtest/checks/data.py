"""`rows` and `content`: no row lost by primary key, no value changed or dropped unnoticed.

On an upgrade every table and column holding data must survive unless declared otherwise: whole
tables and columns (`allow_lost_rows`, `allow_changes`), some rows only (their mapping entries),
values moved elsewhere (`moves`, verified by the `moves` check) or volatile columns, which the
app writes by itself. Whatever a declaration let pass is counted in the check's summary. A
downgrade may drop what the older version never had (tables and columns absent from its fresh
install); everything else follows the same rules.
"""

from __future__ import annotations

import decimal
import math
import operator
from collections import Counter
from collections.abc import Iterable
from typing import Any

from migtest.capture.state import Row, State, TableData, differing
from migtest.checks import CheckContext
from migtest.checks.declared import Declared, Tally, moved_values, row_values, target_key
from migtest.checks.instants import comparable, naive_and_zoned, same_instant
from migtest.results import FAILED, PASSED, CheckResult

EVIDENCE_CAP = 20
MOVED = "moved as declared"
LOST_DECLARED = "lost as declared"
LOST_ALLOWED = "lost as allowed by allow_lost_rows"
CHANGED_DECLARED = "changed as declared"
CHANGED_ALLOWED = "changed as allowed by allow_changes"
VOLATILE = "volatile value(s) not compared:"
VOLATILE_UNKEYED = "volatile column(s) not compared, no primary key to pair rows by:"
NOT_COMPARED = "table(s) not compared, allow_changes '*':"
Excuse = tuple[str, str]  # a reason a difference is no loss (one of the above) and what it concerns


def applies(context: CheckContext) -> bool:
    return context.scenario.kind != "fresh" and context.options.data and context.before is not None


def _expected_to_go(context: CheckContext, table: str, column: str | None = None) -> bool:
    """Whether a downgrade may drop this table (or column): the older version does not have it."""
    if not context.is_downgrade or context.reference is None:
        return False
    schema = context.reference.schema
    return table not in schema if column is None else table in schema and column not in schema[table].columns


def capped(lines: list[str]) -> list[str]:
    if len(lines) <= EVIDENCE_CAP:
        return lines
    return [*lines[:EVIDENCE_CAP], f"... and {len(lines) - EVIDENCE_CAP} more"]


def _key_text(key: tuple[Any, ...]) -> str:
    return ", ".join(map(repr, key)) if len(key) != 1 else repr(key[0])


def rows(context: CheckContext) -> list[CheckResult]:
    if not applies(context):
        return []
    skipped = context.not_run("rows")
    if skipped:
        return [skipped]
    before, after = context.before, context.after
    declared = Declared.of(context)
    tally = Tally()
    stale = [m.stale for m in declared.losses if m.stale]
    evidence: list[str] = []
    total = lost = 0
    for table, old in sorted(before.data.items()):
        if old.count == 0 or _expected_to_go(context, table):
            continue
        total += old.count
        allowed = table in context.options.allow_lost_rows
        lines, count = _lost_rows(declared, tally, table, old, after.data.get(table), allowed)
        evidence += lines
        lost += count
    if evidence or stale:
        summary = "; ".join(
            filter(None, [_count(len(evidence), "rows lost in {} table(s)"), _count(len(stale), _STALE)])
        )
        return [CheckResult("rows", FAILED, summary, capped(evidence) + stale + tally.lines())]
    kept = total - lost - sum(map(tally.total, tally.counts))
    if not tally.counts:
        return [CheckResult("rows", PASSED, f"all {total} row(s) kept")]
    return [CheckResult("rows", PASSED, ", ".join([f"{kept} kept", *tally.parts()]), tally.lines())]


_STALE = "{} declaration(s) could not be verified"


def _count(count: int, text: str) -> str:
    return text.format(count) if count else ""


def _lost_rows(
    declared: Declared, tally: Tally, table: str, old: TableData, new: TableData | None, allowed: bool
) -> tuple[list[str], int]:
    """Evidence of the rows gone without a declaration, and how many they are; the others are tallied."""
    if new is not None and not (old.primary_key and old.primary_key == new.primary_key):
        return _lost_unkeyed(declared, tally, table, old, new, allowed)
    gone = old.iter_rows() if new is None else map(old.row, old.gone(new))
    lost, shown = 0, []  # rows lost are counted, the first few kept to be shown: a table may lose millions
    for row in gone:
        excuse = _row_excuse(declared, table, old, row, allowed)
        if excuse:
            tally.add(*excuse)
            continue
        lost += 1
        if len(shown) < EVIDENCE_CAP:
            shown.append(row)
    if not lost:
        return [], 0
    if new is None:
        more = "" if lost == old.count else f", {lost} of them not declared to go"
        return [f"table '{table}': dropped with {old.count} row(s){more}"], lost
    keys = ", ".join(f"{_pk_label(old.primary_key)}={_key_text(_key(old, row))}" for row in shown)
    more = f" and {lost - EVIDENCE_CAP} more" if lost > EVIDENCE_CAP else ""
    return [f"table '{table}': {lost} of {old.count} row(s) lost: {keys}{more}"], lost


def _lost_unkeyed(
    declared: Declared, tally: Tally, table: str, old: TableData, new: TableData, allowed: bool
) -> tuple[list[str], int]:
    """Without a key (or with a key changed) rows are counted: as many fewer rows as there are, less
    the old rows no longer present as they were that a declaration covers."""
    missing = old.count - new.count
    if missing <= 0:
        return [], 0
    excusable = allowed or declared.moves_from(table) or declared.losses_of(table)
    for row in _gone_as_they_were(old, new) if excusable else []:
        excuse = _row_excuse(declared, table, old, row, allowed)
        if excuse and missing:
            tally.add(*excuse)
            missing -= 1
    if missing:
        return [f"table '{table}': {old.count} row(s) before, {new.count} after"], missing
    return [], 0


def _gone_as_they_were(old: TableData, new: TableData) -> list[Row]:
    """The old rows not found, value for value, among the new ones (a multiset difference)."""
    remaining = Counter(row_values(row) for row in new.iter_rows())
    gone = []
    for row in old.iter_rows():
        identity = row_values(row)
        if remaining[identity]:
            remaining[identity] -= 1
        else:
            gone.append(row)
    return gone


def _row_excuse(declared: Declared, table: str, old: TableData, row: Row, allowed: bool) -> Excuse | None:
    for move, matched in declared.moves_from(table):
        if matched.covers(old, row):
            return MOVED, move.describe()
    for matched in declared.losses_of(table):
        if matched.covers(old, row):
            return LOST_DECLARED, matched.condition.describe()
    return (LOST_ALLOWED, table) if allowed else None


def _key(table: TableData, row: Row) -> tuple[Any, ...]:
    return tuple(row.get(column) for column in table.primary_key)


def _pk_label(primary_key: tuple[str, ...]) -> str:
    return primary_key[0] if len(primary_key) == 1 else f"({', '.join(primary_key)})"


def content(context: CheckContext) -> list[CheckResult]:
    if not applies(context):
        return []
    skipped = context.not_run("content")
    if skipped:
        return [skipped]
    before, after = context.before, context.after
    comparison = _Comparison(context, Declared.of(context))
    stale = [m.stale for _, m in comparison.declared.changes if m.stale]
    evidence: list[str] = []
    compared = 0
    for table, old in sorted(before.data.items()):
        new = after.data.get(table)
        if new is None or old.count == 0:
            continue
        if "*" in context.options.allow_changes.get(table, ()):
            comparison.tally.add(NOT_COMPARED, table)
            continue
        renamed = context.options.renamed.get(table, {})
        kept = _kept_columns(old_columns(before, table), after.schema[table].columns, renamed)
        evidence += comparison.dropped_columns(table, old, set(kept))
        not_held = {*context.options.allow_changes.get(table, ()), *context.options.volatile.get(table, ())}
        compared += len(set(kept) - not_held)
        evidence += [f"table '{table}': {line}" for line in comparison.changed_values(table, old, new, kept)]
    tally = comparison.tally
    if evidence or stale:
        summary = "; ".join(
            filter(None, [_count(len(evidence), "{} change(s) to existing data"), _count(len(stale), _STALE)])
        )
        return [CheckResult("content", FAILED, summary, capped(evidence) + stale + tally.lines())]
    summary = f"values unchanged in {compared} column(s) present before and after"
    return [CheckResult("content", PASSED, "; ".join([summary, *tally.parts()]), tally.lines())]


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


class _Comparison:
    """One scenario's `content` comparison: the declarations in scope, and the tally of what they let pass."""

    def __init__(self, context: CheckContext, declared: Declared) -> None:
        self.context = context
        self.options = context.options
        self.declared = declared
        self.tally = Tally()
        self.arrivals = {id(move): moved_values(move, matched) for move, matched in declared.moves}
        self.outcomes = {(c.rows.table, c.column) for c, _ in declared.changes if c.becomes is not None}

    def dropped_columns(self, table: str, old: TableData, kept: set[str]) -> list[str]:
        """A column gone while rows held values in it, unless those values were declared to go
        (volatile columns are no exception: their values are lost all the same)."""
        assert self.context.before is not None
        allowed = self.options.allow_changes.get(table, ())
        lines = []
        for column in old_columns(self.context.before, table):
            if column in kept or _expected_to_go(self.context, table, column):
                continue
            position = old.columns.index(column)
            holding = (values for values in old.values() if values[position] is not None)
            if not self._excusable(table, column):
                held = sum(1 for _ in holding)
            else:
                held = 0
                for row in map(old.row, holding):
                    excuse = self._declared_excuse(table, column, old, row)
                    excuse = excuse or ((CHANGED_ALLOWED, f"{table}.{column}") if column in allowed else None)
                    if excuse:
                        self.tally.add(*excuse)
                    else:
                        held += 1
            if held:
                lines.append(f"table '{table}': column '{column}' dropped while {held} row(s) held a value in it")
        return lines

    def _excusable(self, table: str, column: str) -> bool:
        """Whether anything could excuse a change to this column's values (else none is looked for row by row)."""
        allowed = column in self.options.allow_changes.get(table, ())
        return allowed or bool(self.declared.changes_of(table, column) or self.declared.moves_from(table, column))

    def _declared_excuse(self, table: str, column: str, old: TableData, row: Row) -> Excuse | None:
        """A declaration for this value of this row: its change (without a required outcome) or its move."""
        for change, matched in self.declared.changes_of(table, column):
            if change.becomes is None and matched.covers(old, row):
                return CHANGED_DECLARED, change.describe()
        for move, matched in self.declared.moves_from(table, column):
            if matched.covers(old, row):
                return MOVED, move.describe()
        return None

    def changed_values(self, table: str, old: TableData, new: TableData, columns: dict[str, str]) -> list[str]:
        """Compare each old column with the column it is called after migrating (renames followed)."""
        if not (old.primary_key and old.primary_key == new.primary_key):
            return self._changed_unkeyed(table, old, new, columns)
        lines = []
        label = _pk_label(old.primary_key)
        zones = self._instant_zones(table, columns)
        declared_outcome = {column for name, column in self.outcomes if name == table}
        # a value declared to become something is looked at even where it did not change
        same = (lambda was, now: False) if declared_outcome else operator.eq
        pairs = differing(old, new, list(columns), list(columns.values()), same, every=bool(declared_outcome))
        for key, values, now_values in pairs:
            row, other = old.row(values), new.row(now_values)
            for column, new_column in columns.items():
                was, now = row.get(column), other.get(new_column)
                wrong = self._not_become(table, column, old, row, now) if column in declared_outcome else None
                if wrong is None and self._same(was, now, zones[column]):
                    continue
                excuse = None if wrong else self._change_excuse(table, column, new_column, old, row, other)
                if excuse:
                    self.tally.add(*excuse)
                    continue
                name = column if column == new_column else f"{column} (now {new_column})"
                went = f"{was!r} kept" if wrong and same_value(was, now, 0) else f"{was!r} -> {now!r}"
                went += _as_instants(was, now, zones[column])
                lines.append(f"{label}={_key_text(key)}: {name} {went}{wrong or ''}")
        return lines

    def _instant_zones(self, table: str, columns: dict[str, str]) -> dict[str, str | None]:
        """Per old column, the declared zone of naive timestamps when its type changed (a naive and
        a zoned value then compare as instants), else None."""
        assert self.context.before is not None and self.context.after is not None
        old, new = self.context.before.schema[table].columns, self.context.after.schema[table].columns
        retyped = {column for column, to in columns.items() if old[column].get("type") != new[to].get("type")}
        return {column: self.options.naive_timezone if column in retyped else None for column in columns}

    def _same(self, was: Any, now: Any, zone: str | None) -> bool:
        return same_value(was, now, self.options.float_tolerance) or (zone is not None and same_instant(was, now, zone))

    def _not_become(self, table: str, column: str, old: TableData, row: Row, now: Any) -> str | None:
        """Why the value breaks a declaration that says what it must become, or None."""
        for change, matched in self.declared.changes_of(table, column):
            if change.becomes is not None and matched.covers(old, row) and not same_value(now, change.becomes[0], 0):
                return f", declared to become {change.becomes[0]!r} ({change.rows.label})"
        return None

    def _change_excuse(
        self, table: str, column: str, new_column: str, old: TableData, row: Row, other: Row
    ) -> Excuse | None:
        """The most precise reason first: a volatile column, a declaration about this row, the whole column."""
        name = f"{table}.{column}"
        if column in self.options.volatile.get(table, ()):
            return VOLATILE, name
        for change, matched in self.declared.changes_of(table, column):
            if matched.covers(old, row):
                return CHANGED_DECLARED, change.describe()
        excuse = self._declared_excuse(table, column, old, row) or self._arrival(table, new_column, other)
        if excuse is None and column in self.options.allow_changes.get(table, ()):
            return CHANGED_ALLOWED, name
        return excuse

    def _arrival(self, table: str, column: str, row: Row) -> Excuse | None:
        """The new value is one a declared move sent to this row."""
        for move, _ in self.declared.moves:
            if (move.to_table, move.to_column) != (table, column):
                continue
            sent = self.arrivals[id(move)].get(target_key(move, row), [])
            if any(same_value(value, row.get(column), self.options.float_tolerance) for value in sent):
                return MOVED, move.describe()
        return None

    def _changed_unkeyed(self, table: str, old: TableData, new: TableData, columns: dict[str, str]) -> list[str]:
        """Without a key to pair rows by, rows are compared as a multiset over the columns compared;
        an old row missing from it is excused by a declaration that covers it."""
        skipped = set(self.options.allow_changes.get(table, ())) | set(self.options.volatile.get(table, ()))
        for column in sorted(set(self.options.volatile.get(table, ())) & set(columns)):
            self.tally.add(VOLATILE_UNKEYED, f"{table}.{column}")
        common = {old_name: new_name for old_name, new_name in columns.items() if old_name not in skipped}
        zones = list(self._instant_zones(table, common).values())
        projected_new = Counter(_project(row, list(common.values()), zones) for row in new.iter_rows())
        lines = [
            f"{change.rows.label}: cannot tell what each row became without a primary key (drop 'becomes')"
            for change, _ in self.declared.changes
            if change.rows.table == table and change.becomes is not None
        ]
        for row in old.iter_rows():
            values = _project(row, list(common), zones)
            if projected_new[values]:
                projected_new[values] -= 1
                continue
            excuse = self._row_declared(table, old, row)
            if excuse:
                self.tally.add(*excuse)
            else:
                lines.append(f"row {dict(zip(common, _project(row, list(common))))} no longer present as it was")
        return lines

    def _row_declared(self, table: str, old: TableData, row: Row) -> Excuse | None:
        for change, matched in self.declared.changes:
            if change.rows.table == table and matched.covers(old, row):
                return CHANGED_DECLARED, change.describe()
        return _row_excuse(self.declared, table, old, row, table in self.options.allow_lost_rows)


def _project(row: Row, columns: list[str], zones: list[str | None] | None = None) -> tuple[Any, ...]:
    """The row's values in `columns`; with `zones`, timestamps of a column given a zone as instants."""
    zones = zones or [None] * len(columns)
    return tuple(row.get(c) if z is None else comparable(row.get(c), z) for c, z in zip(columns, zones))


def _as_instants(was: Any, now: Any, zone: str | None) -> str:
    """What a naive <-> zoned difference was compared as, for its evidence line."""
    return f" (another instant, naive times read in {zone})" if zone and naive_and_zoned(was, now) else ""


def same_value(old: Any, new: Any, tolerance: float) -> bool:
    """Equal; or, given a tolerance and a float on either side, within it relative to the larger value
    (a DOUBLE 19.99 narrowed to REAL is stored as 19.989999771118164). Other numbers compare exactly."""
    if tolerance and _is_number(old) and _is_number(new) and float in (type(old), type(new)):
        return math.isclose(float(old), float(new), rel_tol=tolerance)
    return old == new


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool)
