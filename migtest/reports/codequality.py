"""gl-code-quality-report.json: GitLab's code-quality format (a list of issues with description,
check_name, fingerprint, severity and location), so failures show in merge requests at the file."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from migtest.masking import mask
from migtest.reports.findings import WARNING_KIND, Finding, findings
from migtest.results import RunResult
from migtest.results.evidence import cap_line

FILE_NAME = "gl-code-quality-report.json"
NAMES_TABLE = re.compile(r"table '[^']+'")
DATA_LOSS = ("migration", "install", "run", "rows", "content", "moves")


def issues(result: RunResult, root: Path | None = None) -> list[dict[str, Any]]:
    seen: set[str] = set()
    found = []
    for finding in findings(result, root):
        fingerprint = _fingerprint(finding, seen)
        title = f"{finding.scenario.scenario.title}: {finding.check.name}: {finding.check.summary}"
        essentials = evidence_essentials(finding.check.evidence)
        found.append(
            {
                "type": "issue",
                "check_name": f"migtest/{finding.check.name}",
                "description": mask(f"{title} ({essentials})" if essentials else title),
                "categories": ["Bug Risk"],
                "severity": _severity(finding),
                "fingerprint": fingerprint,
                "location": {"path": finding.path, "lines": {"begin": finding.line or 1}},
            }
        )
    return found


def evidence_essentials(evidence: list[str]) -> str:
    """What a one-line description needs of the evidence: its first line naming a table (a data or
    schema finding), else its last line (a failed command's error), with how many more there are."""
    lines = [line.strip() for line in "\n".join(evidence).splitlines() if line.strip()]
    if not lines:
        return ""
    first = next((line for line in lines if NAMES_TABLE.match(line)), lines[-1])
    more = f"; {len(lines) - 1} more line(s) in the job's report" if len(lines) > 1 else ""
    return cap_line(first) + more


def _severity(finding: Finding) -> str:
    if finding.kind == WARNING_KIND:
        return "minor"
    return "critical" if finding.check.name in DATA_LOSS else "major"


def _fingerprint(finding: Finding, seen: set[str]) -> str:
    """Stable across runs of the same failure (so GitLab tells new from fixed), unique in the report."""
    key = "\0".join((finding.scenario.scenario.id, finding.check.name, finding.path, finding.check.summary))
    fingerprint = hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
    while fingerprint in seen:
        fingerprint = hashlib.md5((fingerprint + key).encode(), usedforsecurity=False).hexdigest()
    seen.add(fingerprint)
    return fingerprint


def write(result: RunResult, directory: Path) -> Path:
    path = directory / FILE_NAME
    path.write_text(json.dumps(issues(result), indent=2) + "\n")
    return path
