"""Report writers: each turns a RunResult into one file in the report directory.

A module exposes `write(result, directory) -> Path`; `write_reports` calls each and returns the
paths by report name (the names of the GitHub Action's outputs). The folder is made and tried
before the run (`writable`), so that a run of many minutes does not end with nowhere to write.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from migtest.results import RunResult


def write_reports(result: RunResult, directory: Path) -> dict[str, Path]:
    from migtest.reports import codequality, html, json_report, junit, markdown

    directory.mkdir(parents=True, exist_ok=True)
    # report.html first: the console's "Reports:" line names it first, the file to open.
    writers = {"html": html, "results": json_report, "junit": junit, "summary": markdown, "code_quality": codequality}
    return {name: writer.write(result, directory) for name, writer in writers.items()}


def writable(directory: Path) -> str | None:
    """Why reports cannot be written to `directory` (made if missing), or None."""
    if directory.exists() and not directory.is_dir():
        return f"cannot write reports to {directory}: a file of that name is in the way"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            return None
    except OSError as exc:
        return f"cannot write reports to {directory}: {exc.strerror or exc}"


def save_elsewhere(result: RunResult) -> Path:
    """results.json in a new temporary folder, for when the report folder failed at the end."""
    from migtest.reports import json_report

    return json_report.write(result, Path(tempfile.mkdtemp(prefix="migtest-results-")))
