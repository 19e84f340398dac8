"""report.html: the file to open from the artifact, one self-contained page (inline CSS, no script,
nothing fetched): the from-by-to matrix (or a step walk's migrations, with their durations), a
timeline of every scenario's phases, and every scenario's checks with the evidence of those that
failed or warned, differences highlighted.

Every user-written string goes through `text` (masked, then escaped: a secret is masked as
written), and the page is masked once more as a whole, like every other report. Anchors are the
scenarios' positions (`#s3`), never their user-written names.

Evidence highlighting, one rule per line (what migtest's checks write, and unified diffs):
- `A -> B`: A is the old value (red), B the new one (green); `X after migrating, Y fresh`: Y what
  a fresh install has (red), X what migrating made (green);
- a line starting with `-` is removed (red), one starting with `+` added (green);
- a line saying something was lost, is missing or was dropped is removed (red); one saying
  something is present after migrating but not in a fresh install is added (green).
"""

from __future__ import annotations

import re
import string
from html import escape
from pathlib import Path

from migtest.masking import mask
from migtest.reports import locks
from migtest.reports.excerpt import excerpt
from migtest.reports.markdown import timing
from migtest.results import ERROR, FAILED, PASSED, SKIPPED, WARNED, CheckResult, Phase, RunResult, ScenarioResult

EVIDENCE_HEAD, EVIDENCE_TAIL = 50, 100
# Marks every font has (an emoji needs an emoji font, which a headless browser or a server may lack).
MARKS = {PASSED: "✓", FAILED: "✗", ERROR: "✗", SKIPPED: "–", WARNED: "!"}
TICKS = 5
BAR_PX = 120  # the longest blocked time's bar in the locks table
# A value as migtest's checks print it (Python's repr of a string, or one word), on each side of `->`.
_VALUE = r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\S+"""
_CHANGED = re.compile(rf"(?P<old>{_VALUE}) -> (?P<new>{_VALUE})")
_AFTER_FRESH = re.compile(r": (?P<new>.+) after migrating, (?P<old>.+) fresh$")
_REMOVED = re.compile(r"^-|\b(?:lost|missing|dropped)\b")
_ADDED = re.compile(r"^\+|present after migrating, not in a fresh install")
# Phase names (matrix.py, steps.py, sources) by the kind of work, each kind a color.
_KINDS = [
    ("setup", re.compile(r"^setup ")),
    ("container", re.compile(r"^(database server|image) ")),
    ("install", re.compile(r"^(install|provision)")),
    ("seed", re.compile(r"^(seed|before)$")),
    ("capture", re.compile(r"^capture")),
    ("migrate", re.compile(r"^(upgrade|downgrade)")),
    ("app", re.compile(r"^(verify app|previous release)")),
    ("verify", re.compile(r"verify\.command")),
    ("check", re.compile(r"^check$")),
]
LEGEND = {
    "setup": "version setup",
    "container": "database server / image",
    "install": "install / provision",
    "seed": "seed",
    "capture": "capture",
    "migrate": "migrate",
    "app": "app container",
    "verify": "verify.command",
    "check": "checks",
    "other": "other",
}

PAGE = string.Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>migtest: $verdict</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em; color: #1f2328; background: #fff; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; } td, th { border: 1px solid #d0d7de; padding: .3em .6em; text-align: left; }
.matrix td { text-align: center; min-width: 5em; } .matrix a { color: inherit; text-decoration: none; display: block; }
.passed { background: #dafbe1; } .failed, .error { background: #ffebe9; } .skipped { background: #f6f8fa; }
.warned { background: #fff8c5; } td.none { color: #8c959f; }
.timeline { position: relative; } .row { display: flex; align-items: center; height: 22px; }
.label.passed { background: none; }
.row .label { width: 16em; flex: none; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.row .track { position: relative; flex: 1; height: 16px; background: #f6f8fa; }
.bar { position: absolute; top: 0; height: 16px; min-width: 2px; overflow: hidden; box-sizing: border-box; }
.bar.failed { outline: 2px solid #cf222e; z-index: 1; }
.wait { height: 100%; background: repeating-linear-gradient(45deg, transparent 0 3px, rgba(0,0,0,.35) 3px 5px); }
.axis { display: flex; justify-content: space-between; margin-left: 16em; color: #57606a; font-size: 12px; }
.k-setup { background: #8250df; } .k-install { background: #0969da; } .k-seed { background: #1a7f37; }
.k-capture { background: #9a6700; } .k-migrate { background: #cf222e; } .k-app { background: #bf3989; }
.k-verify { background: #0550ae; } .k-container { background: #1b1f24; }
.k-check { background: #57606a; } .k-other { background: #afb8c1; }
.legend span { display: inline-block; margin-right: 1em; } .legend i.wait { background-color: #afb8c1; }
.legend i { display: inline-block; width: 1em; height: 1em;
  vertical-align: middle; margin-right: .3em; }
.duration { display: inline-block; height: .8em; background: #cf222e; vertical-align: middle; }
.blocked { display: inline-block; height: .8em; min-width: 1px; background: #bc4c00; vertical-align: middle; }
.rewritten { color: #cf222e; font-weight: 600; }
.locks td { white-space: nowrap; } .locks td:first-child { white-space: normal; max-width: 24em; }
.locks td.note { white-space: normal; color: #57606a; }
pre.evidence { background: #f6f8fa; padding: .6em; overflow-x: auto; white-space: pre-wrap; }
.removed, del { background: #ffd7d5; color: #82071e; } .added, ins { background: #ccffd8; color: #055d20; }
del, ins { text-decoration: none; font-weight: 600; }
.where { color: #57606a; margin-top: .3em; } details { margin: .4em 0; } summary { cursor: pointer; font-weight: 600; }
</style>
</head>
<body>
<h1>migtest: $verdict</h1>
<p>$totals</p>
$body
</body>
</html>
""")


