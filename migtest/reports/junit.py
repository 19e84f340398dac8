"""junit.xml: one testsuite per scenario, one testcase per check, failures carrying evidence."""

from __future__ import annotations

from pathlib import Path

from junit_xml import TestCase, TestSuite, to_xml_report_string

from migtest.masking import mask
from migtest.results import ERROR, FAILED, SKIPPED, RunResult


def write(result: RunResult, directory: Path) -> Path:
    suites = []
    for scenario in result.scenarios:
        cases = []
        for check in scenario.checks:
            case = TestCase(check.name, classname=scenario.scenario.id, elapsed_sec=0.0)
            evidence = mask("\n".join(check.evidence))
            if check.status == FAILED:
                case.add_failure_info(message=mask(check.summary), output=evidence, failure_type=check.name)
            elif check.status == ERROR:
                case.add_error_info(message=mask(check.summary), output=evidence, error_type=check.name)
            elif check.status == SKIPPED:
                case.add_skipped_info(message=mask(check.summary))
            else:
                case.stdout = mask(f"{check.status}: {check.summary}\n{evidence}".rstrip())
            cases.append(case)
        phases = {p.name: round(p.seconds, 3) for p in scenario.phases}
        suites.append(
            TestSuite(
                scenario.scenario.title,
                cases,
                id=scenario.scenario.id,
                properties={"kind": scenario.scenario.kind, **{f"phase {k}": v for k, v in phases.items()}},
            )
        )
        if cases:
            cases[0].elapsed_sec = round(scenario.seconds, 3)
    path = directory / "junit.xml"
    path.write_text(to_xml_report_string(suites, prettyprint=True, encoding="utf-8"))
    return path
