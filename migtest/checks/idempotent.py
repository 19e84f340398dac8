"""`idempotent`: running the same upgrade again changes nothing (but the declared volatile columns,
which an app that migrates on start writes on every start: running again is a restart)."""

from __future__ import annotations

from migtest.capture.state import TableData, differing, identical, on_disk
from migtest.checks import CheckContext
from migtest.checks.data import VOLATILE, VOLATILE_UNKEYED
from migtest.checks.declared import Tally
from migtest.checks.schema import diff_states
from migtest.results import FAILED, PASSED, CheckResult


def check(context: CheckContext) -> list[CheckResult]:
    if context.scenario.kind not in ("upgrade", "skip") or not context.options.idempotent:
        return []
    skipped = context.not_run("idempotent")
    if skipped:
        return [skipped]
    if context.rerun_error is not None:
        error = context.rerun_error
        return [CheckResult("idempotent", FAILED, f"running the upgrade again failed: {error}", [error.output])]
    before, after = context.after, context.rerun
    if after is None:
        return [CheckResult("idempotent", PASSED, "running the upgrade again changed nothing")]
    evidence = diff_states(before, after)
    if before.revision != after.revision:
        evidence.append(f"revision moved from {before.revision} to {after.revision}")
    volatile = Tally()
    for table in sorted(set(before.data) & set(after.data)):
        old, new = before.data[table], after.data[table]
        if _rows_changed(old, new, context.options.volatile.get(table, ()), table, volatile):
            evidence.append(f"table '{table}': rows changed ({old.count} before, {new.count} after the second run)")
    if evidence:
        return [CheckResult("idempotent", FAILED, "running the upgrade again changed the database", evidence)]
    if not volatile.counts:
        return [CheckResult("idempotent", PASSED, "running the upgrade again changed nothing")]
    summary = "running the upgrade again changed nothing but " + ", ".join(volatile.parts())
    return [CheckResult("idempotent", PASSED, summary, volatile.lines())]


def _rows_changed(old: TableData, new: TableData, volatile: tuple[str, ...], table: str, tally: Tally) -> bool:
    """Whether any row or value other than a volatile one differs; volatile ones differing are tallied."""
    if old.count != new.count or not old.same_keys(new):
        return True
    columns = list(dict.fromkeys([*old.columns, *new.columns]))
    if old.unkeyed and not _same_multiset(old, new, volatile):
        return True
    if old.unkeyed:
        for column in volatile:
            tally.add(VOLATILE_UNKEYED, f"{table}.{column}")
    changed = False
    for _, values, other in differing(old, new, columns, columns, identical):
        was, now = old.row(values), new.row(other)
        for column in columns:
            if identical(was.get(column), now.get(column)):
                continue
            if column in volatile:
                tally.add(VOLATILE, f"{table}.{column}")
            else:
                changed = True
    return changed


def _same_multiset(old: TableData, new: TableData, volatile: tuple[str, ...]) -> bool:
    """The same unkeyed rows as many times each, but for the volatile columns: compared in the
    store by the values' reprs where a table is on disk, else by sorting them."""
    if old.columns == new.columns and on_disk(old, new):
        kept = [p for p, column in enumerate(old.columns) if column not in volatile]
        return old.unkeyed.same_multiset(new.unkeyed, kept, kept)  # type: ignore[attr-defined]
    return sorted(_without(old, volatile)) == sorted(_without(new, volatile))


def _without(table: TableData, columns: tuple[str, ...]) -> list[str]:
    """Each unkeyed row but the given columns, written so that 1, 1.0 and True stay apart."""
    kept = [position for position, column in enumerate(table.columns) if column not in columns]
    names = [table.columns[position] for position in kept]
    return [repr(sorted(zip(names, (values[p] for p in kept)))) for values in table.unkeyed]
