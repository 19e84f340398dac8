"""The app after migrating: it became ready on the migrated database, and every `verify.api`
listing, read page by page, still holds the objects expected (by default those seeded); for each
one missing, the evidence shows the nearest item read and the keys that differ.

`previous-release` asks the same of the release before the newest, started on the newest's
schema, as during a rolling deploy; `app.previous_release: warn` makes it advisory."""

from __future__ import annotations

from migtest.checks import ApiReading, AppObservation, CheckContext
from migtest.http_api import missing_evidence, unmatched
from migtest.results import FAILED, PASSED, SKIPPED, WARNED, CheckResult


def check(context: CheckContext) -> list[CheckResult]:
    if not context.app_checked:
        return []
    observed = context.app
    if observed is None:
        return [context.not_run("app") or CheckResult("app", SKIPPED, "not run: nothing to start")]
    if observed.error is not None:
        summary = f"{observed.version} did not serve the migrated database: {observed.error}"
        return [CheckResult("app", FAILED, summary, [observed.error.output])]
    ready = CheckResult(
        "app", PASSED, f"{observed.version} ready on the migrated database in {observed.ready_seconds:.1f}s"
    )
    return [ready, *(_reading(reading) for reading in observed.readings)]


def _reading(reading: ApiReading) -> CheckResult:
    name = f"api: GET {reading.path}"
    if reading.error is not None:
        return CheckResult(name, FAILED, str(reading.error), [reading.error.output])
    assert reading.items is not None
    if not reading.expected:
        return CheckResult(name, SKIPPED, f"nothing to look for: no object was seeded to {reading.path}")
    missing = unmatched(reading.expected, reading.items)
    found = f"among {len(reading.items)} item(s)"
    if missing:
        summary = f"{len(missing)} of {len(reading.expected)} expected object(s) missing {found}"
        return CheckResult(name, FAILED, summary, [missing_evidence(item, reading.items) for item in missing])
    return CheckResult(name, PASSED, f"all {len(reading.expected)} expected object(s) found {found}")


def previous_release(context: CheckContext) -> list[CheckResult]:
    observed = context.previous
    if observed is None:
        return []
    problems = _problems(observed)
    name = "previous-release"
    if not problems:
        summary = f"{observed.version} still serves the migrated database ({len(observed.readings)} listing(s) read)"
        return [CheckResult(name, PASSED, summary)]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    summary = f"{observed.version} against the migrated database: {problems[0].summary}{more}"
    evidence = [f"{problem.name}: {problem.summary}\n" + "\n".join(problem.evidence) for problem in problems]
    return [CheckResult(name, WARNED if context.previous_warns else FAILED, summary, evidence)]


def _problems(observed: AppObservation) -> list[CheckResult]:
    if observed.error is not None:
        return [CheckResult("app", FAILED, f"did not become ready: {observed.error}", [observed.error.output])]
    return [result for result in map(_reading, observed.readings) if result.failed]
