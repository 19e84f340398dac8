"""`history`: migrations already applied were not edited since (where the migrator can tell).

`checks.history` says what an edit is: fail, warn (reported, never failing the run) or off. By
default it is what the project's own tool does: Flyway validates checksums and refuses to migrate,
golang-migrate and Alembic keep none and run on, so there an edit is a warning.

An edit a release intends is declared in `checks.accept_edited`, one migration per entry with its
reason: it passes, named in the evidence. An entry in scope of a scenario that has no such edit
fails the check, as accepted schema differences do, so that the list cannot outlive the edits.
"""

from __future__ import annotations

from migtest.checks import CheckContext
from migtest.config import AcceptedEdit
from migtest.migrators import Edited
from migtest.results import FAILED, PASSED, SKIPPED, WARNED, CheckResult


def check(context: CheckContext) -> list[CheckResult]:
    run = context.migration_run
    if run is None or run.edited is None or context.scenario.kind == "fresh":
        return []
    mode = context.options.history or run.edited_default
    if mode == "off":
        return [CheckResult("history", SKIPPED, "not checked: checks.history is off")]
    accepted = [entry for entry in context.options.accept_edited if context.in_scope(entry.scope)]
    taken = {edit.migration: entry for edit in run.edited for entry in accepted if entry.revision == edit.migration}
    real = [edit for edit in run.edited if edit.migration not in taken]
    stale = [entry for entry in accepted if entry not in taken.values()]
    evidence = [line for edit in real for line in edit.evidence]
    evidence += [f"{entry.key} ({entry.revision}) accepted, but not edited here" for entry in stale]
    evidence += [line for edit in run.edited if edit.migration in taken for line in _accepted(edit, taken)]
    noted = f"{len(taken)} accepted edit(s)" if taken else ""
    inserted = sum(edit.inserted for edit in real)
    changed = len(real) - inserted
    found = [f"{changed} released migration(s) edited after they were applied"] if changed else []
    found += [f"{inserted} inserted below applied ones (never run there)"] if inserted else []
    problems = [", ".join(found)] if found else []
    if stale:
        keys = ", ".join(entry.key for entry in stale)
        problems.append(f"{len(stale)} accepted edit(s) not made in this scenario: {keys}")
    if not problems:
        summary = "every applied migration is unchanged" + (f" but {noted}" if noted else "")
        return [CheckResult("history", PASSED, summary, evidence)]
    summary = "; ".join(problems) + (f", {noted}" if noted else "")
    if mode == "warn" and not stale:
        why = "checks.history: warn" if context.options.history else "the tool keeps no checksums"
        return [CheckResult("history", WARNED, f"{summary} (warned: {why})", evidence)]
    return [CheckResult("history", FAILED, summary, evidence)]


def _accepted(edit: Edited, taken: dict[str, AcceptedEdit]) -> list[str]:
    """The edit's evidence, its first line saying which entry accepted it and why."""
    entry = taken[edit.migration]
    first, *rest = edit.evidence
    return [f"accepted by {entry.key} ({entry.reason}): {first}", *rest]
