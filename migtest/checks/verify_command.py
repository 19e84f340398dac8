"""`verify.command` run by the migrated-to release on the migrated database (`verify.target`): a
smoke test of the new release on the data it was migrated with."""

from __future__ import annotations

from migtest.checks import CheckContext, CommandObservation
from migtest.results import FAILED, PASSED, CheckResult
from migtest.results.evidence import shorten

NAME = "verify-command"


def check(context: CheckContext) -> list[CheckResult]:
    observed = context.command
    if observed is None:
        return []
    if observed.error is not None:
        summary = f"{observed.version} on the migrated database: {observed.error}"
        return [CheckResult(NAME, FAILED, summary, [observed.error.output])]
    return [CheckResult(NAME, PASSED, f"{observed.version} on the migrated database: succeeded", evidence(observed))]


def evidence(observed: CommandObservation) -> list[str]:
    """What the command printed, where it printed anything."""
    return [shorten(observed.output)] if observed.output.strip() else []
