"""Load and validate migtest.yml into typed objects; every error names the key and the file."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from migtest import row_store
from migtest.config_schema import MAX_GENERATED_ROWS as MAX_GENERATED_ROWS  # read from here by consumers
from migtest.config_schema import SCHEMA_OBJECTS, accepted_difference, problems
from migtest.config_schema import TRANSFORMS as TRANSFORMS
from migtest.config_schema import kind as _kind
from migtest.database_urls import (
    ENVIRONMENT_PLACEHOLDER,
    fill_url,
    unencoded_login,
    unknown_driver,
    url_problem,
)
from migtest.errors import ConfigError
from migtest.masking import register_secret, register_url_password
from migtest.scope import (
    MIGRATING,
    MIGRATION_KINDS,
    RUN_KINDS,
    ScenarioLike,
    Scope,
    name_list,
    parse_scope,
)
from migtest.userfiles import found, load_yaml, read_text
from migtest.yaml_positions import Positions, locate, parse_key

DEFAULT_CONFIG = "migtest.yml"
LOCK_FINDINGS = ("blocked", "rewrite", "blocking_index")  # checks.locks: each fail, warn or off
URL_SCHEMES = {"postgres": ("postgresql", "postgres"), "mysql": ("mysql", "mariadb"), "mariadb": ("mariadb", "mysql")}


@dataclass(frozen=True)
class MigrationsConfig:
    tool: str
    config: Path | None = None
    dir: Path | None = None
    layout: str | None = None
    prefix: str = "V"
    undo_prefix: str = "U"
    # `migrations.table`: history tables beside the known ones; the first is sql's own, on-start's revision
    tables: tuple[str, ...] = ("migtest_schema_history",)
    upgrade: str | None = None
    downgrade: str | None = None
    install: str | None = None  # a fresh install, where it is not "upgrade from empty" (default: the upgrade)
    current: str | None = None  # prints the current revision, for every tool
    history: str | None = None  # command: lists the migrations' targets, oldest first (step walk)
    schema: str | None = None
    package: str | None = None  # alembic: `config` is relative to this package, found in the version's environment
    timeout: float = 600.0  # seconds one migration (a command, an SQL file), seed or verify command may run

    @property
    def table(self) -> str | None:
        return self.tables[0] if self.tables else None


@dataclass(frozen=True)
class DatabaseConfig:
    """`url` reaches an existing server, `image` is a server container migtest starts (server engines)."""

    engine: str = "sqlite"
    url: str | None = None
    image: str | None = None
    schemas: tuple[str, ...] = ()
    ready_timeout: float = 120.0
    connect_timeout: float = 30.0  # seconds a server may take to answer a login

    @property
    def dialect(self) -> str:
        """The SQL dialect family, `{dialect}` in migrations.dir: sqlite, postgres or mysql (also for mariadb)."""
        return "mysql" if self.engine == "mariadb" else self.engine


@dataclass(frozen=True)
class BuildConfig:
    """An image built from a Dockerfile in the version's tree (the project, or its `ref:`)."""

    context: str = "."
    dockerfile: str = "Dockerfile"
    args: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Version:
    name: str
    revision: str = "head"
    ref: str | None = None
    setup: str | None = None
    image: str | None = None
    build: BuildConfig | None = None

    @property
    def containerized(self) -> bool:
        """Its code is a container image: its commands and the app run in containers of it."""
        return self.image is not None or self.build is not None


@dataclass(frozen=True)
class LoginConfig:
    """`app.auth.login`: a request whose JSON response holds the token (`app.auth.token`)."""

    path: str
    method: str = "POST"
    json: Any = None
    form: tuple[tuple[str, str], ...] = ()
    status: int = 200


@dataclass(frozen=True)
class AuthConfig:
    """How API requests authenticate: one of a bearer token, basic auth, or a login request.

    The token (given or logged in for) is sent as `<header>: <scheme> <token>`."""

    bearer: str | None = None
    basic: tuple[str, str] | None = None
    login: LoginConfig | None = None
    token: str = "access_token"
    header: str = "Authorization"
    scheme: str = "Bearer"


@dataclass(frozen=True)
class ServiceConfig:
    """A companion the app only starts beside (a cache, a peer): started before it on the app's
    own network, reachable there by `name`, ready when all that is given holds (`port` accepts
    connections, `health` answers `health_status`, `ready_log` matches), removed with the app."""

    name: str
    image: str
    env: tuple[tuple[str, str], ...] = ()
    command: str | None = None
    port: int | None = None
    health: str | None = None
    health_status: int = 200
    ready_log: str | None = None
    ready_timeout: float = 60.0


@dataclass(frozen=True)
class AppConfig:
    """How a version's image runs as the app: `on-start` migrates by starting it, API seeding and
    verification talk to it. `{database_url}` and `{version}` are filled in `env` values;
    `headers` and `auth` go with every request of `seed.api` and `verify.api`."""

    env: tuple[tuple[str, str], ...] = (("DATABASE_URL", "{database_url}"),)
    port: int = 8000
    health: str | None = None
    health_status: int = 200
    ready_log: str | None = None
    ready_timeout: float = 120.0
    stop_timeout: int = 5  # seconds between SIGTERM and SIGKILL when a container is stopped
    init: bool = True  # the run's containers under Docker's init; false for engines without docker-init
    database_path: str = "/data/app.db"
    previous_release: str | None = None  # the older spelling of verify.previous_release
    headers: tuple[tuple[str, str], ...] = ()
    auth: AuthConfig | None = None
    services: tuple[ServiceConfig, ...] = ()


