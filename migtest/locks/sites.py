"""Where the statements a lock observer saw are written: the file and line of each, found by
locating the text the server showed (`pg_stat_activity.query`, cut at track_activity_query_size)
among the statements of the migration files that ran, so that findings annotate the statement."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from migtest.config.userfiles import read_text
from migtest.locks import LockMeasurement, StatementSite
from migtest.migrators.sql import LEADING_COMMENTS, statement_line, statements

SPACE = re.compile(r"\s+")


def _normal(statement: str) -> str:
    return SPACE.sub(" ", statement).strip().rstrip(";").strip()


def locate(statement: str, files: tuple[Path, ...], tree: Path) -> StatementSite | None:
    """The first statement of `files` that the text seen is (or starts, when the server cut it);
    its file relative to `tree` (the version's tree) where it is inside it."""
    seen = _normal(statement)
    return _first(lambda part: _normal(part).startswith(seen), files, tree) if seen else None


def naming(name: str, files: tuple[Path, ...], tree: Path) -> StatementSite | None:
    """The first ALTER or CREATE statement naming `name` (a table rewritten, an index built):
    where a statement ended between two samples, the catalogue still tells what it did."""
    word = re.compile(rf"^\s*(ALTER|CREATE)\b.*\b{re.escape(name.rsplit('.', 1)[-1])}\b", re.IGNORECASE | re.DOTALL)
    return _first(lambda part: bool(word.search(part[LEADING_COMMENTS.match(part).end() :])), files, tree)


def _first(matches: Callable[[str], bool], files: tuple[Path, ...], tree: Path) -> StatementSite | None:
    for path in files:
        parts = tuple(statements(path))
        number = next((n for n, part in enumerate(parts, 1) if matches(part)), None)
        if number is not None:
            line = statement_line(read_text(path), parts, number) or 1
            shown = path.relative_to(tree) if path.is_relative_to(tree) else path
            return StatementSite(shown.as_posix(), line)
    return None


def pin_sites(measurement: LockMeasurement, files: tuple[Path, ...], tree: Path) -> None:
    """Each held lock's site; the measurement's own is the one of its strongest lock (the locks
    are listed strongest first). `files`: the migration files that ran, in order."""
    known: dict[str, StatementSite | None] = {}
    for lock in measurement.locks:
        if lock.statement is None:
            continue
        if lock.statement not in known:
            known[lock.statement] = locate(lock.statement, files, tree)
        lock.site = known[lock.statement]
        measurement.site = measurement.site or lock.site


def settle(measurement: LockMeasurement, files: tuple[Path, ...], tree: Path, ignored: set[str]) -> None:
    """Once the migration ended: leave out migtest's own and ignored tables (the history table
    the migrator writes is no finding), pin each lock on its statement in the SQL files that ran,
    and name the measurement after its file where one file ran."""
    measurement.locks = [lock for lock in measurement.locks if lock.relation not in ignored]
    measurement.stalls = [stall for stall in measurement.stalls if stall.table not in ignored]
    measurement.rewritten = [table for table in measurement.rewritten if table not in ignored]
    if len(files) == 1:
        measurement.label = files[0].name
    sql = tuple(file for file in files if file.suffix == ".sql")  # Alembic's are Python: per migration
    pin_sites(measurement, sql, tree)
    for name in (*measurement.blocking_indexes, *measurement.rewritten):
        measurement.site = measurement.site or naming(name, sql, tree)
