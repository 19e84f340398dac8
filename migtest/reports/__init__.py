"""Report writers: each turns a RunResult into one file in the report directory.

A module exposes `write(result, directory) -> Path`; `write_reports` calls each and returns the
paths by report name (the names of the GitHub Action's outputs).
"""

from __future__ import annotations

from pathlib import Path

from migtest.results import RunResult


def write_reports(result: RunResult, directory: Path) -> dict[str, Path]:
    from migtest.reports import codequality, json_report, junit, markdown

    directory.mkdir(parents=True, exist_ok=True)
    writers = {"results": json_report, "junit": junit, "summary": markdown, "code_quality": codequality}
    return {name: writer.write(result, directory) for name, writer in writers.items()}
