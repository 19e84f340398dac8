"""Step tests written by users, one small file per migration or group of migrations in
`steps.dir` (default migtest/steps/), so that a new migration means a new file:

YAML (`*.yml`, `*.yaml`):

    before: "0002"            # the database is brought here first
    target: "0003"            # then migrated to here
    insert:                   # rows put in at `before`, table by table
      users: [{id: 1, email: "Ada@Example.com"}]
    assert:                   # after the migration: each query must return these rows
      - query: SELECT email FROM users
        expect: [["ada@example.com"]]
    expect_error: "UNIQUE"    # or: the migration must fail, its error containing this text
                              # (or one of a list: engines word their errors differently)
    engines: [sqlite, postgres]   # only on these (database.engine); skipped elsewhere

Python (`*.py`): module constants BEFORE, TARGET (and EXPECT_ERROR, a text or a list, and
ENGINES), and functions
`before(db)` and `after(db)` receiving a DatabaseHelper (insert, rows, one, execute); an
AssertionError in `after` fails the test. Files starting with `_` are not tests.
"""

from __future__ import annotations

import importlib.util
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy

from migtest.capture.state import run_queries
from migtest.checks.assertions import rows_equal
from migtest.config import SqlAssertion
from migtest.config.scope import engine_problem
from migtest.config.userfiles import found, load_yaml
from migtest.errors import ConfigError, StepFailed
from migtest.results import ERROR, FAILED, PASSED, CheckResult
from migtest.run.db_helper import DatabaseHelper

YAML_SUFFIXES = (".yml", ".yaml")
YAML_KEYS = ("before", "target", "insert", "assert", "expect_error", "engines")
FLOAT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class StepTest:
    name: str
    path: Path
    before: str
    target: str
    expect_error: tuple[str, ...] | None = None  # the migration must fail with one of these
    engines: tuple[str, ...] = ()  # the database engines it applies to (empty: all)
    # puts in its rows; what the database refuses is a StepFailed with the database's words
    prepare: Callable[[DatabaseHelper], None] = field(default=lambda db: None, compare=False)
    verify: Callable[[DatabaseHelper], list[CheckResult]] = field(default=lambda db: [], compare=False)


def discover(directory: Path) -> list[StepTest]:
    """The step tests of the folder, by file name; none when it does not exist."""
    if not found(directory, directory=True):
        return []
    files = sorted(p for p in directory.iterdir() if p.suffix in (*YAML_SUFFIXES, ".py") and p.name[0] not in "_.")
    return [_yaml_test(path) if path.suffix in YAML_SUFFIXES else _python_test(path) for path in files]


def _yaml_test(path: Path) -> StepTest:
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError("a step test is a mapping with before, target and insert or assert", file=str(path))
    unknown = sorted(set(map(str, data)) - set(YAML_KEYS))
    if unknown:
        raise ConfigError(f"unknown key (expected {', '.join(YAML_KEYS)})", file=str(path), key=unknown[0])
    before, target = (_revision(data, key, path) for key in ("before", "target"))
    inserts = _inserts(data.get("insert") or {}, path)
    checks = data.get("assert") or []
    if not isinstance(checks, list):
        raise ConfigError("must be a list of queries and the rows they return", file=str(path), key="assert")
    assertions = [_assertion(item, index, path) for index, item in enumerate(checks)]
    expect_error = _texts(data.get("expect_error"), path)

    def prepare(db: DatabaseHelper) -> None:
        for table, rows in inserts.items():
            _insert(db, table, rows, path, before)

    def verify(db: DatabaseHelper) -> list[CheckResult]:
        with db.engine.connect() as connection:
            got = run_queries(connection, assertions)
        return [_assertion_result(assertion, got[assertion.name]) for assertion in assertions]

    engines = _engines(_texts(data.get("engines"), path, "engines") or (), path, "engines")
    return StepTest(path.stem, path, before, target, expect_error, engines, prepare, verify)


def _inserts(value: Any, path: Path) -> dict[str, list[dict[str, Any]]]:
    """`insert`: each table's rows, each row a mapping of column names to values."""
    if not isinstance(value, dict) or not all(isinstance(rows, list) for rows in value.values()):
        raise ConfigError("must map each table to a list of rows", file=str(path), key="insert")
    for table, rows in value.items():
        for index, row in enumerate(rows):
            if not isinstance(row, dict) or not all(isinstance(column, str) for column in row):
                raise ConfigError(
                    "must be a row: a mapping of column names to values", file=str(path), key=f"insert.{table}[{index}]"
                )
    return {str(table): rows for table, rows in value.items()}


def _insert(db: DatabaseHelper, table: str, rows: list[dict[str, Any]], path: Path, revision: str) -> None:
    """Rows the database does not take fail the test with its words (or, for a table or column it
    lacks, with what it has at that revision), not with migtest's traceback."""
    failure = f"{path.name}: cannot insert into '{table}'"
    try:
        db.insert(table, rows)
    except LookupError as exc:
        raise StepFailed(f"{failure}: {exc}", f"at revision {revision}, {_what_there_is(db, table)}") from exc
    except sqlalchemy.exc.StatementError as exc:
        raise StepFailed(f"{failure}: {str(exc.orig).strip().splitlines()[0]}", str(exc.orig)) from exc


