"""`rolling-deploy`: the release before the newest kept serving while the upgrade to the newest
ran, as in a rolling deploy (migtest/run/rolling.py measures it). A check of its own rather than part
of `previous-release`: a migration can break the old release only while it runs (a column renamed,
then added back for compatibility; a table locked), which the check after the migration cannot see,
and teams that deploy with downtime need the one without the other (`checks.rolling`)."""

from __future__ import annotations

from migtest.checks import CheckContext
from migtest.results import FAILED, PASSED, SKIPPED, WARNED, CheckResult
from migtest.run.rolling import RollingObservation

NAME = "rolling-deploy"


def check(context: CheckContext) -> list[CheckResult]:
    observed = context.rolling
    if observed is None:
        return []
    if observed.error is not None:
        summary = f"not measured: {observed.version} did not serve before the migration started: {observed.error}"
        return [CheckResult(NAME, SKIPPED, summary, [observed.error.output] if observed.error.output else [])]
    during = f"during the {observed.window_seconds:.1f}s migration"
    sent = f"{observed.sent} {_what(observed)}"
    if not observed.failed:
        summary = f"{observed.version} answered all {sent} {during}"
        return [CheckResult(NAME, PASSED, summary, [_figures(observed)])]
    first = observed.failures[0]
    summary = f"{observed.version} failed {observed.failed} of {sent} {during}, first at +{first.at_seconds:.2f}s: "
    status = FAILED if context.options.rolling == "fail" else WARNED
    evidence = [_figures(observed), *(failure.describe() for failure in observed.failures)]
    return [CheckResult(NAME, status, summary + first.error, evidence)]


def _what(observed: RollingObservation) -> str:
    return "request(s)" if "verify.command" not in observed.probes else "probe(s)"


def _figures(observed: RollingObservation) -> str:
    """Each round's probes, and how the failures split between them."""
    failed = observed.failed_by
    shown = ", ".join(f"{what} ({failed[what]} failed)" if what in failed else what for what in observed.probes)
    more = f"; the first {len(observed.failures)} failures below" if observed.failed > len(observed.failures) else ""
    return f"each round: {shown}; slowest {observed.slowest_seconds:.2f}s{more}"
