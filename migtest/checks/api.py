"""The app after migrating: it became ready on the migrated database, and every `verify.api`
listing, read page by page, still holds the objects expected (by default those seeded)."""

from __future__ import annotations

import json

from migtest.checks import ApiReading, CheckContext
from migtest.http_api import unmatched
from migtest.results import FAILED, PASSED, SKIPPED, CheckResult


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
        return CheckResult(name, FAILED, summary, [json.dumps(item, sort_keys=True) for item in missing])
    return CheckResult(name, PASSED, f"all {len(reading.expected)} expected object(s) found {found}")
