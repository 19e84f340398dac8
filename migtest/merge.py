"""`migtest merge`: the results of runs fanned out across CI runners (one scenario or a few each)
read back from their results.json and combined into one run, in plan order."""

from __future__ import annotations

import json
from pathlib import Path

from migtest.errors import ConfigError
from migtest.plan import KINDS
from migtest.results import RunResult, ScenarioResult

RESULTS_FILE = "results.json"


def read_results(path: Path) -> RunResult:
    """A run's results.json, or the one in a report directory."""
    file = path / RESULTS_FILE if path.is_dir() else path
    if not file.is_file():
        raise ConfigError(f"no {RESULTS_FILE} here (give report directories or results.json files)", file=str(path))
    try:
        return RunResult.from_dict(json.loads(file.read_text()))
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"not a migtest {RESULTS_FILE}: {exc!r}", file=str(file)) from exc


def merge(paths: list[Path]) -> RunResult:
    runs = [(path, read_results(path)) for path in paths]
    versions = list(dict.fromkeys(version for _path, run in runs for version in run.versions))
    found: dict[str, tuple[Path, ScenarioResult]] = {}
    for path, run in runs:
        for scenario in run.scenarios:
            key = scenario.scenario.id
            if key in found:
                raise ConfigError(f"scenario {key} is in {found[key][0]} too; merge each scenario once", file=str(path))
            found[key] = (path, scenario)
    scenarios = sorted((scenario for _path, scenario in found.values()), key=lambda s: _plan_order(s, versions))
    first = runs[0][1]
    # The runs ran side by side on their runners: the merged run took as long as the longest.
    setups = [phase for _path, run in runs for phase in run.setups]  # each runner set up what it ran
    return RunResult(first.config, versions, scenarios, max(run.seconds for _path, run in runs), first.root, setups)


def _plan_order(result: ScenarioResult, versions: list[str]) -> tuple[int, int, int, str]:
    scenario = result.scenario

    def position(name: str | None) -> int:
        return versions.index(name) if name in versions else -1

    return KINDS.index(scenario.kind), position(scenario.source), position(scenario.target), scenario.name or ""
