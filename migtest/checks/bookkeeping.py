"""Says which tables were left out of the data checks as a migration tool's history (see
migrators/bookkeeping.py), in the `rows` result: the check whose verdict they would have changed,
so that a user reading "all rows kept" also reads what was not compared."""

from __future__ import annotations

from migtest.checks import CheckContext
from migtest.results import CheckResult

DATA_CHECK = "rows"


def noted(context: CheckContext, results: list[CheckResult]) -> list[CheckResult]:
    states = [state for state in (context.before, context.after) if state is not None]
    tables = sorted({table for state in states for table in state.bookkeeping})
    if tables:
        note = f"bookkeeping, not compared as data: {', '.join(tables)}"
        for result in results:
            if result.name == DATA_CHECK:
                result.summary = f"{result.summary} ({note})"
                result.evidence.append(note)
    return results
