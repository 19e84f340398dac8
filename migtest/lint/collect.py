"""Findings of one migration, each placed at its statement's line unless a comment suppresses it."""

from __future__ import annotations

from migtest.lint import Finding, Migration
from migtest.lint.text import SqlText


class Collector:
    """Told where the statement at hand starts and ends, then given its findings."""

    def __init__(self, migration: Migration) -> None:
        self.migration = migration
        self.text = SqlText(migration.sql)
        self.findings: list[Finding] = []
        self.line = 1
        self._ignored: set[str] = set()

    def statement(self, start: int, end: int) -> None:
        """The statement at hand spans offsets `start`..`end` of the migration's SQL."""
        start = self.text.statement_start(start)
        self.line = self.text.line(start)
        self._ignored = self.text.ignored(self.line, self.text.line(max(start, end - 1)))

    def add(self, rule: str, table: str | None, message: str) -> None:
        if rule in self._ignored or rule in self.migration.ignored:
            return
        migration = self.migration
        line = migration.fixed_line or self.line
        where = f" (statement at line {self.line} of its offline SQL)" if migration.fixed_line else ""
        self.findings.append(
            Finding(rule, str(migration.file), line, migration.label, table, message + where, names=migration.names)
        )