@dataclass(frozen=True)
class ApiRequest:
    """One request of `seed.api`: a status other than `status` stops the scenario. `capture` names
    values of its JSON response (name -> dotted key), `{name}` in later paths, bodies and queries."""

    path: str
    method: str = "POST"
    json: Any = None
    status: int = 201
    versions: tuple[str, ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    capture: tuple[tuple[str, str], ...] = ()

    def applies_to(self, version: str) -> bool:
        return not self.versions or version in self.versions


@dataclass(frozen=True)
class Pagination:
    """`verify.api[].paginate`: how to ask for the next page when the body holds no `next` link.

    `page`: `param` counts up from `start`; `offset`: `param` moves by the items read, `size_param`
    asks `size` at a time; both end on an empty page or once `total` (dotted key) items were read.
    `cursor`: `key` (dotted) in the body is sent as `param` until it is absent. `link-header`: the
    RFC 8288 `Link: <...>; rel="next"` header."""

    by: str
    param: str = ""
    start: int = 1
    size_param: str | None = None
    size: int | None = None
    key: str | None = None
    total: str | None = None


@dataclass(frozen=True)
class SeededMatch:
    """`verify.api[].match`: how a body sent by `seed.api` reads back. Applied in order: `unwrap`
    (the dotted key of the object inside the body), `ignore` (keys never read back), `transform`
    (key -> slug|lower|upper|strip|string, in turn), `case` (camel: snake_case keys read as
    camelCase), `keys` (sent key -> the key read, dotted for nested)."""

    unwrap: str = ""
    ignore: tuple[str, ...] = ()
    transform: tuple[tuple[str, tuple[str, ...]], ...] = ()
    case: str | None = None
    keys: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ApiRead:
    """One read of `verify.api`: every page of a listing, which must hold the expected objects.

    `items` is the dotted key of the list in a page ("" when the page is the list), `next` the
    dotted key of the next page's path or URL (absent or null on the last page). `contains` lists
    objects that must each match one item (every key equal); `seeded` stands for the JSON bodies of
    the `seed.api` requests sent to the same path."""

    path: str
    status: int = 200
    items: str = ""
    next: str | None = None
    contains: tuple[Any, ...] = ()
    seeded: bool = False
    versions: tuple[str, ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    paginate: Pagination | None = None
    max_pages: int = 1000
    match: SeededMatch | None = None

    def applies_to(self, version: str) -> bool:
        return not self.versions or version in self.versions


@dataclass(frozen=True)
class VerifyConfig:
    """`command` is run by a release on a migrated database, in its tree and environment (or a
    container of its image): by the release before the newest after each upgrade to the newest,
    as `previous_release` says (fail | warn | off, which also governs starting that release's
    app), and with `target` by the migrated-to release after every migration and fresh install."""

    api: tuple[ApiRead, ...] = ()
    command: str | None = None
    previous_release: str = "fail"
    target: bool = False


@dataclass(frozen=True)
class MatrixConfig:
    fresh: bool = True
    upgrade: str = "chain"
    skip: tuple[tuple[str, str], ...] = ()
    downgrade: str = "chain"


@dataclass(frozen=True)
class GenerateConfig:
    """`seed.generate`: rows made up from the schema; `exclude` names `table` or `table.column`,
    `values` gives `table.column` one fixed value; `seed` makes the same rows again."""

    rows: int
    seed: int = 0
    exclude: tuple[str, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)
    batch: int = 1000


@dataclass(frozen=True)
class SeedConfig:
    sql: str | None = None
    command: str | None = None
    api: tuple[ApiRequest, ...] = ()
    generate: GenerateConfig | None = None
    restore: str | None = None  # a snapshot's path, `{version}` for each release's own

    @property
    def captures(self) -> frozenset[str]:
        """The names `seed.api` requests capture from their responses."""
        return frozenset(name for request in self.api for name, _ in request.capture)


@dataclass(frozen=True)
class SqlAssertion:
    name: str
    query: str
    expect: tuple[tuple[Any, ...], ...]
    scope: Scope = field(default_factory=Scope)

    def applies_to(self, scenario: ScenarioLike, engine: str) -> bool:
        return self.scope.matches(scenario, engine)


@dataclass(frozen=True)
class AcceptedDifference:
    """A known schema difference (`checks.accept_schema`): accepted by `schema` and `downgrade`
    where `scope` says, and required there, so that the list cannot outlive the differences."""

    key: str  # where it is declared, e.g. checks.accept_schema[0]
    kind: str  # table, enum or sequence
    name: str
    difference: str  # the evidence line after "<kind> '<name>': "; * any text, ? one character
    scope: Scope = field(default_factory=Scope)
    reason: str | None = None

    def accepts(self, line: str) -> bool:
        prefix = f"{self.kind} '{self.name}': "
        if not line.startswith(prefix):
            return False
        pattern = "".join({"*": ".*", "?": "."}.get(char, re.escape(char)) for char in self.difference)
        return re.fullmatch(pattern, line[len(prefix) :], re.S) is not None

    def describe(self) -> str:
        return f"{self.kind} '{self.name}': {self.difference}"


@dataclass(frozen=True)
class RowCondition:
    """The rows of `table` a declaration is about: those matching `where` (SQL, evaluated on the
    database before migrating; None: every row), in the scenarios of `scope`. `label` is the key
    that declares it (`checks.moves[0]`), so that evidence can name it."""

    label: str
    table: str
    where: str | None = None
    scope: Scope = MIGRATING

    def describe(self) -> str:
        return self.table if self.where is None else f"{self.table} where {self.where}"


@dataclass(frozen=True)
class Move:
    """`checks.moves`: the `column` values of the rows go to `to_table.to_column`; `key` pairs the
    source's columns with the target's to find the row each value must arrive at."""

    rows: RowCondition
    column: str
    to_table: str
    to_column: str
    key: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        return f"{self.rows.table}.{self.column} -> {self.to_table}.{self.to_column}"


@dataclass(frozen=True)
class RowChange:
    """An `allow_changes` entry for some rows: their `column` values may change, or, with
    `becomes` (a 1-tuple, so that None can be the value), must become that value."""

    rows: RowCondition
    column: str
    becomes: tuple[Any] | None = None

    def describe(self) -> str:
        where = f" where {self.rows.where}" if self.rows.where else ""
        return f"{self.rows.table}.{self.column}{where}"


@dataclass(frozen=True)
class LocksConfig:
    """`checks.locks`: measure what each migration locks and blocks (PostgreSQL), and what each
    finding does: fail, warn or off. Warnings by default: a finding is worth a look, rarely a
    reason to stop a pipeline before the user says so."""

    measure: bool = True
    max_blocked_ms: float = 1000.0
    blocked: str = "warn"
    rewrite: str = "warn"
    blocking_index: str = "warn"


@dataclass(frozen=True)
class ChecksConfig:
    schema: bool = True
    data: bool = True
    idempotent: bool = True
    allow_changes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    renamed: dict[str, dict[str, str]] = field(default_factory=dict)
    allow_lost_rows: tuple[str, ...] = ()
    ignore_tables: tuple[str, ...] = ()
    float_tolerance: float = 0.0
    sql: tuple[SqlAssertion, ...] = ()
    volatile: dict[str, tuple[str, ...]] = field(default_factory=dict)
    moves: tuple[Move, ...] = ()
    row_changes: tuple[RowChange, ...] = ()
    row_losses: tuple[RowCondition, ...] = ()

    def declared_conditions(self, scenario: Any, engine: str) -> list[RowCondition]:
        """The conditions whose rows the scenario must select before migrating (those in its scope with a WHERE)."""
        declared = [*(m.rows for m in self.moves), *(c.rows for c in self.row_changes), *self.row_losses]
        return [rows for rows in declared if rows.where is not None and rows.scope.matches(scenario, engine)]

    accept_schema: tuple[AcceptedDifference, ...] = ()
    history: str | None = None  # fail | warn | off; None: what the layout's own tool does
    rolling: str | None = None  # fail | warn | off; None: warn, the app's requests only (not verify.command)
    naive_timezone: str = "UTC"  # the zone a timestamp without one is in, when compared with one that has it
    locks: LocksConfig = field(default_factory=LocksConfig)


@dataclass(frozen=True)
class ReportConfig:
    dir: Path


@dataclass(frozen=True)
class LintConfig:
    ignore: tuple[str, ...] = ()  # rule ids `migtest lint` does not report


@dataclass(frozen=True)
class StepsConfig:
    """Step tests written by users: one file per migration or group (YAML or Python) in `dir`;
    run by `migtest steps`, and by `migtest run` too when `run` is set."""

    dir: Path
    run: bool = False


@dataclass(frozen=True)
class Config:
    path: Path
    root: Path
    migrations: MigrationsConfig
    database: DatabaseConfig
    versions: tuple[Version, ...]
    matrix: MatrixConfig
    seed: SeedConfig
    checks: ChecksConfig
    report: ReportConfig
    steps: StepsConfig
    app: AppConfig | None = None
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    lint: LintConfig = field(default_factory=LintConfig)

    def version(self, name: str) -> Version:
        return next(v for v in self.versions if v.name == name)

    @property
    def schemas(self) -> tuple[str | None, ...]:
        """The schemas captured (None: the connection's default): `database.schemas` when given, else
        the default one plus `migrations.schema`. Only PostgreSQL has several per database."""
        if self.database.engine != "postgres":
            return (None,)
        return self.database.schemas or (None, *filter(None, [self.migrations.schema]))


class _Section:
    """A mapping of a file the models (config_schema) accepted, read into the run's objects: its
    values have their types, so only the rules between keys are checked here."""

    def __init__(self, data: Any, key: str, file: str) -> None:
        self.key = key
        self.file = file
        self.data = data or {}

    def error(self, message: str, key: str | None = None) -> ConfigError:
        return ConfigError(message, file=self.file, key=self._path(key) if key else self.key or None)

    def _path(self, key: str) -> str:
        return f"{self.key}.{key}" if self.key else key

    def raw(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def section(self, key: str) -> _Section:
        return _Section(self.raw(key), self._path(key), self.file)

    def text(self, key: str, default: str | None = None) -> str | None:
        """A name may be a YAML number (`name: 1.0`): it reads as written."""
        value = self.raw(key, default)
        return None if value is None else str(value)

    def items(self, key: str) -> list[Any]:
        return self.raw(key) or []

    def texts(self, key: str) -> tuple[str, ...]:
        return tuple(self.items(key))

    def pairs(self, key: str, default: tuple[tuple[str, str], ...] = ()) -> tuple[tuple[str, str], ...]:
        """A mapping of names to strings (numbers and booleans are written as YAML gives them)."""
        if key not in self.data:
            return default
        mapping = self.raw(key) or {}
        return tuple(
            (str(name), str(value).lower() if isinstance(value, bool) else str(value))
            for name, value in mapping.items()
        )


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


def engine_of_url(url: str) -> str:
    """The engine a `--database-url` names by its scheme."""
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    engines = [engine for engine, schemes in URL_SCHEMES.items() if scheme == schemes[0]]
    if not engines:
        known = ", ".join(f"{schemes[0]}://" for schemes in URL_SCHEMES.values())
        raise ConfigError(f"expected a URL starting with {known}, got {scheme}://", key="--database-url")
    return engines[0]


def _with_database_url(data: Any, url: str) -> Any:
    """The configuration using the server at `url`; the engine follows from the URL's scheme when
    the file names none (or sqlite)."""
    database = data.get("database") if isinstance(data, dict) else None
    database = dict(database) if isinstance(database, dict) else {}
    if database.get("engine") in (None, "sqlite"):
        database["engine"] = engine_of_url(url)
    if problem := url_problem(url):
        raise ConfigError(problem, key="--database-url")
    database.pop("image", None)
    return {**data, "database": {**database, "url": url}}


def parse_config(data: Any, file: Path, marks: Positions | None = None) -> Config:
    """Every mistake the schema (config_schema) finds is reported at once, each at its line;
    the rules between keys and files, checked while building, one at a time."""
    marks = marks or {}
    if found_problems := problems(data):
        raise _all_of(found_problems, str(file), marks)
    try:
        config = _construct(data, file)
    except ConfigError as error:
        if error.key is None or error.file != str(file):
            raise
        at = locate(marks, parse_key(error.key))
        raise ConfigError(error.message, file=error.file, key=error.key, line=at) from None
    if config.app is not None and config.app.previous_release is not None:
        at = locate(marks, ("app", "previous_release"))
        line = f":{at[0]}:{at[1]}" if at else ""
        print(
            f"migtest: warning: {file}{line}: key 'app.previous_release' is deprecated: "
            f"write verify.previous_release: {config.app.previous_release}",
            file=sys.stderr,
        )
    return config


def _all_of(found_problems: list[tuple[tuple[str | int, ...], str]], file: str, marks: Positions) -> ConfigError:
    """One error listing every problem at its line (the first alone reads as before)."""
    errors = [
        ConfigError(message, file=file, key=_dotted(where) or None, line=locate(marks, where))
        for where, message in found_problems
    ]
    if len(errors) == 1:
        return errors[0]
    listed = "\n".join(f"  {error}" for error in errors)
    every = ConfigError(f"{len(errors)} problems in {file}:\n{listed}")
    every.file, every.key = file, errors[0].key
    return every


def _dotted(where: tuple[str | int, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in where).lstrip(".")


def _construct(data: Any, file: Path) -> Config:
    top = _Section(data, "", str(file))
    root = file.parent
    database = _database(top.section("database"))
    migrations = _migrations(top.section("migrations"), root, database.dialect)
    versions = _versions(top)
    app = _app(top.section("app")) if "app" in top.data else None
    matrix = _matrix(top.section("matrix"), versions)
    seed = _seed(top.section("seed"), root, versions)
    verify = _verify(top.section("verify"), versions, app, seed.captures)
    checks = _checks(top.section("checks"), versions)
    report = top.section("report")
    reports = ReportConfig(root / report.text("dir", "migtest-results"))
    steps = _steps(top.section("steps"), root)
    _check_containers(top, database, migrations, versions, app, seed, verify)
    _check_driver_placeholders(top, database.engine, migrations, seed, app)
    lint = LintConfig(tuple(top.section("lint").raw("ignore") or ()))
    return Config(file, root, migrations, database, versions, matrix, seed, checks, reports, steps, app, verify, lint)


def _steps(section: _Section, root: Path) -> StepsConfig:
    """The default folder may be absent (no step tests); a folder named in the file must exist."""
    named = section.text("dir")
    result = StepsConfig(root / (named or "migtest/steps"), section.raw("run", False))
    if named and not found(result.dir, directory=True):
        raise section.error(f"directory not found: {result.dir}", "dir")
    return result


def _check_containers(
    top: _Section,
    database: DatabaseConfig,
    migrations: MigrationsConfig,
    versions: tuple[Version, ...],
    app: AppConfig | None,
    seed: SeedConfig,
    verify: VerifyConfig,
) -> None:
    """Images and the app go together: on-start needs an image per version and an `app:` section,
    API seeding and verification need a running app; mixing images and trees is not supported."""
    images = [v.containerized for v in versions]
    if any(images) and not all(images):
        index = images.index(False)
        raise top.error("give every version an image or a build, or none of them", f"versions[{index}]")
    if any(images) and migrations.tool not in ("on-start", "command"):
        raise top.error(
            f"versions with images need migrations.tool on-start or command, not '{migrations.tool}'",
            "migrations.tool",
        )
    if migrations.tool == "on-start" and not any(images):
        raise top.error("on-start needs an image or a build for every version", "versions[0]")
    needs_app = migrations.tool == "on-start" or seed.api or verify.api
    if needs_app and app is None:
        raise top.error("missing section 'app' (how to start a version's image and tell it is ready)", "app")
    if any(images) and database.url:
        host = (urlsplit(database.url).hostname or "").lower()
        if host in ("localhost", "127.0.0.1", "::1"):
            raise top.error(
                f"the versions' containers cannot reach a server on {host}: give a host name they resolve "
                "(e.g. a service container's) or use database.image",
                "database.url",
            )
    if app is not None and app.services and not any(images):
        raise top.error("services start beside the app's image: give every version an image or a build", "app.services")
    if (seed.api or verify.api) and not any(images):
        raise top.error("seed.api and verify.api talk to the app: give every version an image or a build", "versions")


def _check_driver_placeholders(
    top: _Section, engine: str, migrations: MigrationsConfig, seed: SeedConfig, app: AppConfig | None
) -> None:
    """`{database_url:<driver>}` must name a driver of the engine the run uses (known only now:
    --database-url may have changed it)."""
    filled = {
        f"migrations.{key}": getattr(migrations, key)
        for key in ("upgrade", "downgrade", "install", "current", "history")
    }
    filled["seed.command"] = seed.command
    filled.update({f"app.env.{name}": value for name, value in (app.env if app else ())})
    for key, text in filled.items():
        problem = unknown_driver(text, engine) if text else None
        if problem:
            raise top.error(problem, key)


def _existing(section: _Section, key: str, root: Path, *, directory: bool | None, dialect: str = "") -> Path | None:
    """A path relative to the file's folder that must exist: a folder, a file, or (None) either."""
    value = section.text(key)
    if value is None:
        return None
    value = value.replace("{dialect}", dialect)
    path = root / value
    if not found(path, directory=directory):
        kind = {True: "directory", False: "file", None: "file or directory"}[directory]
        raise section.error(f"{kind} not found: {path}", key)
    return path


def _migrations(section: _Section, root: Path, dialect: str) -> MigrationsConfig:
    tool = str(section.raw("tool"))
    package = section.text("package")
    result = MigrationsConfig(
        tool=tool,
        # alembic.ini, or the script folder (the one holding env.py) where a project ships no ini
        config=_package_file(section) if package else _existing(section, "config", root, directory=None),
        dir=_existing(section, "dir", root, directory=True, dialect=dialect),
        layout=section.text("layout"),
        prefix=section.text("prefix", "V"),
        undo_prefix=section.text("undo_prefix", "U"),
        tables=_names(section, "table", ("migtest_schema_history",) if tool == "sql" else ()),
        upgrade=section.text("upgrade"),
        downgrade=section.text("downgrade"),
        install=section.text("install"),
        current=section.text("current"),
        history=section.text("history"),
        schema=section.text("schema"),
        package=package,
        timeout=float(section.raw("timeout", 600.0)),
    )
    return result


def _names(section: _Section, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """One name or a list of them."""
    if isinstance(section.data.get(key), list):
        names = section.texts(key)
        if not names:
            raise section.error("must name at least one table", key)
        return names
    name = section.text(key)
    return (name,) if name else default


def _package_file(section: _Section) -> Path:
    """`config` relative to the package's folder (default alembic.ini): only the version's
    environment has it, so it is found when the version runs, and a missing one reported then."""
    return Path(section.text("config", "alembic.ini") or "alembic.ini")


def _database(section: _Section) -> DatabaseConfig:
    engine = section.text("engine", "sqlite")
    url = _expand_environment(section, "url")
    result = DatabaseConfig(
        engine=engine,
        url=url,
        image=section.text("image"),
        schemas=section.texts("schemas"),
        ready_timeout=float(section.raw("ready_timeout", 120.0)),
        connect_timeout=float(section.raw("connect_timeout", 30.0)),
    )
    if engine == "sqlite":
        for key in ("url", "image"):
            if getattr(result, key):
                raise section.error("sqlite needs no server; remove it or choose engine postgres|mysql|mariadb", key)
    elif bool(url) == bool(result.image):
        raise section.error(f"engine '{engine}' needs exactly one of 'url' (an existing server) or 'image'", "engine")
    elif url:
        scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
        if scheme not in URL_SCHEMES[engine]:
            expected = " or ".join(f"{s}://" for s in URL_SCHEMES[engine])
            raise section.error(f"a {engine} URL starts with {expected}, got {scheme}://", "url")
        if problem := url_problem(url):
            raise section.error(problem, "url")
    if result.schemas and engine != "postgres":
        raise section.error("schemas are a PostgreSQL setting", "schemas")
    return result


def _expand_environment(section: _Section, key: str) -> str | None:
    """`${NAME}` takes a value from the environment, so CI secrets stay out of migtest.yml. One that
    is the whole password is URL-encoded there, and every value that goes into the password is
    masked whole, however the URL splits it."""
    value = section.text(key)
    if value is None:
        return None
    expanded, passwords = fill_url(value, lambda name: _environment(section, key, name))
    for password in passwords:
        register_secret(password)
    register_url_password(expanded)
    problem = unencoded_login(expanded)
    if problem:
        raise section.error(problem, key)
    return expanded


def _environment(section: _Section, key: str, name: str) -> str:
    if name not in os.environ:
        raise section.error(f"environment variable {name} is not set", key)
    return os.environ[name]


def _from_environment(section: _Section, key: str, value: str) -> str:
    """`value` with each `${NAME}` replaced by the environment's, each value so taken masked in
    everything migtest prints or writes."""

    def lookup(match: re.Match[str]) -> str:
        found = _environment(section, key, match[1])
        register_secret(found)
        return found

    return ENVIRONMENT_PLACEHOLDER.sub(lookup, value)


def _secret_text(section: _Section, key: str) -> str | None:
    value = section.text(key)
    return None if value is None else _from_environment(section, key, value)


def _secret_pairs(
    section: _Section, key: str, default: tuple[tuple[str, str], ...] = ()
) -> tuple[tuple[str, str], ...]:
    """A mapping of names to strings whose `${NAME}` values come from the environment, masked."""
    pairs = section.pairs(key, default)
    return tuple((name, _from_environment(section, f"{key}.{name}", value)) for name, value in pairs)


def _secret_json(section: _Section, key: str, value: Any) -> Any:
    """A JSON body with `${NAME}` filled (and masked) in its strings."""
    if isinstance(value, str):
        return _from_environment(section, key, value)
    if isinstance(value, dict):
        return {name: _secret_json(section, f"{key}.{name}", item) for name, item in value.items()}
    if isinstance(value, list):
        return [_secret_json(section, f"{key}[{index}]", item) for index, item in enumerate(value)]
    return value


def _versions(top: _Section) -> tuple[Version, ...]:
    versions: list[Version] = []
    for index, item in enumerate(top.items("versions")):
        section = _Section(item, f"versions[{index}]", top.file)
        name = str(section.raw("name"))
        build = _build(section.section("build")) if "build" in section.data else None
        version = Version(
            name=name,
            revision=section.text("revision", "head"),
            ref=section.text("ref"),
            setup=section.text("setup"),
            image=section.text("image"),
            build=build,
        )
        versions.append(version)
    return tuple(versions)


def _build(section: _Section) -> BuildConfig:
    result = BuildConfig(
        context=section.text("context", "."),
        dockerfile=section.text("dockerfile", "Dockerfile"),
        args=section.pairs("args"),
    )
    return result


def _services(section: _Section) -> tuple[ServiceConfig, ...]:
    """`app.services`: each a name the app reaches it by (a network alias), an image, and how
    to tell it is ready."""
    services: list[ServiceConfig] = []
    for index, item in enumerate(section.items("services")):
        entry = _Section(item, f"{section.key}.services[{index}]", section.file)
        name, image = str(entry.raw("name")), str(entry.raw("image"))
        service = ServiceConfig(
            name=name,
            image=image,
            env=entry.pairs("env"),
            command=entry.text("command"),
            port=entry.raw("port", None),
            health=entry.text("health"),
            health_status=entry.raw("health_status", 200),
            ready_log=entry.text("ready_log"),
            ready_timeout=float(entry.raw("ready_timeout", 60.0)),
        )
        services.append(service)
    return tuple(services)


def _app(section: _Section) -> AppConfig:
    ready_log = section.text("ready_log")
    result = AppConfig(
        env=_secret_pairs(section, "env", AppConfig.env),
        port=section.raw("port", 8000),
        health=section.text("health"),
        health_status=section.raw("health_status", 200),
        ready_log=ready_log,
        ready_timeout=float(section.raw("ready_timeout", 120.0)),
        stop_timeout=section.raw("stop_timeout", 5),
        init=section.raw("init", True),
        database_path=section.text("database_path", "/data/app.db"),
        previous_release=section.text("previous_release"),
        headers=_secret_pairs(section, "headers"),
        auth=_auth(section.section("auth")) if "auth" in section.data else None,
        services=_services(section),
    )
    return result


def _auth(section: _Section) -> AuthConfig:
    basic = None
    if "basic" in section.data:
        credentials = section.section("basic")
        username, password = _secret_text(credentials, "username"), _secret_text(credentials, "password")
        basic = (username, password)
    login = _login(section.section("login")) if "login" in section.data else None
    scheme = section.raw("scheme", "Bearer")
    result = AuthConfig(
        bearer=_secret_text(section, "bearer"),
        basic=basic,
        login=login,
        token=section.text("token", "access_token"),
        header=section.text("header", "Authorization"),
        scheme=scheme,
    )
    return result


def _login(section: _Section) -> LoginConfig:
    path = str(section.raw("path"))
    method = section.text("method", "POST")
    assert method is not None
    result = LoginConfig(
        path=path,
        method=method,
        json=_secret_json(section, "json", section.raw("json")),
        form=_secret_pairs(section, "form"),
        status=section.raw("status", 200),
    )
    return result


def _api_entries(section: _Section, versions: tuple[Version, ...]) -> list[tuple[_Section, str, tuple[str, ...]]]:
    """Each entry of `<section>.api` with its path and `versions` read and checked."""
    names = {v.name for v in versions}
    entries = []
    for index, item in enumerate(section.items("api")):
        entry = _Section(item, f"{section.key}.api[{index}]", section.file)
        path = str(entry.raw("path"))
        only = entry.texts("versions")
        for version in only:
            if version not in names:
                raise entry.error(f"unknown version '{version}'", "versions")
        entries.append((entry, path, only))
    return entries


def _api_requests(section: _Section, versions: tuple[Version, ...]) -> tuple[ApiRequest, ...]:
    requests: list[ApiRequest] = []
    for entry, path, only in _api_entries(section, versions):
        method = entry.text("method", "POST")
        assert method is not None
        status = entry.raw("status", 201 if method == "POST" else 200)
        request = ApiRequest(
            path,
            method,
            entry.raw("json"),
            status,
            only,
            query=_secret_pairs(entry, "query"),
            headers=_secret_pairs(entry, "headers"),
            capture=_captures(entry),
        )
        earlier = {name for done in requests for name, _ in done.capture}
        for key in ("path", "json", "query", "headers"):
            too_early = sorted((_placeholders(getattr(request, key)) & _all_captures(section)) - earlier)
            if too_early:
                raise entry.error(f"uses {{{too_early[0]}}}, which no earlier request captures", key)
        requests.append(request)
    return tuple(requests)


def _all_captures(section: _Section) -> set[str]:
    """Every name some `seed.api` entry captures, so a placeholder used too early is named."""
    return {
        str(name)
        for item in section.data.get("api") or []
        if isinstance(item, dict) and isinstance(item.get("capture"), dict)
        for name in item["capture"]
    }


def _captures(entry: _Section) -> tuple[tuple[str, str], ...]:
    captures = entry.pairs("capture")
    for name, _ in captures:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name == "version":
            raise entry.error("must be a name of letters, digits and _ (not 'version')", f"capture.{name}")
    return captures


def _placeholders(*values: Any) -> set[str]:
    """The `{name}` placeholders written anywhere in these values (keys of mappings included)."""
    return set(re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", repr(values)))


def _verify(
    section: _Section, versions: tuple[Version, ...], app: AppConfig | None, captures: frozenset[str]
) -> VerifyConfig:
    command, previous_release, target = _verify_command(section, app)
    reads = []
    for entry, path, only in _api_entries(section, versions):
        contains = entry.raw("contains", "seeded")
        read = ApiRead(
            path=path,
            status=entry.raw("status", 200),
            items=entry.text("items") or "",
            next=entry.text("next"),
            contains=() if contains == "seeded" else tuple(contains),
            seeded=contains == "seeded",
            versions=only,
            query=_secret_pairs(entry, "query"),
            headers=_secret_pairs(entry, "headers"),
            paginate=_pagination(entry.section("paginate")) if "paginate" in entry.data else None,
            max_pages=entry.raw("max_pages", 1000),
            match=_match(entry.section("match")) if "match" in entry.data else None,
        )
        for key in ("path", "query"):
            unknown = sorted(_placeholders(getattr(read, key)) - captures - {"version"})
            if unknown:
                raise entry.error(f"{{{unknown[0]}}} is captured by no seed.api request", key)
        reads.append(read)
    return VerifyConfig(tuple(reads), command, previous_release, target)


def _verify_command(section: _Section, app: AppConfig | None) -> tuple[str | None, str, bool]:
    """`verify.command`, `verify.previous_release` (app.previous_release is its older name: one of
    the two) and `verify.target` (which needs the command)."""
    command = section.text("command")
    mode = section.text("previous_release")
    target = section.raw("target", False)
    return command, mode or (app.previous_release if app else None) or "fail", target


def _pagination(section: _Section) -> Pagination:
    by = section.raw("by")
    size = section.raw("size", 1) if "size" in section.data else None
    result = Pagination(
        by=by,
        param=section.text("param", {"page": "page", "offset": "offset", "cursor": "cursor"}.get(by)) or "",
        start=section.raw("start", 1),
        size_param=section.text("size_param", "limit" if by == "offset" else None),
        size=size,
        key=section.text("key"),
        total=section.text("total"),
    )
    return result


def _match(section: _Section) -> SeededMatch:
    transforms = section.section("transform")
    steps = []
    for key, value in transforms.data.items():
        steps.append((str(key), tuple(value if isinstance(value, list) else [value])))
    result = SeededMatch(
        unwrap=section.text("unwrap") or "",
        ignore=section.texts("ignore"),
        transform=tuple(steps),
        case=section.text("case"),
        keys=section.pairs("keys"),
    )
    return result


def _matrix(section: _Section, versions: tuple[Version, ...]) -> MatrixConfig:
    names = [v.name for v in versions]
    skips = []
    for index, pair in enumerate(section.items("skip")):
        key = f"skip[{index}]"
        if not (isinstance(pair, list) and len(pair) == 2):
            raise section.error(f"must be a pair [from, to], got {_kind(pair)}", key)
        for name in pair:
            if str(name) not in names:
                raise section.error(f"unknown version '{name}' (versions: {', '.join(names)})", key)
        older, newer = (str(p) for p in pair)
        if names.index(older) >= names.index(newer):
            raise section.error(f"'{older}' must be older than '{newer}'", key)
        skips.append((older, newer))
    result = MatrixConfig(
        fresh=section.raw("fresh", True),
        upgrade=section.text("upgrade", "chain"),
        skip=tuple(skips),
        downgrade=section.text("downgrade", "chain"),
    )
    return result


def _seed(section: _Section, root: Path, versions: tuple[Version, ...]) -> SeedConfig:
    generate = _generate(section.section("generate")) if "generate" in section.data else None
    result = SeedConfig(
        sql=section.text("sql"),
        command=section.text("command"),
        api=_api_requests(section, versions),
        generate=generate,
        restore=section.text("restore"),
    )
    if result.sql:
        for version in versions:
            path = root / result.sql.replace("{version}", version.name)
            if not found(path, directory=False):
                raise section.error(f"seed file for version '{version.name}' not found: {path}", "sql")
            read_text(path)  # not UTF-8: found now, not when the first scenario seeds
    return result


def _generate(section: _Section) -> GenerateConfig:
    """`values` stay as YAML gives them: they are made the column's type once the schema is read."""
    result = GenerateConfig(
        rows=section.raw("rows"),
        seed=section.raw("seed", 0),
        exclude=section.texts("exclude"),
        values=dict(section.raw("values") or {}),
        batch=section.raw("batch", 1000),
    )
    return result


def _checks(section: _Section, versions: tuple[Version, ...]) -> ChecksConfig:
    allow_changes, row_changes = _allowed_changes(section.section("allow_changes"), versions)
    allow_lost_rows, row_losses = _allowed_losses(section, versions)
    renamed = {}
    renames = section.section("renamed")
    for table in list(renames.data):
        columns = renames.section(str(table))
        renamed[str(table)] = {str(old): str(new) for old, new in columns.data.items()}
    volatile = section.section("volatile")
    volatile_columns = {str(table): volatile.texts(table) for table in list(volatile.data)}
    names = [v.name for v in versions]
    assertions = []
    for index, item in enumerate(section.items("sql")):
        entry = _Section(item, f"checks.sql[{index}]", section.file)
        name, query = str(entry.raw("name")), str(entry.raw("query"))
        expect = entry.raw("expect")
        scope = parse_scope(entry, names, RUN_KINDS, target_keys=("versions", "to"))
        assertions.append(SqlAssertion(name, query, tuple(tuple(row) for row in expect), scope))
    result = ChecksConfig(
        schema=section.raw("schema", True),
        data=section.raw("data", True),
        idempotent=section.raw("idempotent", True),
        allow_changes=allow_changes,
        renamed=renamed,
        allow_lost_rows=allow_lost_rows,
        ignore_tables=section.texts("ignore_tables"),
        float_tolerance=float(section.raw("float_tolerance", 0.0)),
        sql=tuple(assertions),
        volatile=volatile_columns,
        moves=_moves(section, versions),
        row_changes=row_changes,
        row_losses=row_losses,
        accept_schema=_accepted_differences(section, names),
        history=section.text("history"),
        rolling=section.text("rolling"),
        naive_timezone=section.text("naive_timezone") or "UTC",  # null, like a missing key, is the default
        locks=_locks(section),
    )
    return result


def _locks(section: _Section) -> LocksConfig:
    """`checks.locks`: true or a mapping of thresholds; off (YAML's false) measures nothing."""
    value = section.raw("locks", True)
    if value in (False, "off"):
        return LocksConfig(measure=False)
    locks = section.section("locks") if isinstance(value, dict) else _Section({}, "checks.locks", section.file)
    modes = {key: "off" if locks.raw(key) is False else locks.text(key, "warn") for key in LOCK_FINDINGS}
    return LocksConfig(max_blocked_ms=float(locks.raw("max_blocked_ms", 1000.0)), **modes)


def _allowed_changes(
    section: _Section, versions: tuple[Version, ...]
) -> tuple[dict[str, tuple[str, ...]], tuple[RowChange, ...]]:
    """`{table: [column, ...]}`; an entry that is a mapping allows changes in some rows only."""
    whole: dict[str, tuple[str, ...]] = {}
    scoped = []
    for table in map(str, list(section.data)):
        columns = []
        for name, entry in _names_or_entries(section, table):
            if entry is None:
                columns.append(name)
                continue
            column = str(entry.raw("column"))
            rows = _row_condition(entry, table, versions)
            becomes = (entry.raw("becomes"),) if "becomes" in entry.data else None
            scoped.append(RowChange(rows, column, becomes))
        whole[table] = tuple(columns)
    return {table: columns for table, columns in whole.items() if columns}, tuple(scoped)


def _names_or_entries(section: _Section, key: str) -> Iterator[tuple[str, _Section | None]]:
    """The items of a list that takes plain names (whole columns or tables) and mappings (some
    rows only): each name with None, or "" with the mapping to read."""
    for index, item in enumerate(section.items(key)):
        entry = _Section(item, f"{section.key}.{key}[{index}]", section.file) if isinstance(item, dict) else None
        yield ("" if entry else item), entry


def _allowed_losses(
    section: _Section, versions: tuple[Version, ...]
) -> tuple[tuple[str, ...], tuple[RowCondition, ...]]:
    """`[table, ...]`; an entry that is a mapping allows some rows of a table to go."""
    tables, scoped = [], []
    for name, entry in _names_or_entries(section, "allow_lost_rows"):
        if entry is None:
            tables.append(name)
            continue
        scoped.append(_row_condition(entry, str(entry.raw("table")), versions))
    return tuple(tables), tuple(scoped)


def _moves(section: _Section, versions: tuple[Version, ...]) -> tuple[Move, ...]:
    moves = []
    for index, item in enumerate(section.items("moves")):
        entry = _Section(item, f"{section.key}.moves[{index}]", section.file)
        table, column = _column_reference(entry, "from")
        to_table, to_column = _column_reference(entry, "to")
        pairs = entry.pairs("key")
        moves.append(Move(_row_condition(entry, table, versions), column, to_table, to_column, pairs))
    return tuple(moves)


def _column_reference(section: _Section, key: str) -> tuple[str, str]:
    """`table.column` (or `schema.table.column`) as its table and its column."""
    table, _, column = str(section.raw(key)).rpartition(".")
    return table, column


def _row_condition(entry: _Section, table: str, versions: tuple[Version, ...]) -> RowCondition:
    """The `where` and `when` of a declaration about some rows of `table`."""
    scope = _scope(entry.section("when"), versions) if "when" in entry.data else MIGRATING
    return RowCondition(entry.key, table, entry.text("where"), scope)


def _scope(section: _Section, versions: tuple[Version, ...]) -> Scope:
    """`when`: the scenarios a declaration is about (every migrating scenario when absent);
    `crosses: V` narrows it to the upgrades and skips from before V to V or later."""
    order = [v.name for v in versions]
    scope = parse_scope(section, order, MIGRATION_KINDS)
    if not scope.kinds:
        scope = replace(scope, kinds=MIGRATION_KINDS)
    crosses = name_list(section, "crosses")
    if crosses:
        if len(crosses) != 1 or crosses[0] not in order[1:]:
            raise section.error(f"must name one version after the first ({order[0]})", "crosses")
        narrowed = scope.crossing(crosses[0], order)
        if narrowed is None:
            raise section.error("matches no scenario: its parts contradict each other")
        scope = narrowed
    return scope


def _accepted_differences(section: _Section, versions: list[str]) -> tuple[AcceptedDifference, ...]:
    accepted = []
    for index, item in enumerate(section.items("accept_schema")):
        key = f"checks.accept_schema[{index}]"
        entry = _Section(item, key, section.file)
        kind, name = next((kind, str(entry.raw(kind))) for kind in SCHEMA_OBJECTS if entry.raw(kind) is not None)
        difference = accepted_difference(kind, name, str(entry.raw("difference")))
        reason = entry.text("reason")
        accepted.append(
            AcceptedDifference(key, kind, name, difference, parse_scope(entry, versions, MIGRATION_KINDS), reason)
        )
    return tuple(accepted)
