"""`locks`: what the migration did to everyone else while it ran, judged as `checks.locks` says.

Each table read or written blocked longer than `max_blocked_ms`, each table with rows rewritten
and each index built without CONCURRENTLY on a table with rows is a finding, with the statement
that held the lock, how long, and the usual fix. Findings warn unless their key says fail: a
stall measured on a busy CI machine is evidence to read, not yet a verdict.
"""

from __future__ import annotations

import re

from migtest.checks import CheckContext
from migtest.config import LocksConfig
from migtest.locks import HeldLock, LockMeasurement, StatementSite, duration, held_for
from migtest.results import FAILED, PASSED, WARNED, CheckResult, Location

# The usual fix of a statement, by what it says; the first that matches.
ADVICE = (
    (r"\bCREATE\s+(UNIQUE\s+)?INDEX\b", "CREATE INDEX CONCURRENTLY, in a file that does not run in a transaction"),
    (r"\bFOREIGN\s+KEY\b|\bREFERENCES\b", "ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT in a later migration"),
    (r"\bSET\s+NOT\s+NULL\b", "ADD CHECK (… IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL"),
    (r"\bTYPE\b", "add a new column, fill it in batches, then switch to it"),
    (r"\bADD\s+(COLUMN\s+)?", "ADD COLUMN without a volatile default, then backfill in batches"),
)
REWRITE_ADVICE = "backfill in batches / ADD COLUMN without a volatile default"
DEFAULT_ADVICE = "set a lock_timeout and retry, and keep the statement that takes the lock short"


def check(context: CheckContext) -> list[CheckResult]:
    """Nothing where nothing was measured (SQLite, `checks.locks: off`)."""
    if not context.locks:
        return []
    options = context.options.locks
    findings = [finding for measurement in context.locks for finding in _findings(measurement, options)]
    if not findings:
        return [CheckResult("locks", PASSED, _quiet(context.locks))]
    status = FAILED if any(mode == "fail" for mode, _, _ in findings) else WARNED
    site = next((site for _, _, site in findings if site is not None), None)
    location = Location(site.file, site.line) if site else None
    summary = f"{len(findings)} lock finding(s){_longest(context.locks)} (max_blocked_ms {options.max_blocked_ms:g})"
    return [CheckResult("locks", status, summary, [line for _, line, _ in findings], location)]


def _findings(measurement: LockMeasurement, options: LocksConfig) -> list[tuple[str, str, StatementSite | None]]:
    """(mode, evidence line, site) of each finding whose key is not off: a table at most once."""
    held = {lock.relation: lock for lock in measurement.locks}
    found = []
    tables = [*(stall.table for stall in measurement.stalls), *measurement.rewritten]
    for table in dict.fromkeys(tables):
        modes = []
        if measurement.blocked_ms(table) > options.max_blocked_ms:
            modes.append(options.blocked)
        if table in measurement.rewritten:
            modes.append(options.rewrite)
        mode = _strongest(modes)
        if mode is not None:
            lock = held.get(table)
            found.append((mode, _table_line(measurement, table, lock), _site(measurement, lock)))
    if options.blocking_index != "off":
        for index in measurement.blocking_indexes:
            found.append((options.blocking_index, *_index_line(measurement, index)))
    return found


def _index_line(measurement: LockMeasurement, index: str) -> tuple[str, StatementSite | None]:
    """The index's line, with the lock its statement held where it was seen."""
    word = re.compile(rf"\b{re.escape(index)}\b", re.IGNORECASE)
    lock = next((lock for lock in measurement.locks if lock.statement and word.search(lock.statement)), None)
    built = f"index {index} built without CONCURRENTLY on a table with rows: {ADVICE[0][1]}"
    if lock is None:
        return f"{_where(measurement, measurement.site)}: {built}", measurement.site
    return f"{_held(measurement, lock.relation, lock)}; {built}", _site(measurement, lock)


def _strongest(modes: list[str]) -> str | None:
    return "fail" if "fail" in modes else "warn" if "warn" in modes else None


def _site(measurement: LockMeasurement, lock: HeldLock | None) -> StatementSite | None:
    return lock.site if lock is not None and lock.site is not None else measurement.site


def _table_line(measurement: LockMeasurement, table: str, lock: HeldLock | None) -> str:
    """ "0012_add_col.sql:3 holds AccessExclusiveLock on orders for 3.4 s; writes blocked 3.4 s
    (table rewritten): backfill in batches / …"."""
    rewritten = " (table rewritten)" if table in measurement.rewritten else ""
    return f"{_held(measurement, table, lock)}{rewritten}: {_advice(lock, rewritten)}"


def _held(measurement: LockMeasurement, table: str, lock: HeldLock | None) -> str:
    """The statement, the lock it held on the table and how long, and the stalls it caused."""
    where = _where(measurement, _site(measurement, lock))
    stall = next((s for s in measurement.stalls if s.table == table), None)
    held = (
        f"{where} holds {lock.mode} on {table} for {held_for(lock, measurement.interval_ms)}"
        if lock
        else f"{where}: {table}"
    )
    blocked = f"; writes blocked {duration(stall.write_ms)}, reads {duration(stall.read_ms)}" if stall else ""
    return held + blocked


def _where(measurement: LockMeasurement, site: StatementSite | None) -> str:
    return f"{site.file.rsplit('/', 1)[-1]}:{site.line}" if site else measurement.label


def _advice(lock: HeldLock | None, rewritten: str) -> str:
    statement = lock.statement if lock is not None and lock.statement else ""
    for pattern, advice in ADVICE:
        if re.search(pattern, statement, re.IGNORECASE):
            return advice
    return REWRITE_ADVICE if rewritten else DEFAULT_ADVICE


def _longest(measurements: list[LockMeasurement]) -> str:
    stalls = [(stall.blocked_ms, stall.table) for m in measurements for stall in m.stalls]
    longest, table = max(stalls, default=(0.0, None))
    return f"; the longest stall {duration(longest)} on {table}" if table else ""


def _quiet(measurements: list[LockMeasurement]) -> str:
    """What was measured, when nothing crossed a threshold."""
    return f"{sum(m.samples for m in measurements)} lock sample(s){_longest(measurements)}"
