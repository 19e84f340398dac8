"""Says which tables were left out of the data checks as a migration tool's history (see
migrators/bookkeeping.py): in the evidence of a passing `rows` result, the check whose verdict they
would have changed, so that "all rows kept" comes with what was not compared."""

from __future__ import annotations

from migtest.capture.state import State
from migtest.checks import CheckContext
from migtest.results import PASSED, CheckResult

DATA_CHECK = "rows"


def note(states: list[State | None]) -> str:
    """'bookkeeping, not compared as data: <tables>' for the tables the captures left out ("" if none)."""
    tables = sorted({table for state in states if state is not None for table in state.bookkeeping})
    return f"bookkeeping, not compared as data: {', '.join(tables)}" if tables else ""


def noted(context: CheckContext, results: list[CheckResult]) -> list[CheckResult]:
    text = note([context.before, context.after])
    for result in results:
        if text and result.name == DATA_CHECK and result.status == PASSED:
            result.evidence.append(text)
    return results
