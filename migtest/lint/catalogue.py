"""What the migrations linted so far created: column types (to tell a widening type change from
a rewriting one) and which table each index is on (to name the table of a DROP INDEX)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ColumnType:
    name: str  # the engine's base name, lower case: varchar, text, numeric, int4…
    modifiers: tuple[int, ...] = ()  # varchar(20): (20,); numeric(10, 2): (10, 2)


@dataclass
class Catalogue:
    columns: dict[str, dict[str, ColumnType]] = field(default_factory=dict)
    indexes: dict[str, str] = field(default_factory=dict)

    def column(self, table: str, column: str) -> ColumnType | None:
        return self.columns.get(table, {}).get(column)

    def set_column(self, table: str, column: str, kind: ColumnType | None) -> None:
        if kind is not None:
            self.columns.setdefault(table, {})[column] = kind

    def rename_table(self, old: str, new: str) -> None:
        if old in self.columns:
            self.columns[new] = self.columns.pop(old)
        self.indexes = {index: new if table == old else table for index, table in self.indexes.items()}

    def rename_column(self, table: str, old: str, new: str) -> None:
        kinds = self.columns.get(table, {})
        if old in kinds:
            kinds[new] = kinds.pop(old)

    def drop_table(self, table: str) -> None:
        self.columns.pop(table, None)
