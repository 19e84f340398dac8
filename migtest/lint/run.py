"""Lint a history: each migration in order, with one catalogue of what the earlier ones created."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from migtest.lint import Finding, Migration, Unlinted
from migtest.lint.catalogue import Catalogue


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    unlinted: list[Unlinted] = field(default_factory=list)
    linted: int = 0


def lint_history(migrations: list[Migration], dialect: str, ignore: frozenset[str] = frozenset()) -> Outcome:
    """`ignore`: rule ids not reported anywhere (`--ignore`)."""
    if dialect == "postgres":
        from migtest.lint.postgres import lint
    else:
        from migtest.lint import mysql

        lint = functools.partial(mysql.lint, mariadb=dialect == "mariadb")
    outcome = Outcome()
    catalogue = Catalogue()
    for migration in migrations:
        findings, unlinted = lint(migration, catalogue)
        if migration.reported:
            outcome.linted += 1
            outcome.findings += [finding for finding in findings if finding.rule not in ignore]
            outcome.unlinted += [unlinted] if unlinted else []
    return outcome
