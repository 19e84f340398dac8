"""The app after migrating: it became ready on the migrated database, and every `verify.api`
listing, read page by page, still holds the objects expected (by default those seeded); for each
one missing, the evidence shows the nearest item read and the keys that differ.

`previous-release` asks the same of the release before the newest, started on the newest's
schema, as during a rolling deploy, and that it runs `verify.command` there without an error;
`verify.previous_release: warn` makes it advisory."""

from __future__ import annotations

from migtest.checks import ApiReading, AppObservation, CheckContext, CommandObservation
from migtest.checks.verify_command import evidence
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
    app, command = context.previous, context.previous_command
    observed = app or command
    if observed is None:
        return []
    problems = [*(_problems(app) if app else []), *(_command_problems(command) if command else [])]
    name = "previous-release"
    if not problems:
        held = [f"still serves the migrated database ({len(app.readings)} listing(s) read)"] if app else []
        held += ["runs verify.command on the migrated database without an error"] if command else []
        output = evidence(command) if command else []
        return [CheckResult(name, PASSED, f"{observed.version} {' and '.join(held)}", output)]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    summary = f"{observed.version} against the migrated database: {problems[0].summary}{more}"
    details = [f"{problem.name}: {problem.summary}\n" + "\n".join(problem.evidence) for problem in problems]
    return [CheckResult(name, WARNED if context.previous_warns else FAILED, summary, details)]


def _problems(observed: AppObservation) -> list[CheckResult]:
    if observed.error is not None:
        return [CheckResult("app", FAILED, f"did not become ready: {observed.error}", [observed.error.output])]
    return [result for result in map(_reading, observed.readings) if result.failed]


def _command_problems(observed: CommandObservation) -> list[CheckResult]:
    if observed.error is None:
        return []
    return [CheckResult("command", FAILED, str(observed.error), [observed.error.output])]