def text(value: object) -> str:
    """A user-written string shown literally: masked as written, then escaped (quotes too, for attributes)."""
    return escape(mask(str(value)))


def render(result: RunResult) -> str:
    anchors = {id(scenario): f"s{index}" for index, scenario in enumerate(result.scenarios, 1)}
    failed = result.failed
    totals = ", ".join(f"{result.count(status)} {status}" for status in (PASSED, FAILED, SKIPPED))
    steps = [scenario for scenario in result.scenarios if scenario.scenario.kind == "step"]
    body = [
        *(_steps(steps, anchors) if steps else _matrix(result, anchors)),
        *_timeline(result, anchors),
        *_locks(result, anchors),
        "<h2>Scenarios</h2>",
        *(_scenario(scenario, anchors[id(scenario)]) for scenario in result.scenarios),
    ]
    page = PAGE.substitute(
        verdict="migrations broke" if failed else "every migration held",
        totals=text(f"{len(result.scenarios)} scenarios: {totals} in {result.seconds:.1f}s ({_config(result)})."),
        body="\n".join(body),
    )
    return mask(page)


def _config(result: RunResult) -> str:
    """The configuration file, relative to the project folder where it is in it."""
    path = Path(result.config)
    return str(path.relative_to(result.root)) if result.root and path.is_relative_to(result.root) else str(path)


def _link(scenario: ScenarioResult, anchors: dict[int, str], content: str) -> str:
    return f'<a href="#{anchors[id(scenario)]}">{content}</a>'


def _matrix(result: RunResult, anchors: dict[int, str]) -> list[str]:
    cells = result.by_pair()
    lines = ["<h2>From × to</h2>", '<table class="matrix">', "<tr><th>from \\ to</th>"]
    lines[-1] += "".join(f"<th>{text(version)}</th>" for version in result.versions) + "</tr>"
    for source in result.versions:
        row = [f"<th>{text(source)}</th>"]
        for target in result.versions:
            scenario = cells.get((source, target))
            if scenario is None:
                row.append('<td class="none">·</td>')
                continue
            mark = f"{MARKS[scenario.status]} {scenario.seconds:.1f}s"
            label = text(scenario.scenario.title)
            row.append(f'<td class="{scenario.status}" title="{label}">{_link(scenario, anchors, mark)}</td>')
        lines.append("<tr>" + "".join(row) + "</tr>")
    lines += ["</table>", "<p>Diagonal: fresh install. Above it: upgrades (and skips). Below it: downgrades.</p>"]
    return lines


