"""`schema` / `downgrade`: the migrated schema equals a fresh install of the version it reached."""

from __future__ import annotations

from typing import Any

from migtest.checks import CheckContext
from migtest.results import ERROR, FAILED, PASSED, CheckResult
from migtest.state import TableSchema


def check(context: CheckContext) -> list[CheckResult]:
    name = "downgrade" if context.is_downgrade else "schema"
    if context.scenario.kind == "fresh" or not context.options.schema:
        return []
    skipped = context.not_run(name)
    if skipped:
        return [skipped]
    if context.reference is None:
        reason = context.reference_error or "unknown error"
        return [CheckResult(name, ERROR, f"no fresh install of {context.scenario.target} to compare with: {reason}")]
    differences = diff_schemas(context.reference.schema, context.after.schema)
    target = context.scenario.target
    if differences:
        tables = len({line.split("'")[1] for line in differences})
        summary = f"{len(differences)} difference(s) in {tables} table(s) from a fresh install of {target}"
        return [CheckResult(name, FAILED, summary, differences)]
    return [CheckResult(name, PASSED, f"equals a fresh install of {target} ({len(context.after.schema)} tables)")]


def diff_schemas(fresh: dict[str, TableSchema], migrated: dict[str, TableSchema]) -> list[str]:
    """Readable differences, table by table; empty when the schemas are equal."""
    lines: list[str] = []
    for table in sorted(set(fresh) | set(migrated)):
        if table not in migrated:
            lines.append(f"table '{table}': in a fresh install, missing after migrating")
        elif table not in fresh:
            lines.append(f"table '{table}': present after migrating, not in a fresh install")
        else:
            lines += [f"table '{table}': {line}" for line in _diff_table(fresh[table], migrated[table])]
    return lines


def _diff_table(fresh: TableSchema, migrated: TableSchema) -> list[str]:
    lines = []
    for column in sorted(set(fresh.columns) | set(migrated.columns)):
        if column not in migrated.columns:
            lines.append(f"column '{column}' missing after migrating")
        elif column not in fresh.columns:
            lines.append(f"column '{column}' present after migrating, not in a fresh install")
        else:
            for attribute, expected in fresh.columns[column].items():
                actual = migrated.columns[column].get(attribute)
                if actual != expected:
                    lines.append(f"column '{column}' {attribute}: {actual!r} after migrating, {expected!r} fresh")
    if fresh.primary_key != migrated.primary_key:
        lines.append(f"primary key: {list(migrated.primary_key)} after migrating, {list(fresh.primary_key)} fresh")
    for kind in ("foreign_keys", "unique", "indexes"):
        lines += _diff_items(kind, getattr(fresh, kind), getattr(migrated, kind))
    return lines


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
