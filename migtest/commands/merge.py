"""`migtest merge`: the results of runs fanned out across CI runners (one scenario or a few each)
read back from their results.json and combined into one run, in plan order."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any

from migtest.errors import ConfigError
from migtest.plan import KINDS
from migtest.results import STATUSES, RunResult, ScenarioResult

RESULTS_FILE = "results.json"


def read_results(path: Path) -> RunResult:
    """A run's results.json, or the one in a report directory."""
    file = path / RESULTS_FILE if path.is_dir() else path
    if not file.is_file():
        raise ConfigError(f"no {RESULTS_FILE} here (give report directories or results.json files)", file=str(path))
    try:
        run = RunResult.from_dict(json.loads(file.read_text()))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # any shape JSON can take
        raise ConfigError(f"not a migtest {RESULTS_FILE}: {exc!r}", file=str(file)) from exc
    misfit = _misfit(run, RunResult, "") or _unknown_word(run)
    if misfit:
        raise ConfigError(f"not a migtest {RESULTS_FILE}: {misfit}", file=str(file))
    return run


def _misfit(value: Any, hint: Any, where: str) -> str | None:
    """Where `value` is not of the type `hint` says (a results.json edited by hand or written by
    another tool may hold anything, which the reports would trip over), or None."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return None
    if origin in (typing.Union, types.UnionType):
        misfits = [_misfit(value, arg, where) for arg in args]
        return None if None in misfits else misfits[0]
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            return f"{where or 'the file'} is not an object"
        fields = typing.get_type_hints(hint).items()
        return next(
            filter(None, (_misfit(getattr(value, name), kind, f"{where}.{name}") for name, kind in fields)), None
        )
    if origin in (list, dict):
        if not isinstance(value, origin):
            return f"{where} is not a {'list' if origin is list else 'mapping'}"
        items = enumerate(value) if origin is list else value.items()
        return next(filter(None, (_misfit(item, args[-1], f"{where}[{key!r}]") for key, item in items)), None)
    allowed = (int, float) if hint is float else (hint,)
    if isinstance(value, allowed) and isinstance(value, bool) == (hint is bool):
        return None
    return f"{where} is not a {getattr(hint, '__name__', hint)}"


def _unknown_word(run: RunResult) -> str | None:
    """A scenario kind or check status no migtest writes."""
    for scenario in run.scenarios:
        if scenario.scenario.kind not in KINDS:
            return f"unknown scenario kind '{scenario.scenario.kind}'"
        for check in scenario.checks:
            if check.status not in STATUSES:
                return f"unknown status '{check.status}' of check '{check.name}'"
    return None


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
    startup = [phase for _path, run in runs for phase in run.startup]
    seconds = max(run.seconds for _path, run in runs)
    return RunResult(first.config, versions, scenarios, seconds, first.root, setups, startup)


def _plan_order(result: ScenarioResult, versions: list[str]) -> tuple[int, int, int, str]:
    scenario = result.scenario

    def position(name: str | None) -> int:
        return versions.index(name) if name in versions else -1

    return KINDS.index(scenario.kind), position(scenario.source), position(scenario.target), scenario.name or ""