def _steps(steps: list[ScenarioResult], anchors: dict[int, str]) -> list[str]:
    """One row per migration with its own timings, a bar for the upgrade's share of the slowest."""
    slowest = max((step.seconds_in("upgrade") or 0.0 for step in steps), default=0.0) or 1.0
    lines = [
        "<h2>Migrations</h2>",
        "<table><tr><th>step</th><th>upgrade</th><th>downgrade</th><th>upgrade again</th><th>result</th></tr>",
    ]
    for step in steps:
        upgrade = step.seconds_in("upgrade") or 0.0
        bar = f'<span class="duration" style="width:{100 * upgrade / slowest:.0f}px"></span>'
        migration = _link(step, anchors, f"{text(step.scenario.source)} → {text(step.scenario.target)}")
        cells = [
            migration,
            f"{bar} {upgrade:.2f}s",
            timing(step, "downgrade"),
            timing(step, "upgrade again"),
            f"{MARKS[step.status]} {step.status}",
        ]
        lines.append(f'<tr class="{step.status}">' + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return [*lines, "</table>"]


def _locks(result: RunResult, anchors: dict[int, str]) -> list[str]:
    """Per migration, each table that matters with its lock and a bar of its blocked time, scaled
    to the longest of the run; every scenario with measurements, in plan order, under its title."""
    found = locks.found(result.scenarios)
    if not found:
        return []
    shown = [scenario for scenario in found if scenario.migrations]
    lines = ["<h2>Locks</h2>", f"<p>{text(locks.introduction(result.scenarios))}</p>"]
    if shown:
        header = ["migration", "table", "lock", "held", "reads blocked", "writes blocked", "blocked"]
        lines.append('<table class="locks"><tr>' + "".join(f"<th>{cell}</th>" for cell in header) + "</tr>")
    longest = locks.longest_blocked(shown)
    for scenario in shown:
        link = _link(scenario.scenario, anchors, text(scenario.scenario.scenario.title))
        lines += [f'<tr><th colspan="7">{link}</th></tr>', *_locked(scenario, longest)]
    lines += ["</table>"] if shown else []
    quiet = len(found) - len(shown)
    return [*lines, f"<p>{quiet} more scenario(s) measured, nothing blocked.</p>"] if quiet else lines


def _locked(scenario: locks.ScenarioLocks, longest: float) -> list[str]:
    lines = []
    for migration, row in scenario.rows():
        width = BAR_PX * row.blocked_ms / longest if longest else 0.0
        title = text(f"{row.table}: blocked {locks.duration(row.blocked_ms)}{row.how()}")
        bar = f'<span class="blocked" style="width:{width:.0f}px" title="{title}"></span>' if row.blocked_ms else ""
        rewritten = ' <span class="rewritten">rewritten</span>' if row.rewritten else ""
        cells = [
            _migration(migration) if migration else "",
            *map(text, locks.figures(row)),
            f"{bar} {locks.duration(row.blocked_ms)}{rewritten}" if row.stall or row.rewritten else "·",
        ]
        lines.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    notes = scenario.notes(len(scenario.pairs()), text)
    return [*lines, f'<tr><td class="note" colspan="7">{notes}</td></tr>'] if notes else lines


def _migration(migration: locks.MigrationLocks) -> str:
    where = f'<div class="where"><code>{text(migration.where)}</code></div>' if migration.where else ""
    return text(locks.short(migration.measurement.label, 80)) + where


def _timeline(result: RunResult, anchors: dict[int, str]) -> list[str]:
    """A row of bars per scenario (and one for what came before them: the database server, images,
    the versions' setups) on the run's time axis; from
    a results.json without start times, each row's phases one after the other from 0."""
    before = sorted([*result.startup, *result.setups], key=lambda phase: phase.start or 0.0)
    title = text("before the scenarios")
    rows = [(f'<span class="label" title="{title}">{title}</span>', before)] if before else []
    for scenario in result.scenarios:  # a tooltip for a title cut short, the row of a failure marked
        title = text(scenario.scenario.title)
        label = f'<span class="label {scenario.status}" title="{title}">{_link(scenario, anchors, title)}</span>'
        rows.append((label, scenario.phases))
    placed = [(label, _placed(phases)) for label, phases in rows]
    end = max((start + phase.seconds for _label, bars in placed for start, phase in bars), default=0.0) or 1.0
    lines = ["<h2>Timeline</h2>", '<div class="timeline">']
    for label, bars in placed:
        drawn = "".join(_bar(phase, start, end) for start, phase in bars)
        lines.append(f'<div class="row">{label}<div class="track">{drawn}</div></div>')
    ticks = "".join(f"<span>{_seconds(end * tick / (TICKS - 1))}</span>" for tick in range(TICKS))
    drawn = [phase for _label, bars in placed for _start, phase in bars]
    kinds = {_kind(phase) for phase in drawn}
    legend = "".join(
        f'<span><i class="k-{kind}"></i>{text(name)}</span>' for kind, name in LEGEND.items() if kind in kinds
    )
    if any("ready_seconds" in phase.figures for phase in drawn):
        legend += '<span><i class="wait"></i>hatched: a container starting, until it is ready</span>'
    return [*lines, f'<div class="axis">{ticks}</div>', "</div>", f'<p class="legend">{legend}</p>']


def _seconds(value: float) -> str:
    return f"{value:.{2 if value < 1 else 1 if value < 60 else 0}f}s"


def _placed(phases: list[Phase]) -> list[tuple[float, Phase]]:
    if all(phase.start is not None for phase in phases):
        return [(phase.start or 0.0, phase) for phase in phases]
    starts = [sum(phase.seconds for phase in phases[:index]) for index in range(len(phases))]
    return list(zip(starts, phases, strict=True))


def _kind(phase: Phase) -> str:
    return next((kind for kind, pattern in _KINDS if pattern.search(phase.name)), "other")


def _bar(phase: Phase, start: float, end: float) -> str:
    kind = _kind(phase)
    detail = f": {phase.detail}" if phase.detail else ""
    title = text(f"{phase.name} {phase.seconds:.2f}s{detail}")
    ready = phase.figures.get("ready_seconds")
    wait = f'<div class="wait" style="width:{min(100, 100 * ready / phase.seconds):.1f}%"></div>' if ready else ""
    style = f"left:{100 * start / end:.2f}%;width:{100 * phase.seconds / end:.2f}%"
    failed = " failed" if phase.status == FAILED else ""
    return f'<div class="bar k-{kind}{failed}" style="{style}" title="{title}">{wait}</div>'


def _scenario(scenario: ScenarioResult, anchor: str) -> str:
    """The scenario's checks; open (and with evidence) where one failed or warned."""
    noteworthy = any(check.noteworthy for check in scenario.checks)
    rows = [
        f'<tr class="{check.status}"><td>{text(check.name)}</td><td>{MARKS[check.status]} {check.status}</td>'
        f"<td>{text(check.summary)}{_details(check) if check.noteworthy else ''}</td></tr>"
        for check in scenario.checks
    ]
    heading = f"{MARKS[scenario.status]} {text(scenario.scenario.title)} ({scenario.seconds:.1f}s)"
    table = f"<table><tr><th>check</th><th>result</th><th>what</th></tr>{''.join(rows)}</table>" if rows else ""
    opened = " open" if noteworthy else ""
    return f'<details id="{anchor}" class="scenario"{opened}><summary>{heading}</summary>{table}</details>'


def _details(check: CheckResult) -> str:
    """Where the check points (the migration file and line its annotation names), and its evidence."""
    where = check.location
    line = f":{where.line}" if where and where.line else ""
    located = f'<div class="where">at <code>{text(where.path)}{line}</code></div>' if where else ""
    shown = excerpt(check.evidence, EVIDENCE_HEAD, EVIDENCE_TAIL, "results.json")
    return located + (f'<pre class="evidence">{"".join(_line(line) for line in shown)}</pre>' if shown else "")


def _line(line: str) -> str:
    """One evidence line, highlighted by the module's rule."""
    line = mask(line)
    match = _CHANGED.search(line) or _AFTER_FRESH.search(line)
    if match:
        spans = sorted((match.span(group), tag) for group, tag in (("old", "del"), ("new", "ins")))
        parts, done = [], 0
        for (start, end), tag in spans:
            parts += [escape(line[done:start]), f"<{tag}>{escape(line[start:end])}</{tag}>"]
            done = end
        return "".join(parts) + escape(line[done:]) + "\n"
    if _REMOVED.search(line):
        return f'<span class="removed">{escape(line)}</span>\n'
    if _ADDED.search(line):
        return f'<span class="added">{escape(line)}</span>\n'
    return f"{escape(line)}\n"


def write(result: RunResult, directory: Path) -> Path:
    path = directory / "report.html"
    path.write_text(render(result))
    return path
