"""summary.md: a from-by-to matrix with a mark and duration per cell, then every failure.

In GitHub Actions it is also the step summary (github.py). Every user-written string (version,
assertion and table names, summaries) goes through `text` (inline: `<known>` would otherwise be
an HTML tag GitHub hides, `|` would end a table cell) or `fence` (evidence, as code).
"""

from __future__ import annotations

import re
from pathlib import Path

from migtest.masking import mask
from migtest.reports import locks
from migtest.reports.excerpt import excerpt
from migtest.results import ERROR, FAILED, PASSED, SKIPPED, WARNED, RunResult, ScenarioResult

MARKS = {PASSED: "✅", FAILED: "❌", SKIPPED: "⏭️"}
EVIDENCE_HEAD, EVIDENCE_TAIL = 10, 20
SLOWEST = 3
LOCKED_SCENARIOS, LOCKED_ROWS = 10, 15  # within GitHub's size limits and readable with 50 steps
# CommonMark lets any ASCII punctuation be escaped with a backslash: these mean something inline.
INLINE = re.compile(r"([\\`*_\[\]<&|~#!])")
BACKTICKS = re.compile(r"`{3,}")


def text(value: object) -> str:
    """A user-written string shown literally inline (a heading, a table cell, a list item): masked
    before it is escaped (a secret must be masked as written), its line breaks made spaces."""
    return INLINE.sub(r"\\\1", " ".join(mask(str(value)).splitlines()))


def fence(lines: list[str], indent: str = "") -> list[str]:
    """Lines as a code block whose fence is longer than any run of backticks in them, so no line
    can close it (CommonMark)."""
    longest = max((len(run) for line in lines for run in BACKTICKS.findall(line)), default=2)
    marks = "`" * (longest + 1)
    return [f"{indent}{marks}text", *(f"{indent}{line}" for line in lines), f"{indent}{marks}"]


def render(result: RunResult) -> str:
    failed = result.failed
    verdict = "❌ migrations broke" if failed else "✅ every migration held"
    totals = ", ".join(f"{result.count(status)} {status}" for status in (PASSED, FAILED, SKIPPED))
    lines = [f"## migtest: {verdict}", "", f"{len(result.scenarios)} scenarios: {totals} in {result.seconds:.1f}s.", ""]
    lines += _setups(result)
    steps = [scenario for scenario in result.scenarios if scenario.scenario.kind == "step"]
    tests = [scenario for scenario in result.scenarios if scenario.scenario.kind == "test"]
    lines += _steps(steps) if steps else _matrix(result)
    lines += _tests(tests) if tests else []
    lines += _figures(result)
    lines += _locks(result)
    if failed:
        lines += ["", "### Failures", ""]
        for scenario in failed:
            lines += _details(scenario, FAILED, ERROR)
    warned = [scenario for scenario in result.scenarios if any(c.status == WARNED for c in scenario.checks)]
    if warned:
        lines += ["", "### Warnings", ""]
        for scenario in warned:
            lines += _details(scenario, WARNED)
    return mask("\n".join(lines)) + "\n"


def _setups(result: RunResult) -> list[str]:
    """The versions' `setup:` environments, each built once before the scenarios (or cached)."""
    if not result.setups:
        return []
    timed = [text(f"{phase.name} {phase.detail or f'{phase.seconds:.1f}s'}") for phase in result.setups]
    return [f"Environments: {', '.join(timed)}.", ""]


def _matrix(result: RunResult) -> list[str]:
    cells = result.by_pair()
    versions = result.versions
    lines = [
        "| from \\ to | " + " | ".join(f"**{text(v)}**" for v in versions) + " |",
        "|---" * (len(versions) + 1) + "|",
    ]
    for source in versions:
        row = [_cell(cells.get((source, target))) for target in versions]
        lines.append(f"| **{text(source)}** | " + " | ".join(row) + " |")
    lines += ["", "Diagonal: fresh install. Above it: upgrades (and skips). Below it: downgrades."]
    return lines


def _steps(steps: list[ScenarioResult]) -> list[str]:
    """One row per migration, in order, with its own timings; the slowest upgrades marked."""
    timed = [(_phase_seconds(step, "upgrade"), step.scenario.id) for step in steps]
    ranked = sorted(timed, reverse=True)[:SLOWEST] if len(steps) > SLOWEST else []
    slowest = {step_id for _seconds, step_id in ranked}
    lines = ["| step | upgrade | downgrade | upgrade again | result |", "|---|---|---|---|---|"]
    for step in steps:
        upgrade = f"{_phase_seconds(step, 'upgrade'):.2f}s" + (" 🐢" if step.scenario.id in slowest else "")
        verdict = f"{MARKS[step.status]} {step.status}"
        cells = [upgrade, timing(step, "downgrade"), timing(step, "upgrade again"), verdict]
        lines.append(f"| {text(step.scenario.source)} → {text(step.scenario.target)} | {' | '.join(cells)} |")
    return [*lines, "", f"🐢: the {SLOWEST} slowest upgrades."] if slowest else lines


