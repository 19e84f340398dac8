"""`sql: <name>`: the user's own assertions, run on the database the scenario ended with."""

from __future__ import annotations

from typing import Any

from migtest.checks import CheckContext
from migtest.checks.data import same_value
from migtest.results import FAILED, PASSED, CheckResult


def applicable(context: CheckContext) -> list[Any]:
    return [a for a in context.options.sql if a.applies_to(context.scenario, context.engine)]


def check(context: CheckContext) -> list[CheckResult]:
    results = []
    for assertion in applicable(context):
        name = f"sql: {assertion.name}"
        skipped = context.not_run(name)
        if skipped:
            results.append(skipped)
            continue
        got = context.after.queries.get(assertion.name)
        expected = [list(row) for row in assertion.expect]
        if isinstance(got, dict):
            results.append(CheckResult(name, FAILED, f"query failed: {got['error']}", [assertion.query]))
        elif rows_equal(got, expected, context.options.float_tolerance):
            results.append(CheckResult(name, PASSED, f"returned {expected}"))
        else:
            results.append(CheckResult(name, FAILED, f"expected {expected}, got {got}", [assertion.query]))
    return results


def rows_equal(got: list[list[Any]], expected: list[list[Any]], tolerance: float) -> bool:
    return len(got) == len(expected) and all(
        len(a) == len(b) and all(same_value(x, y, tolerance) for x, y in zip(a, b)) for a, b in zip(got, expected)
    )