def _what_there_is(db: DatabaseHelper, table: str) -> str:
    """The table's columns, or the tables when it has none by that name."""
    inspector = sqlalchemy.inspect(db.engine)
    schema, _, name = table.rpartition(".")
    if inspector.has_table(name, schema=schema or None):
        columns = [column["name"] for column in inspector.get_columns(name, schema=schema or None)]
        return f"columns of '{table}': {', '.join(columns)}"
    return f"tables: {', '.join(inspector.get_table_names(schema=schema or None)) or 'none'}"


def _texts(value: Any, path: Path, key: str = "expect_error") -> tuple[str, ...] | None:
    """A text, or a list of texts (expect_error: one of them must occur; engines: any of them)."""
    if value in (None, "", []):
        return None
    texts = value if isinstance(value, (list, tuple)) else [value]
    if not all(isinstance(text, str) and text for text in texts):
        raise ConfigError("must be a text, or a list of texts", file=str(path), key=key)
    return tuple(texts)


def _engines(names: tuple[str, ...], path: Path, key: str) -> tuple[str, ...]:
    for name in names:
        if problem := engine_problem(name):
            raise ConfigError(problem, file=str(path), key=key)
    return names


def _revision(data: dict[str, Any], key: str, path: Path) -> str:
    if data.get(key) in (None, ""):
        raise ConfigError(
            "missing: the revision the test starts at (before) and migrates to (target)", file=str(path), key=key
        )
    return str(data[key])


def _assertion(item: Any, index: int, path: Path) -> SqlAssertion:
    key = f"assert[{index}]"
    if not isinstance(item, dict) or not isinstance(item.get("query"), str):
        raise ConfigError("needs a query and the rows to expect", file=str(path), key=key)
    expect = item.get("expect", [])
    if not isinstance(expect, list) or not all(isinstance(row, list) for row in expect):
        raise ConfigError("expect must be a list of rows, e.g. [[1, 'a']]", file=str(path), key=f"{key}.expect")
    return SqlAssertion(name=str(item.get("name") or item["query"]), query=item["query"], expect=expect)


def _assertion_result(assertion: SqlAssertion, got: Any) -> CheckResult:
    name, expected = f"sql: {assertion.name}", [list(row) for row in assertion.expect]
    if isinstance(got, dict):
        return CheckResult(name, FAILED, f"query failed: {got['error']}", [assertion.query])
    if rows_equal(got, expected, FLOAT_TOLERANCE):
        return CheckResult(name, PASSED, f"returned {expected}")
    return CheckResult(name, FAILED, f"expected {expected}, got {got}", [assertion.query])


def _python_test(path: Path) -> StepTest:
    spec = importlib.util.spec_from_file_location(f"migtest_step_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == str(path)]
        where = f" (line {lines[-1]})" if lines else ""
        raise ConfigError(f"cannot import{where}: {type(exc).__name__}: {exc}", file=str(path)) from exc
    revisions = {key: getattr(module, key.upper(), None) for key in ("before", "target")}
    for key, value in revisions.items():
        if not isinstance(value, str) or not value:
            raise ConfigError("the module must set it to a revision", file=str(path), key=key.upper())
    before_hook = getattr(module, "before", None) if callable(getattr(module, "before", None)) else None
    after_hook = getattr(module, "after", None) if callable(getattr(module, "after", None)) else None

    def prepare(db: DatabaseHelper) -> None:
        if before_hook is None:
            return
        try:
            before_hook(db)
        except Exception as exc:
            raise StepFailed(f"before: {type(exc).__name__}: {exc}", _own_frames(path)) from exc

    def verify(db: DatabaseHelper) -> list[CheckResult]:
        if after_hook is None:
            return []
        try:
            after_hook(db)
        except AssertionError as exc:
            return [CheckResult("after", FAILED, str(exc) or "assertion failed", [_own_frames(path)])]
        except Exception as exc:
            return [CheckResult("after", ERROR, f"{type(exc).__name__}: {exc}", [_own_frames(path)])]
        return [CheckResult("after", PASSED, "after(db) held")]

    return StepTest(
        path.stem,
        path,
        revisions["before"],
        revisions["target"],
        _texts(getattr(module, "EXPECT_ERROR", None), path, "EXPECT_ERROR"),
        _engines(_texts(getattr(module, "ENGINES", None), path, "ENGINES") or (), path, "ENGINES"),
        prepare,
        verify,
    )


def _own_frames(path: Path) -> str:
    """The current exception's traceback from the test file on (migtest's own frames left out)."""
    lines = traceback.format_exc().splitlines()
    start = next((i for i, line in enumerate(lines) if str(path) in line), 0)
    return "\n".join(lines[start:])
