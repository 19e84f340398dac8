"""Report writers: each turns a RunResult into one file in the report directory.

A module exposes `write(result, directory) -> Path`; `write_reports` calls each.
"""

from __future__ import annotations

from pathlib import Path

from migtest.results import RunResult


def write_reports(result: RunResult, directory: Path) -> list[Path]:
    from migtest.reports import json_report, junit, markdown

    directory.mkdir(parents=True, exist_ok=True)
    return [writer.write(result, directory) for writer in (json_report, junit, markdown)]
