"""What a scenario's declarations are about, read from its captured states, and how they are counted.

A declaration (`checks.moves`, a row-scoped `allow_changes` or `allow_lost_rows` entry) in scope of
a scenario names some rows of a table; the rows it matched before migrating are what it excuses,
and nothing else. One that matched no row is stale or mis-scoped: the check it belongs to fails,
so that declaration lists cannot rot.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from migtest.capture.state import Row, TableData
from migtest.checks import CheckContext
from migtest.config import Move, RowChange, RowCondition


def row_identity(table: TableData, row: Row) -> Any:
    """How a row is told apart: its primary key, or (without one) all its values."""
    if table.primary_key:
        return tuple(row.get(column) for column in table.primary_key)
    return row_values(row)


def row_values(row: Row) -> str:
    return json.dumps(row, sort_keys=True, default=str)


@dataclass
class Matched:
    """The rows of a declaration's table that it is about, as they were before migrating."""

    condition: RowCondition
    rows: list[Row] = field(default_factory=list)
    identities: set[Any] = field(default_factory=set)
    problem: str | None = None

    def covers(self, table: TableData, row: Row) -> bool:
        return row_identity(table, row) in self.identities

    @property
    def stale(self) -> str | None:
        """Evidence naming the declaration when it cannot excuse anything here."""
        return f"{self.condition.label}: {self.problem}" if self.problem else None


def matched(context: CheckContext, condition: RowCondition) -> Matched:
    assert context.before is not None
    result = Matched(condition)
    table = context.before.data.get(condition.table)
    if condition.where is None:
        if table is None:
            result.problem = f"table '{condition.table}' is not there before migrating"
            return result
        result.rows = table.all_rows()
    else:
        selection = context.before.selections.get(condition.label)
        if selection is None or selection.error or table is None:
            why = selection.error if selection else "its rows were not selected before migrating"
            result.problem = f"condition {condition.where!r} could not be evaluated: {why}"
            return result
        result.rows = selection.rows
    result.identities = {row_identity(table, row) for row in result.rows}
    if not result.rows:
        result.problem = (
            f"matched no row of {condition.describe()} before migrating "
            "(narrow its 'when' to the scenarios it is about, or remove it)"
        )
    return result


@dataclass
class Declared:
    """The declarations in scope of one scenario, each with the rows it matched."""

    moves: list[tuple[Move, Matched]]
    changes: list[tuple[RowChange, Matched]]
    losses: list[Matched]

    @classmethod
    def of(cls, context: CheckContext) -> Declared:
        options, in_scope = context.options, context.in_scope
        return cls(
            [(move, matched(context, move.rows)) for move in options.moves if in_scope(move.rows.scope)],
            [(change, matched(context, change.rows)) for change in options.row_changes if in_scope(change.rows.scope)],
            [matched(context, rows) for rows in options.row_losses if in_scope(rows.scope)],
        )

    def moves_from(self, table: str, column: str | None = None) -> list[tuple[Move, Matched]]:
        return [(m, rows) for m, rows in self.moves if m.rows.table == table and column in (None, m.column)]

    def changes_of(self, table: str, column: str) -> list[tuple[RowChange, Matched]]:
        return [(c, rows) for c, rows in self.changes if c.rows.table == table and c.column == column]

    def losses_of(self, table: str) -> list[Matched]:
        return [rows for rows in self.losses if rows.condition.table == table]


class Tally:
    """Counts of what a check let pass and why, by reason and by what it concerns, in first-seen
    order: a passing check says what it did not hold against (`1 moved as declared (tags.value ->
    items.color)`), never leaving it out silently."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}

    def add(self, reason: str, label: str, count: int = 1) -> None:
        if count:
            self.counts.setdefault(reason, Counter())[label] += count

    def total(self, reason: str) -> int:
        return sum(self.counts.get(reason, Counter()).values())

    def parts(self) -> list[str]:
        """`<n> <reason> (<labels>)`; a reason ending in ':' lists its labels after it."""
        rendered = []
        for reason, labels in self.counts.items():
            names = ", ".join(labels)
            text = f"{reason} {names}" if reason.endswith(":") else f"{reason} ({names})"
            rendered.append(f"{sum(labels.values())} {text}")
        return rendered

    def lines(self) -> list[str]:
        """One line per reason and label, for the evidence."""
        return [
            f"{count} {reason.rstrip(':')}: {label}"
            for reason, labels in self.counts.items()
            for label, count in labels.items()
        ]


def moved_values(move: Move, rows: Matched) -> dict[tuple[Any, ...], list[Any]]:
    """The values a move sends, by the target key they must arrive at (`()` without a key)."""
    values: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows.rows:
        values.setdefault(tuple(row.get(source) for source, _ in move.key), []).append(row.get(move.column))
    return values


def target_key(move: Move, row: Row) -> tuple[Any, ...]:
    """Where in the move's target table this row is: the values of its key columns."""
    return tuple(row.get(target) for _, target in move.key)
