"""`--measured`: each finding held against what a run measured while the same migration ran
(the `locks` of a results.json): a blocking lock held on the finding's table, a rewrite of it,
an index built on it without CONCURRENTLY, or a stall of at least STALL_MS a probe felt there."""

from __future__ import annotations

from pathlib import Path

from migtest.commands.merge import read_results
from migtest.lint import Finding
from migtest.locks import LockMeasurement, held_for

# Modes that block writes: PostgreSQL's table locks from SHARE up, MySQL's metadata locks that do.
BLOCKING = frozenset(
    [
        "ShareLock",
        "ShareRowExclusiveLock",
        "ExclusiveLock",
        "AccessExclusiveLock",
        "EXCLUSIVE",
        "SHARED_NO_WRITE",
        "SHARED_NO_READ_WRITE",
    ]
)
STALL_MS = 100.0  # a probe's wait that counts as blocked: far above a tiny read's or write's own time


def annotate(findings: list[Finding], path: Path) -> None:
    """Set each finding's `measured`; a file that is no migtest results.json exits 2 (merge's check)."""
    run = read_results(path)
    measurements = [measurement for scenario in run.scenarios for measurement in scenario.locks]
    for finding in findings:
        finding.measured = verdict(finding, measurements)


def verdict(finding: Finding, measurements: list[LockMeasurement]) -> str:
    mine = [m for m in measurements if _names(m) & finding.names]
    if not mine:
        return "not measured: the report has no measurement of this migration"
    at_statement = [m for m in mine if m.site and m.site.line == finding.line]
    evidence = _evidence(finding.table, at_statement or mine) if finding.table else []
    if evidence:
        return "confirmed: " + "; ".join(evidence)
    return f"not confirmed: no blocking lock, rewrite or stall on {finding.table or 'its table'} was measured"


def _names(measurement: LockMeasurement) -> set[str]:
    names = {measurement.label}
    if measurement.site:
        names |= {Path(measurement.site.file).name, measurement.site.file}
    return names


def _bare(relation: str) -> str:
    return relation.rsplit(".", 1)[-1].strip('"`').lower()


def _evidence(table: str, measurements: list[LockMeasurement]) -> list[str]:
    found: list[str] = []
    for m in measurements:
        found += [
            f"{lock.mode} on {table} held {held_for(lock, m.interval_ms)}"
            for lock in m.locks
            if _bare(lock.relation) == table and lock.mode in BLOCKING
        ]
        found += [f"{table} rewritten" for rewritten in m.rewritten if _bare(rewritten) == table]
        found += [f"index {index} built blocking writes" for index in m.blocking_indexes if table in index.lower()]
        if m.blocked_ms(table) >= STALL_MS:
            found.append(f"reads or writes of {table} stalled {m.blocked_ms(table):.0f} ms")
    return found