def _tests(tests: list[ScenarioResult]) -> list[str]:
    lines = ["", "| step test | migrates | result |", "|---|---|---|"]
    for test in tests:
        scenario = test.scenario
        migrates = f"{text(scenario.source)} → {text(scenario.target)}"
        lines.append(f"| {text(scenario.name)} | {migrates} | {MARKS[test.status]} {test.status} |")
    return lines


def _phase_seconds(scenario: ScenarioResult, name: str) -> float:
    return scenario.seconds_in(name) or 0.0


def timing(scenario: ScenarioResult, name: str) -> str:
    seconds = scenario.seconds_in(name)
    return "·" if seconds is None else f"{seconds:.2f}s"


def _figures(result: RunResult) -> list[str]:
    """The app containers' figures (versions that are images), one row per start."""
    rows = [
        f"| {text(scenario.scenario.title)} | {text(phase.name)} | {phase.figures['ready_seconds']:.1f}s | "
        f"{_figure(phase.figures, 'peak_memory_mib', ' MiB')} | {_figure(phase.figures, 'cpu_seconds', 's')} |"
        for scenario in result.scenarios
        for phase in scenario.phases
        if "ready_seconds" in phase.figures
    ]
    if not rows:
        return []
    header = ["", "| scenario | container | ready in | peak memory | CPU |", "|---|---|---|---|---|"]
    return [*header, *rows]


def _locks(result: RunResult) -> list[str]:
    """Per scenario, the tables its migrations blocked or locked against writes, with a bar of the
    blocked time; the scenarios that blocked longest first, the rest counted."""
    found = locks.ranked(result.scenarios)
    if not found:
        return []
    shown = [scenario for scenario in found[:LOCKED_SCENARIOS] if scenario.migrations]
    lines = ["", "### Locks", "", locks.introduction(result.scenarios)]
    longest = locks.longest_blocked(shown)
    for scenario in shown:
        lines += _locked(scenario, longest)
    rest = [scenario for scenario in found if all(scenario is not other for other in shown)]
    if rest:
        most = max(scenario.severity[0] for scenario in rest)
        blocking = f"blocking {locks.duration(most)} at most" if most >= locks.NOTICEABLE_MS else "nothing blocked"
        lines += ["", f"{len(rest)} {'more ' if shown else ''}scenario(s) measured, {blocking}: see report.html."]
    return lines


def _locked(scenario: locks.ScenarioLocks, longest: float) -> list[str]:
    header = "| migration | table | lock | held | reads blocked | writes blocked | rewritten | blocked |"
    lines = ["", f"**{text(scenario.scenario.scenario.title)}**"]
    lines += ["", header, "|---" * 8 + "|"] if scenario.pairs() else []
    for migration, row in scenario.rows()[:LOCKED_ROWS]:
        cells = [
            _migration(migration) if migration else "",
            *map(text, locks.figures(row)),
            "yes" if row.rewritten else "",
            locks.bar(row.blocked_ms, longest),
        ]
        lines.append(f"| {' | '.join(cells)} |")
    notes = scenario.notes(LOCKED_ROWS, text)
    return [*lines, "", notes] if notes else lines


def _migration(migration: locks.MigrationLocks) -> str:
    where = f" ({text(migration.where)})" if migration.where else ""
    return text(locks.short(migration.measurement.label)) + where


def _figure(figures: dict[str, float], name: str, unit: str) -> str:
    return f"{figures[name]}{unit}" if name in figures else "n/a"


def _cell(scenario: ScenarioResult | None) -> str:
    if scenario is None:
        return "·"
    return f"{MARKS[scenario.status]} {scenario.seconds:.1f}s"


def _details(scenario: ScenarioResult, *statuses: str) -> list[str]:
    """The scenario's checks of these statuses, with their evidence."""
    lines = [f"#### {text(scenario.scenario.title)}", ""]
    for check in scenario.checks:
        if check.status not in statuses:
            continue
        lines.append(f"- **{text(check.name)}**: {text(check.summary)}")
        shown = excerpt(check.evidence, EVIDENCE_HEAD, EVIDENCE_TAIL, "results.json")
        if shown:
            lines += ["", *fence(shown, "  ")]
    return [*lines, ""]


def write(result: RunResult, directory: Path) -> Path:
    path = directory / "summary.md"
    path.write_text(render(result))
    return path
