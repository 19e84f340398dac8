"""Load migtest.yml: read it with the position of every key, apply --database-url, check it whole
against the models (config_schema, which are the configuration the run reads) and report every
mistake at once, each at its file:line:column."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from migtest.capture import row_store
from migtest.config.models import MAX_GENERATED_ROWS as MAX_GENERATED_ROWS
from migtest.config.models import TRANSFORMS as TRANSFORMS
from migtest.config.models import AcceptedDifference as AcceptedDifference
from migtest.config.models import AcceptedEdit as AcceptedEdit
from migtest.config.models import ApiRead as ApiRead
from migtest.config.models import ApiRequest as ApiRequest
from migtest.config.models import AppConfig as AppConfig
from migtest.config.models import AuthConfig as AuthConfig
from migtest.config.models import ChecksConfig as ChecksConfig
from migtest.config.models import Config as Config
from migtest.config.models import DatabaseConfig as DatabaseConfig
from migtest.config.models import GenerateConfig as GenerateConfig
from migtest.config.models import LocksConfig as LocksConfig
from migtest.config.models import LoginConfig as LoginConfig
from migtest.config.models import MatrixConfig as MatrixConfig
from migtest.config.models import MigrationsConfig as MigrationsConfig
from migtest.config.models import Move as Move
from migtest.config.models import Pagination as Pagination
from migtest.config.models import RowChange as RowChange
from migtest.config.models import SeededMatch as SeededMatch
from migtest.config.models import ServiceConfig as ServiceConfig
from migtest.config.models import SqlAssertion as SqlAssertion
from migtest.config.models import Version as Version
from migtest.config.models import problem_of
from migtest.config.positions import Positions, locate
from migtest.config.scope import RowCondition as RowCondition
from migtest.config.urls import engine_of_url, url_problem
from migtest.config.userfiles import found, load_yaml
from migtest.errors import ConfigError

DEFAULT_CONFIG = "migtest.yml"


def find_config(path: str | None) -> Path:
    candidate = Path(path or DEFAULT_CONFIG)
    if not found(candidate, directory=False):
        hint = "" if path else " (run 'migtest init' to write one, or pass -c PATH)"
        raise ConfigError(f"configuration file not found{hint}", file=str(candidate))
    return candidate.resolve()


def load_config(path: str | None = None, *, database_url: str | None = None) -> Config:
    """`database_url` (the --database-url option) replaces database.url and .image."""
    row_store.budget()  # a bad MIGTEST_SPILL_ROWS stops the run before it starts
    file = find_config(path)
    marks: Positions = {}
    data = load_yaml(file, marks) or {}
    if database_url:
        data = _with_database_url(data, database_url)
    return parse_config(data, file, marks)


def _with_database_url(data: Any, url: str) -> Any:
    """The configuration using the server at `url`; the engine follows from the URL's scheme when
    the file names none (or sqlite)."""
    if not isinstance(data, dict):
        return data  # not a mapping: the models say so
    database = dict(data["database"]) if isinstance(data.get("database"), dict) else {}
    if database.get("engine") in (None, "sqlite"):
        database["engine"] = engine_of_url(url)
    if problem := url_problem(url):
        raise ConfigError(problem, key="--database-url")
    database.pop("image", None)
    return {**data, "database": {**database, "url": url}}


def parse_config(data: Any, file: Path, marks: Positions | None = None) -> Config:
    """Every mistake is reported at once, each at its line; a deprecated spelling only warns."""
    marks = marks or {}
    try:
        checked = Config.model_validate(
            {} if data is None else data, context=_context(data, file), by_alias=True, by_name=False
        )
    except ValidationError as exc:
        raise _all_of(exc, str(file), marks) from None
    older = vars(checked.app).get("previous_release") if checked.app else None  # read without its warning
    if older is not None:
        at = locate(marks, ("app", "previous_release"))
        line = f":{at[0]}:{at[1]}" if at else ""
        print(
            f"migtest: warning: {file}{line}: key 'app.previous_release' is deprecated: "
            f"write verify.previous_release: {older}",
            file=sys.stderr,
        )
    return checked


def _context(data: Any, file: Path) -> dict[str, Any]:
    """What the models' rules beyond a section read: the file, its version names (as written:
    `name: 1.0` is '1.0'), the engine the run uses."""
    top = data if isinstance(data, dict) else {}
    versions = top.get("versions") if isinstance(top.get("versions"), list) else []
    database = top.get("database") if isinstance(top.get("database"), dict) else {}
    names = tuple(str(v.get("name")) for v in versions if isinstance(v, dict) and v.get("name") is not None)
    return {"file": file, "root": file.parent, "versions": names, "engine": database.get("engine") or "sqlite"}


def _all_of(invalid: ValidationError, file: str, marks: Positions) -> ConfigError:
    """One error listing every problem at its line, top to bottom as the file reads (those of no
    known line last); a single problem alone reads as before."""
    found = [
        (locate(marks, where), where, message) for where, message in map(problem_of, invalid.errors(include_url=False))
    ]
    found.sort(key=lambda problem: problem[0] or (math.inf, math.inf))
    errors = [ConfigError(message, file=file, key=_dotted(where) or None, line=at) for at, where, message in found]
    if len(errors) == 1:
        return errors[0]
    listed = "\n".join(f"  {error}" for error in errors)
    every = ConfigError(f"{len(errors)} problems in {file}:\n{listed}")
    every.file, every.key = file, errors[0].key
    return every


def _dotted(where: tuple[str | int, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in where).lstrip(".")
