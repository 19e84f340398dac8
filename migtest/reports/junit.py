"""junit.xml: one testsuite per scenario, one testcase per check, written for what consumers read.

Built with the standard library's ElementTree rather than junit-xml, whose `disabled` attribute
and unrounded times the Jenkins junit-10 XSD rejects. What consumers rely on:
- `file` and `line` (and `lineno`) on every testcase: a failed or warned check at the line it
  points at (as its annotation), any other at its scenario's target version in migtest.yml.
  Without them, reporters take the "file" from the last dotted part of the classname.
- the classname `migtest.<scenario id>` with the id's dots made `_`: its last dotted part, which
  such reporters (and Jenkins, as the class of package `migtest`) read, is the whole scenario.
- the one-line summary as the first line of a failure's text, then the evidence: GitLab shows
  only the text; skipped checks carry their reason as text too.
- a `time` on every testcase (migtest times a scenario's phases, not its checks: each check gets an
  equal share, so consumers that add them up show the scenario's time), and the run's wall time
  at the top (scenarios run in parallel: their times add up to more).
A testsuite's properties: its kind, each phase's seconds, and per table that a migration blocked,
locked against writes or rewrote, `locks <migration> <table>`: its blocked seconds, lock and rewrite.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from migtest.masking import mask
from migtest.reports import locks
from migtest.reports.findings import place, repository_root
from migtest.results import ERROR, FAILED, SKIPPED, CheckResult, Location, RunResult, ScenarioResult
from migtest.results.locations import version_lines

# Characters XML 1.0 cannot carry, even escaped (a migration's output may hold them).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CLASS_PREFIX = "migtest"
OUTCOMES = {FAILED: "failure", ERROR: "error", SKIPPED: "skipped"}


def text(value: str) -> str:
    """A user-written string fit for XML: secrets masked, unencodable characters shown as \\xNN
    (ElementTree escapes &, < and > itself)."""
    return NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", mask(value))


def seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}"


def classname(scenario: ScenarioResult) -> str:
    """`migtest.<id>` with no dot in the id: "last dotted part" parsers see the whole scenario."""
    return f"{CLASS_PREFIX}.{scenario.scenario.id.replace('.', '_')}"


def build(result: RunResult, root: Path | None = None) -> ET.Element:
    root = root or repository_root()
    config = Path(result.config)
    entries, relative = version_lines(config), os.path.relpath(config, result.root or config.parent)
    suites = ET.Element("testsuites", name="migtest", time=seconds(result.seconds))
    for scenario in result.scenarios:
        entry = Location(relative, entries.get(scenario.scenario.target))
        suites.append(_suite(result, scenario, root, entry))
    for attribute in ("tests", "failures", "errors"):  # junit-10 has no top-level `skipped`
        suites.set(attribute, str(sum(int(suite.get(attribute, "0")) for suite in suites)))
    return suites


def _suite(result: RunResult, scenario: ScenarioResult, root: Path, entry: Location) -> ET.Element:
    suite = ET.Element("testsuite", name=text(scenario.scenario.title), id=text(scenario.scenario.id))
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="kind", value=scenario.scenario.kind)
    for phase in scenario.phases:
        ET.SubElement(properties, "property", name=text(f"phase {phase.name}"), value=seconds(phase.seconds))
    for name, value in _locks(scenario):
        ET.SubElement(properties, "property", name=text(name), value=text(value))
    share = scenario.seconds / len(scenario.checks) if scenario.checks else 0.0
    for check in scenario.checks:
        suite.append(_case(scenario, check, *place(result, check.location or entry, root), share))
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    for tag, attribute in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        suite.set(attribute, str(sum(1 for case in cases if case.find(tag) is not None)))
    suite.set("time", seconds(scenario.seconds))
    return suite


def _locks(scenario: ScenarioResult) -> list[tuple[str, str]]:
    """A property per table that matters in each measured migration: its wait in seconds, as the
    phases' times, then its lock and rewrite."""
    measured = locks.measured(scenario)
    return [
        (f"locks {locks.short(m.measurement.label)} {row.table}", f"{seconds(row.blocked_ms / 1000)}{row.how()}")
        for m, row in (measured.pairs() if measured else [])
    ]


def _case(scenario: ScenarioResult, check: CheckResult, file: str, line: int | None, share: float) -> ET.Element:
    case = ET.Element("testcase", name=text(check.name), classname=text(classname(scenario)), file=text(file))
    if line is not None:  # `line` as pytest's xunit1 and most reporters read it, `lineno` as junit-to-ctrf does
        case.set("line", str(line))
        case.set("lineno", str(line))
    case.set("time", seconds(share))
    evidence = "\n".join(check.evidence).strip()
    outcome = OUTCOMES.get(check.status)
    if outcome is None:  # passed or warned: the summary and evidence as the check's output
        output = ET.SubElement(case, "system-out")
        output.text = text(f"{check.status}: {check.summary}\n{evidence}".rstrip())
        return case
    summary = " ".join(check.summary.splitlines())  # one line, whatever a failed command's message held
    detail = ET.SubElement(case, outcome)
    if outcome != "skipped":
        detail.set("type", text(check.name))
    detail.set("message", text(summary))
    detail.text = text(f"{summary}\n{evidence}".rstrip())
    return case


def write(result: RunResult, directory: Path) -> Path:
    tree = ET.ElementTree(build(result))
    ET.indent(tree)
    path = directory / "junit.xml"
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
