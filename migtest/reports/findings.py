"""The failed and warned checks of a run, most important first, each at a path of the repository:
what annotations (GitHub) and code-quality reports (GitLab) are made of."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from migtest.results import WARNED, CheckResult, Location, RunResult, ScenarioResult

# A failed migration first (it explains the rest), then lost data, then drift, then the others.
RANK = ("migration", "install", "run", "rows", "content", "moves", "schema", "downgrade", "history", "idempotent")
ERROR_KIND, WARNING_KIND = "error", "warning"


@dataclass(frozen=True)
class Finding:
    scenario: ScenarioResult
    check: CheckResult
    path: str  # relative to the repository root (the CI workspace)
    line: int | None

    @property
    def kind(self) -> str:
        return WARNING_KIND if self.check.status == WARNED else ERROR_KIND


def repository_root(environ: Mapping[str, str] = os.environ) -> Path:
    """The root that CI resolves annotation and report paths against."""
    for variable in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR"):
        if environ.get(variable):
            return Path(environ[variable])
    return Path.cwd()


def inside(path: Path, root: Path) -> str | None:
    """The path relative to `root` (None when it lies outside)."""
    relative = os.path.relpath(path, root)
    return None if relative.startswith("..") else Path(relative).as_posix()


def findings(result: RunResult, root: Path | None = None) -> list[Finding]:
    """Every noteworthy check, most important first: by kind, by check, then in plan order."""
    root = root or repository_root()
    found = [
        Finding(scenario, check, *place(result, check.location, root))
        for scenario in result.scenarios
        for check in scenario.checks
        if check.noteworthy
    ]
    order = {id(finding): index for index, finding in enumerate(found)}
    return sorted(found, key=lambda f: (f.kind == WARNING_KIND, _rank(f.check.name), order[id(f)]))


def _rank(name: str) -> int:
    return RANK.index(name) if name in RANK else len(RANK)


def place(result: RunResult, location: Location | None, root: Path) -> tuple[str, int | None]:
    """The location as a path relative to the repository root (the config file when there is none)."""
    project = Path(result.root or Path(result.config).parent)
    file = project / location.path if location else Path(result.config)
    if not file.is_absolute():
        file = Path.cwd() / file
    relative = inside(file, root) or (location.path if location else Path(result.config).name)
    return relative, location.line if location else None
