"""GitHub Actions: annotations at the migration files, the step summary and the step outputs.

Written by `migtest run` and `migtest merge` whenever GITHUB_ACTIONS is true, so a plain `run:`
step and the action behave the same. GitHub shows at most 10 annotations of a kind per step, so
migtest prints the 10 most important of each and the summary counts the rest; a step summary
over 1 MiB is refused, so the summary is cut under it, saying what was left out.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from migtest.masking import mask
from migtest.reports import markdown
from migtest.reports.excerpt import excerpt
from migtest.reports.findings import ERROR_KIND, WARNING_KIND, Finding, findings, inside, repository_root
from migtest.results import RunResult

ANNOTATIONS_PER_KIND = 10
SUMMARY_LIMIT = 1024 * 1024
FENCE = re.compile(r"\s*(`{3,})")
EVIDENCE_LINES = (3, 9)  # the first and last lines: a traceback's error is its last


def in_actions(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    properties = {"file": finding.path, "line": finding.line, "title": f"migtest {finding.check.name}"}
    listed = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value)
    lines = [f"{finding.scenario.scenario.title}: {finding.check.summary}"]
    lines += excerpt(finding.check.evidence, *EVIDENCE_LINES, "the step summary")
    return f"::{finding.kind} {listed}::{escape_data(mask(chr(10).join(lines)))}"


def annotated(result: RunResult, root: Path | None = None) -> tuple[list[Finding], dict[str, int]]:
    """The findings to annotate (the first of each kind) and, per kind, how many are left over."""
    shown: list[Finding] = []
    left: dict[str, int] = {}
    found = findings(result, root)
    for kind in (ERROR_KIND, WARNING_KIND):
        of_kind = [f for f in found if f.kind == kind]
        shown += of_kind[:ANNOTATIONS_PER_KIND]
        if len(of_kind) > ANNOTATIONS_PER_KIND:
            left[kind] = len(of_kind) - ANNOTATIONS_PER_KIND
    return shown, left


def summary(result: RunResult, left: dict[str, int], limit: int = SUMMARY_LIMIT) -> str:
    text = markdown.render(result)
    if left:
        counts = " and ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in left.items())
        text += (
            f"\nGitHub shows at most {ANNOTATIONS_PER_KIND} annotations of a kind, the most important first; "
            f"not annotated: {counts} (all are listed above).\n"
        )
    return cut(text, limit)


def cut(text: str, limit: int, whose: str = "GitHub's limit") -> str:
    """The text within `limit` bytes, cut at a line, naming the sections left out and `whose` limit it is."""
    if len(text.encode()) <= limit:
        return text
    lines = text.splitlines()
    kept: list[str] = []
    size, fence = 0, ""  # the open code block's fence (longer than any backtick run in it)
    reserve = 2048  # for the closing fence and the note
    for line in lines:
        size += len(line.encode()) + 1
        if size > limit - reserve:
            break
        kept.append(line)
        marks = FENCE.match(line)
        if marks and not fence:
            fence = marks[1]
        elif marks and line.strip() == fence:
            fence = ""
    dropped = lines[len(kept) :]
    headings = [line.lstrip("#").strip() for line in dropped if line.startswith("#### ")]
    note = [
        fence,
        "",
        f"**Summary cut at {limit // 1024} KiB** ({whose}): {len(dropped)} lines left out"
        + (f", with the details of {len(headings)} scenario(s): {', '.join(headings[:20])}" if headings else "")
        + ". Everything is in the report directory's summary.md and results.json.",
    ]
    return "\n".join([*kept, *note]) + "\n"


def write_outputs(path: str, outputs: dict[str, str]) -> None:
    """name<<delimiter blocks: values may span lines, and a random delimiter cannot occur in them."""
    with open(path, "a", encoding="utf-8") as handle:
        for name, value in outputs.items():
            delimiter = f"migtest_{secrets.token_hex(16)}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def publish(
    result: RunResult,
    reports: dict[str, Path],
    environ: Mapping[str, str] = os.environ,
    stream: TextIO | None = None,
) -> None:
    """Annotations on stdout, the summary appended to $GITHUB_STEP_SUMMARY, outputs to $GITHUB_OUTPUT."""
    stream = stream or sys.stdout
    workspace = repository_root(environ)
    shown, left = annotated(result, workspace)
    for finding in shown:
        print(annotation(finding), file=stream, flush=True)
    if environ.get("GITHUB_STEP_SUMMARY"):
        with open(environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as handle:
            handle.write(summary(result, left))
    if environ.get("GITHUB_OUTPUT"):
        outputs = {
            "passed": str(result.count("passed")),
            "failed": str(len(result.failed)),
            **{name: _for_later_steps(path, workspace) for name, path in reports.items()},
        }
        write_outputs(environ["GITHUB_OUTPUT"], outputs)


def _for_later_steps(path: Path, workspace: Path) -> str:
    """Relative to the workspace: in a Docker action it is mounted at another path than the host's,
    and later steps (upload-artifact) run on the host."""
    return inside(path.resolve(), workspace.resolve()) or str(path)
