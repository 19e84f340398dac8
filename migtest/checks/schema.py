"""`schema` / `downgrade`: the migrated schema equals a fresh install of the version it reached."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from migtest.capture.state import State, TableSchema
from migtest.checks import CheckContext
from migtest.config import AcceptedDifference
from migtest.results import ERROR, FAILED, PASSED, CheckResult

T = TypeVar("T")


def check(context: CheckContext) -> list[CheckResult]:
    name = "downgrade" if context.is_downgrade else "schema"
    if context.scenario.kind == "fresh" or not context.options.schema:
        return []
    skipped = context.not_run(name)
    if skipped:
        return [skipped]
    target = context.scenario.target
    if context.reference is None:
        reason = context.reference_error or "unknown error"
        return [CheckResult(name, ERROR, f"no fresh install of {target} to compare with: {reason}")]
    accepted = [entry for entry in context.options.accept_schema if context.in_scope(entry.scope)]
    differences = diff_states(context.reference, context.after)
    fresh = f"a fresh install of {target}"
    return [judged(name, differences, accepted, fresh, f"equals {fresh} ({len(context.after.schema)} tables)")]


def judged(
    name: str, differences: list[str], accepted: list[AcceptedDifference], compared_with: str, equal: str
) -> CheckResult:
    """The differences the configuration accepts pass, each named in the evidence; one it accepts
    that did not occur fails, so that accept-lists cannot rot."""
    taken = [line for line in differences if any(entry.accepts(line) for entry in accepted)]
    real = [line for line in differences if line not in taken]
    used = {entry.key for entry in accepted for line in taken if entry.accepts(line)}
    stale = [entry for entry in accepted if entry.key not in used]
    evidence = [*real, *(f"{entry.key} ({entry.describe()}) accepted, but no longer occurs" for entry in stale)]
    evidence += [f"accepted by {_acceptor(line, accepted)}: {line}" for line in taken]
    noted = f", {len(taken)} accepted difference(s)" if taken else ""
    if not real and not stale:
        return CheckResult(name, PASSED, f"{equal}{noted}", evidence)
    problems = [f"{len(real)} difference(s) in {_objects(real)} from {compared_with}"] if real else []
    if stale:
        problems.append(f"{len(stale)} accepted difference(s) no longer occur: {', '.join(e.key for e in stale)}")
    return CheckResult(name, FAILED, "; ".join(problems) + noted, evidence)


def _acceptor(line: str, accepted: list[AcceptedDifference]) -> str:
    entry = next(entry for entry in accepted if entry.accepts(line))
    return f"{entry.key} ({entry.reason})" if entry.reason else entry.key


def _objects(differences: list[str]) -> str:
    """How many tables (and types, sequences) differ: each line starts with "<kind> '<name>'"."""
    named = dict.fromkeys((line.split(" '", 1)[0], line.split("'")[1]) for line in differences)
    kinds = Counter(kind for kind, _ in named)
    return ", ".join(f"{count} {kind}(s)" for kind, count in kinds.items())


def diff_states(fresh: State, migrated: State) -> list[str]:
    """Tables, then PostgreSQL enum types and sequences: readable lines, empty when all are equal."""
    lines = diff_schemas(fresh.schema, migrated.schema)
    lines += _diff_objects("enum", _values(fresh.enums), _values(migrated.enums), _diff_attributes)
    lines += _diff_objects("sequence", fresh.sequences, migrated.sequences, _diff_attributes)
    return lines


def _values(enums: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    return {name: {"values": values} for name, values in enums.items()}


def _diff_objects(
    kind: str, fresh: dict[str, T], migrated: dict[str, T], diff: Callable[[T, T], list[str]]
) -> list[str]:
    """Objects of one kind by name: missing, added, or the lines `diff` gives for the two versions."""
    lines: list[str] = []
    for name in sorted(set(fresh) | set(migrated)):
        if name not in migrated:
            lines.append(f"{kind} '{name}': in a fresh install, missing after migrating")
        elif name not in fresh:
            lines.append(f"{kind} '{name}': present after migrating, not in a fresh install")
        else:
            lines += [f"{kind} '{name}': {line}" for line in diff(fresh[name], migrated[name])]
    return lines


def _diff_attributes(fresh: dict[str, Any], migrated: dict[str, Any], label: str = "") -> list[str]:
    return [
        f"{label}{attribute}: {migrated.get(attribute)!r} after migrating, {fresh.get(attribute)!r} fresh"
        for attribute in dict.fromkeys([*fresh, *migrated])
        if fresh.get(attribute) != migrated.get(attribute)
    ]


def diff_schemas(fresh: dict[str, TableSchema], migrated: dict[str, TableSchema]) -> list[str]:
    """Readable differences, table by table; empty when the schemas are equal."""
    return _diff_objects("table", fresh, migrated, _diff_table)


def _diff_table(fresh: TableSchema, migrated: TableSchema) -> list[str]:
    lines = []
    for column in sorted(set(fresh.columns) | set(migrated.columns)):
        if column not in migrated.columns:
            lines.append(f"column '{column}' missing after migrating")
        elif column not in fresh.columns:
            lines.append(f"column '{column}' present after migrating, not in a fresh install")
        else:
            lines += _diff_attributes(fresh.columns[column], migrated.columns[column], f"column '{column}' ")
    lines += _diff_attributes(fresh.options, migrated.options)
    if fresh.primary_key != migrated.primary_key:
        lines.append(f"primary key: {list(migrated.primary_key)} after migrating, {list(fresh.primary_key)} fresh")
    for kind in ("foreign_keys", "unique", "indexes"):
        lines += _diff_items(kind, getattr(fresh, kind), getattr(migrated, kind))
    return lines + _diff_checks(fresh.checks, migrated.checks)


def _diff_checks(fresh: list[dict[str, Any]], migrated: list[dict[str, Any]]) -> list[str]:
    """CHECK constraints pair up by expression (a name only counts where both sides chose one),
    then by name: a named check whose condition changed is one line, not two."""
    fresh, migrated = list(fresh), list(migrated)
    lines = []
    for same in (_same_check, _same_expression, _same_name):
        for check in list(migrated):
            twin = next((candidate for candidate in fresh if same(candidate, check)), None)
            if twin is None:
                continue
            fresh.remove(twin)
            migrated.remove(check)
            if twin["expression"] != check["expression"]:
                changed = f"({check['expression']}) after migrating, ({twin['expression']}) fresh"
                lines.append(f"check '{check['name']}': {changed}")
            elif twin["name"] and check["name"] and twin["name"] != check["name"]:
                named = f"named '{check['name']}' after migrating, '{twin['name']}' fresh"
                lines.append(f"check ({check['expression']}): {named}")
    lines += [f"{_check(check)} missing after migrating" for check in fresh]
    return lines + [f"{_check(check)} present after migrating, not in a fresh install" for check in migrated]


def _same_check(fresh: dict[str, Any], migrated: dict[str, Any]) -> bool:
    return fresh == migrated


def _same_expression(fresh: dict[str, Any], migrated: dict[str, Any]) -> bool:
    return fresh["expression"] == migrated["expression"]


def _same_name(fresh: dict[str, Any], migrated: dict[str, Any]) -> bool:
    return bool(fresh["name"]) and fresh["name"] == migrated["name"]


def _check(check: dict[str, Any]) -> str:
    name = f"'{check['name']}' " if check["name"] else ""
    return f"check {name}({check['expression']})"


def _diff_items(kind: str, fresh: list[dict[str, Any]], migrated: list[dict[str, Any]]) -> list[str]:
    label = kind.replace("_", " ").rstrip("s").replace("indexe", "index")
    lines = [f"{label} {_describe(item)} missing after migrating" for item in fresh if item not in migrated]
    lines += [
        f"{label} {_describe(item)} present after migrating, not in a fresh install"
        for item in migrated
        if item not in fresh
    ]
    return lines


def _describe(item: dict[str, Any]) -> str:
    name = f"'{item['name']}' " if item.get("name") else ""
    extra = "".join(f" {key}={value}" for key, value in item.items() if key not in ("name", "columns") and value)
    return f"{name}({', '.join(item['columns'])}){extra}"
