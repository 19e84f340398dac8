"""Load and validate migtest.yml into typed objects; every error names the key and the file."""

from __future__ import annotations

import difflib
import math
import os
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from migtest import row_store
from migtest.database_urls import (
    ENVIRONMENT_PLACEHOLDER,
    fill_url,
    port_problem,
    unencoded_login,
    unknown_driver,
    url_problem,
)
from migtest.errors import ConfigError
from migtest.masking import register_secret, register_url_password
from migtest.scope import (
    ENGINES,
    MIGRATING,
    MIGRATION_KINDS,
    RUN_KINDS,
    ScenarioLike,
    Scope,
    name_list,
    parse_scope,
)
from migtest.shell import command_problem
from migtest.userfiles import found, load_yaml, read_text

DEFAULT_CONFIG = "migtest.yml"
MIGRATORS = ("alembic", "sql", "command", "on-start")
URL_SCHEMES = {"postgres": ("postgresql", "postgres"), "mysql": ("mysql", "mariadb"), "mariadb": ("mariadb", "mysql")}
UPGRADE_MODES = ("chain", "all-to-head", "none")
DOWNGRADE_MODES = ("chain", "none")
SQL_LAYOUTS = ("flyway", "golang-migrate")
TOP_LEVEL_KEYS = ("migrations", "database", "versions", "app", "matrix", "seed", "verify", "checks", "report", "steps")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PAGINATION_KEYS = {  # the keys of verify.api[].paginate each mode reads, beside `by`
    "page": ("param", "start", "size_param", "size", "total"),
    "offset": ("param", "size_param", "size", "total"),
    "cursor": ("param", "key"),
    "link-header": (),
}
PAGINATION_MODES = tuple(PAGINATION_KEYS)
KEY_CASES = ("camel",)
TRANSFORMS = ("slug", "lower", "upper", "strip", "string")
PREVIOUS_RELEASE_MODES = ("fail", "warn", "off")
SCHEMA_OBJECTS = ("table", "enum", "sequence")  # what the schema check's evidence lines name first
HISTORY_MODES = ("fail", "warn", "off")
MAX_GENERATED_ROWS = 1_000_000  # per table: about a minute of inserts on PostgreSQL (README, bench/generate.py)


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
    naive_timezone: str = "UTC"  # the zone a timestamp without one is in, when compared with one that has it


@dataclass(frozen=True)
class ReportConfig:
    dir: Path


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
    """A mapping being read: typed getters, and an error for every key nobody read."""

    def __init__(self, data: Any, key: str, file: str) -> None:
        self.key = key
        self.file = file
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise self.error(f"must be a mapping, got {_kind(data)}")
        self.data = data
        self.read: set[str] = set()

    def error(self, message: str, key: str | None = None) -> ConfigError:
        return ConfigError(message, file=self.file, key=self._path(key) if key else self.key or None)

    def _path(self, key: str) -> str:
        return f"{self.key}.{key}" if self.key else key

    def raw(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return self.data.get(key, default)

    def section(self, key: str) -> _Section:
        return _Section(self.raw(key), self._path(key), self.file)

    def text(self, key: str, default: str | None = None, *, choices: tuple[str, ...] = ()) -> str | None:
        value = self.raw(key, default)
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"must be a non-empty string, got {_kind(value)}", key)
        if choices and value not in choices:
            raise self.error(f"must be one of {', '.join(choices)}; got '{value}'", key)
        return value

    def command(self, key: str) -> str | None:
        """A command run as an argument list: splittable, with no shell syntax outside quotes."""
        value = self.text(key)
        problem = command_problem(value) if value is not None else None
        if problem:
            raise self.error(problem, key)
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.error(f"must be true or false, got {_kind(value)}", key)
        return value

    def number(self, key: str, default: float) -> float:
        """A finite number >= 0 (YAML's .nan and .inf are floats too)."""
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
            raise self.error(f"must be a finite number >= 0, got {_kind(value)}", key)
        return float(value)

    def items(self, key: str) -> list[Any]:
        value = self.raw(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(f"must be a list, got {_kind(value)}", key)
        return value

    def positive(self, key: str, default: float) -> float:
        """A number of seconds a wait may last: above 0 and finite."""
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
            raise self.error(f"must be a number of seconds above 0, got {_kind(value)}", key)
        return float(value)

    def integer(self, key: str, default: int) -> int:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.error(f"must be a whole number >= 1, got {_kind(value)}", key)
        return value

    def port(self, key: str, default: int | None) -> int | None:
        """A TCP port (1-65535); None when absent (or null) and there is no default."""
        value = self.raw(key, default)
        if value is None and default is None:
            return None
        if problem := port_problem(value):
            raise self.error(problem, key)
        return value

    def pairs(self, key: str, default: tuple[tuple[str, str], ...] = ()) -> tuple[tuple[str, str], ...]:
        """A mapping of names to strings (numbers and booleans are written as YAML gives them)."""
        if key not in self.data:
            self.read.add(key)
            return default
        mapping = self.section(key)
        result = []
        for name in list(mapping.data):
            value = mapping.raw(name)
            if isinstance(value, bool):
                value = str(value).lower()
            if not isinstance(value, (str, int, float)):
                raise mapping.error(f"must be a string, got {_kind(value)}", str(name))
            result.append((str(name), str(value)))
        mapping.finish()
        return tuple(result)

    def texts(self, key: str) -> tuple[str, ...]:
        items = self.items(key)
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise self.error(f"must be a string, got {_kind(item)}", f"{key}[{index}]")
        return tuple(items)

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.read, key=str)
        if unknown:
            name = str(unknown[0])
            close = difflib.get_close_matches(name, sorted(self.read), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(sorted(self.read))})"
            raise self.error(f"unknown key{hint}", name)


def _kind(value: Any) -> str:
    """Formats only what it names: a list or mapping may stand for millions of values (aliases)."""
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return f"'{value}'" if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else repr(value)


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
    data = load_yaml(file) or {}
    if database_url:
        data = _with_database_url(data, database_url)
    return parse_config(data, file)


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


def parse_config(data: Any, file: Path) -> Config:
    top = _Section(data, "", str(file))
    top.read.update(TOP_LEVEL_KEYS)
    top.finish()
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
    report_dir = root / report.text("dir", "migtest-results")
    report.finish()
    steps = _steps(top.section("steps"), root)
    top.finish()
    _check_containers(top, database, migrations, versions, app, seed, verify)
    _check_driver_placeholders(top, database.engine, migrations, seed, app)
    return Config(
        file, root, migrations, database, versions, matrix, seed, checks, ReportConfig(report_dir), steps, app, verify
    )


def _steps(section: _Section, root: Path) -> StepsConfig:
    """The default folder may be absent (no step tests); a folder named in the file must exist."""
    named = section.text("dir")
    result = StepsConfig(root / (named or "migtest/steps"), section.flag("run", False))
    section.finish()
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
    tool = section.text("tool", choices=MIGRATORS)
    if tool is None:
        raise section.error(f"missing key 'tool' (one of {', '.join(MIGRATORS)})")
    package = section.text("package")
    if package is not None and tool != "alembic":
        raise section.error(f"a package's migrations are found for tool alembic, not '{tool}'", "package")
    result = MigrationsConfig(
        tool=tool,
        # alembic.ini, or the script folder (the one holding env.py) where a project ships no ini
        config=_package_file(section, package) if package else _existing(section, "config", root, directory=None),
        dir=_existing(section, "dir", root, directory=True, dialect=dialect),
        layout=section.text("layout", choices=SQL_LAYOUTS),
        prefix=section.text("prefix", "V"),
        undo_prefix=section.text("undo_prefix", "U"),
        tables=_names(section, "table", ("migtest_schema_history",) if tool == "sql" else ()),
        upgrade=section.command("upgrade"),
        downgrade=section.command("downgrade"),
        install=section.command("install"),
        current=section.command("current"),
        history=section.command("history"),
        schema=section.text("schema"),
        package=package,
        timeout=section.positive("timeout", 600.0),
    )
    section.finish()
    required = {"alembic": "config", "sql": "dir", "command": "upgrade", "on-start": None}[tool]
    if required and getattr(result, required) is None:
        raise section.error(f"migrations.tool '{tool}' needs key '{required}'", required)
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


def _package_file(section: _Section, package: str) -> Path:
    """`config` relative to the package's folder (default alembic.ini): only the version's
    environment has it, so it is found when the version runs, and a missing one reported then."""
    value = section.text("config", "alembic.ini")
    assert value is not None
    if Path(value).is_absolute() or ".." in Path(value).parts:
        raise section.error(f"must be a path inside package '{package}', got '{value}'", "config")
    return Path(value)


def _database(section: _Section) -> DatabaseConfig:
    engine = section.text("engine", "sqlite", choices=ENGINES)
    url = _expand_environment(section, "url")
    result = DatabaseConfig(
        engine=engine,
        url=url,
        image=section.text("image"),
        schemas=section.texts("schemas"),
        ready_timeout=section.number("ready_timeout", 120.0),
        connect_timeout=section.positive("connect_timeout", 30.0),
    )
    section.finish()
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
    items = top.items("versions")
    if not items:
        raise top.error("must list at least one version, oldest first", "versions")
    versions = []
    for index, item in enumerate(items):
        section = _Section(item, f"versions[{index}]", top.file)
        name = section.text("name")
        if name is None:
            raise section.error("missing key 'name'")
        build = _build(section.section("build")) if "build" in section.data else None
        version = Version(
            name=name,
            revision=section.text("revision", "head"),
            ref=section.text("ref"),
            setup=section.command("setup"),
            image=section.text("image"),
            build=build,
        )
        section.finish()
        if version.image and (version.build or version.ref):
            raise section.error("an image is used as it is: remove 'build' and 'ref', or 'image'", "image")
        if version.containerized and version.setup:
            raise section.error("a version in an image needs no setup; build it into the image", "setup")
        if any(v.name == name for v in versions):
            raise section.error(f"version name '{name}' is used twice", "name")
        versions.append(version)
    return tuple(versions)


def _build(section: _Section) -> BuildConfig:
    result = BuildConfig(
        context=section.text("context", "."),
        dockerfile=section.text("dockerfile", "Dockerfile"),
        args=section.pairs("args"),
    )
    section.finish()
    return result


def _regex(section: _Section, key: str) -> str | None:
    value = section.text(key)
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise section.error(f"not a valid regular expression: {exc}", key) from exc
    return value


def _services(section: _Section) -> tuple[ServiceConfig, ...]:
    """`app.services`: each a name the app reaches it by (a network alias), an image, and how
    to tell it is ready."""
    services: list[ServiceConfig] = []
    for index, item in enumerate(section.items("services")):
        entry = _Section(item, f"{section.key}.services[{index}]", section.file)
        name, image = entry.text("name"), entry.text("image")
        if name is None or image is None:
            raise entry.error("needs keys 'name' (the host name the app reaches it by) and 'image'")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
            raise entry.error(f"must be a host name (letters, digits, '.', '_', '-'), got '{name}'", "name")
        if any(service.name == name for service in services):
            raise entry.error(f"service name '{name}' is used twice", "name")
        service = ServiceConfig(
            name=name,
            image=image,
            env=entry.pairs("env"),
            command=entry.command("command"),
            port=entry.port("port", None),
            health=entry.text("health"),
            health_status=entry.integer("health_status", 200),
            ready_log=_regex(entry, "ready_log"),
            ready_timeout=entry.number("ready_timeout", 60.0),
        )
        entry.finish()
        if not (service.port or service.health or service.ready_log):
            raise entry.error(
                "needs 'port' (a TCP port), 'health' (a URL) or 'ready_log' (a regex) to tell it is ready"
            )
        if service.health and "{port}" in service.health and service.port is None:
            raise entry.error("'{port}' in the health URL needs 'port' (the service's port in its container)", "health")
        services.append(service)
    return tuple(services)


def _app(section: _Section) -> AppConfig:
    ready_log = _regex(section, "ready_log")
    result = AppConfig(
        env=_secret_pairs(section, "env", AppConfig.env),
        port=section.port("port", 8000),
        health=section.text("health"),
        health_status=section.integer("health_status", 200),
        ready_log=ready_log,
        ready_timeout=section.number("ready_timeout", 120.0),
        stop_timeout=section.integer("stop_timeout", 5),
        database_path=section.text("database_path", "/data/app.db"),
        previous_release=section.text("previous_release", choices=PREVIOUS_RELEASE_MODES),
        headers=_secret_pairs(section, "headers"),
        auth=_auth(section.section("auth")) if "auth" in section.data else None,
        services=_services(section),
    )
    section.finish()
    if result.health is None and result.ready_log is None:
        raise section.error("needs 'health' (a URL such as http://{host}:{port}/health) or 'ready_log' (a regex)")
    if not result.database_path.startswith("/") or result.database_path.endswith("/"):
        raise section.error(f"must be an absolute file path, got '{result.database_path}'", "database_path")
    return result


def _auth(section: _Section) -> AuthConfig:
    basic = None
    if "basic" in section.data:
        credentials = section.section("basic")
        username, password = _secret_text(credentials, "username"), _secret_text(credentials, "password")
        credentials.finish()
        if username is None or password is None:
            raise credentials.error("needs 'username' and 'password'")
        basic = (username, password)
    login = _login(section.section("login")) if "login" in section.data else None
    scheme = section.raw("scheme", "Bearer")
    if not isinstance(scheme, str):
        raise section.error(f'must be a string ("" sends the token alone), got {_kind(scheme)}', "scheme")
    result = AuthConfig(
        bearer=_secret_text(section, "bearer"),
        basic=basic,
        login=login,
        token=section.text("token", "access_token"),
        header=section.text("header", "Authorization"),
        scheme=scheme,
    )
    section.finish()
    given = [key for key in ("bearer", "basic", "login") if getattr(result, key) is not None]
    if len(given) != 1:
        raise section.error(f"needs exactly one of 'bearer', 'basic' or 'login', got {len(given)}")
    if "token" in section.data and login is None:
        raise section.error("is read from the response of 'login': give 'login' or remove it", "token")
    return result


def _login(section: _Section) -> LoginConfig:
    path = section.text("path")
    if path is None or not path.startswith("/"):
        raise section.error(f"needs a 'path' starting with /, got {_kind(path)}", "path")
    method = section.text("method", "POST", choices=HTTP_METHODS)
    assert method is not None
    result = LoginConfig(
        path=path,
        method=method,
        json=_secret_json(section, "json", section.raw("json")),
        form=_secret_pairs(section, "form"),
        status=section.integer("status", 200),
    )
    section.finish()
    if result.json is not None and result.form:
        raise section.error("send either 'json' or 'form', not both", "form")
    return result


def _api_entries(section: _Section, versions: tuple[Version, ...]) -> list[tuple[_Section, str, tuple[str, ...]]]:
    """Each entry of `<section>.api` with its path and `versions` read and checked."""
    names = {v.name for v in versions}
    entries = []
    for index, item in enumerate(section.items("api")):
        entry = _Section(item, f"{section.key}.api[{index}]", section.file)
        path = entry.text("path")
        if path is None or not path.startswith("/"):
            raise entry.error(f"needs a 'path' starting with /, got {_kind(path)}", "path")
        only = entry.texts("versions")
        for version in only:
            if version not in names:
                raise entry.error(f"unknown version '{version}'", "versions")
        entries.append((entry, path, only))
    return entries


def _api_requests(section: _Section, versions: tuple[Version, ...]) -> tuple[ApiRequest, ...]:
    requests: list[ApiRequest] = []
    for entry, path, only in _api_entries(section, versions):
        method = entry.text("method", "POST", choices=HTTP_METHODS)
        assert method is not None
        status = entry.integer("status", 201 if method == "POST" else 200)
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
        entry.finish()
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
        if contains != "seeded" and not isinstance(contains, list):
            raise entry.error(f"must be 'seeded' or a list of objects, got {_kind(contains)}", "contains")
        read = ApiRead(
            path=path,
            status=entry.integer("status", 200),
            items=entry.text("items") or "",
            next=entry.text("next"),
            contains=() if contains == "seeded" else tuple(contains),
            seeded=contains == "seeded",
            versions=only,
            query=_secret_pairs(entry, "query"),
            headers=_secret_pairs(entry, "headers"),
            paginate=_pagination(entry.section("paginate")) if "paginate" in entry.data else None,
            max_pages=entry.integer("max_pages", 1000),
            match=_match(entry.section("match")) if "match" in entry.data else None,
        )
        entry.finish()
        if read.next and read.paginate:
            raise entry.error("give either 'next' (a link in the body) or 'paginate', not both", "paginate")
        if read.match and not read.seeded:
            raise entry.error("maps what seed.api sent: it needs 'contains: seeded'", "match")
        for key in ("path", "query"):
            unknown = sorted(_placeholders(getattr(read, key)) - captures - {"version"})
            if unknown:
                raise entry.error(f"{{{unknown[0]}}} is captured by no seed.api request", key)
        reads.append(read)
    section.finish()
    return VerifyConfig(tuple(reads), command, previous_release, target)


def _verify_command(section: _Section, app: AppConfig | None) -> tuple[str | None, str, bool]:
    """`verify.command`, `verify.previous_release` (app.previous_release is its older name: one of
    the two) and `verify.target` (which needs the command)."""
    command = section.command("command")
    mode = section.text("previous_release", choices=PREVIOUS_RELEASE_MODES)
    if mode is not None and app is not None and app.previous_release is not None:
        raise section.error("app.previous_release says this too; keep one of them", "previous_release")
    target = section.flag("target", False)
    if target and command is None:
        raise section.error("needs 'command' (what the migrated-to release runs on the migrated database)", "target")
    return command, mode or (app.previous_release if app else None) or "fail", target


def _pagination(section: _Section) -> Pagination:
    by = section.text("by", choices=PAGINATION_MODES)
    if by is None:
        raise section.error(f"missing key 'by' (one of {', '.join(PAGINATION_MODES)})")
    start = section.raw("start", 1)
    if isinstance(start, bool) or not isinstance(start, int) or start < 0:
        raise section.error(f"must be a whole number >= 0, got {_kind(start)}", "start")
    size = section.integer("size", 1) if "size" in section.data else None
    result = Pagination(
        by=by,
        param=section.text("param", {"page": "page", "offset": "offset", "cursor": "cursor"}.get(by)) or "",
        start=start,
        size_param=section.text("size_param", "limit" if by == "offset" else None),
        size=size,
        key=section.text("key"),
        total=section.text("total"),
    )
    section.finish()
    for key in section.data:
        if key != "by" and key not in PAGINATION_KEYS[by]:
            raise section.error(f"not used when paginating by {by}", str(key))
    if by == "cursor" and result.key is None:
        raise section.error("paginating by cursor needs 'key', the dotted key of the next cursor (e.g. nextCursor)")
    if size is not None and result.size_param is None:
        raise section.error("needs 'size_param', the query parameter that asks for the page size", "size")
    return result


def _match(section: _Section) -> SeededMatch:
    transforms = section.section("transform")
    steps = []
    for key in list(transforms.data):
        value = transforms.raw(key)
        names = value if isinstance(value, list) else [value]
        for name in names:
            if name not in TRANSFORMS:
                raise transforms.error(f"must be one of {', '.join(TRANSFORMS)} (or a list of them)", str(key))
        steps.append((str(key), tuple(names)))
    result = SeededMatch(
        unwrap=section.text("unwrap") or "",
        ignore=section.texts("ignore"),
        transform=tuple(steps),
        case=section.text("case", choices=KEY_CASES),
        keys=section.pairs("keys"),
    )
    section.finish()
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
        fresh=section.flag("fresh", True),
        upgrade=section.text("upgrade", "chain", choices=UPGRADE_MODES),
        skip=tuple(skips),
        downgrade=section.text("downgrade", "chain", choices=DOWNGRADE_MODES),
    )
    section.finish()
    return result


def _seed(section: _Section, root: Path, versions: tuple[Version, ...]) -> SeedConfig:
    generate = _generate(section.section("generate")) if "generate" in section.data else None
    result = SeedConfig(
        sql=section.text("sql"),
        command=section.command("command"),
        api=_api_requests(section, versions),
        generate=generate,
        restore=section.text("restore"),
    )
    section.finish()
    if result.sql:
        for version in versions:
            path = root / result.sql.replace("{version}", version.name)
            if not found(path, directory=False):
                raise section.error(f"seed file for version '{version.name}' not found: {path}", "sql")
            read_text(path)  # not UTF-8: found now, not when the first scenario seeds
    return result


def _generate(section: _Section) -> GenerateConfig:
    """`values` stay as YAML gives them: they are made the column's type once the schema is read."""
    if section.raw("rows") is None:
        raise section.error("missing key 'rows' (how many rows to generate per table, e.g. rows: 1000)")
    seed = section.raw("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise section.error(f"must be a whole number, got {_kind(seed)}", "seed")
    exclude = section.texts("exclude")
    for index, name in enumerate(exclude):
        if "" in name.strip().split("."):
            raise section.error(f"must name a table or table.column, got '{name}'", f"exclude[{index}]")
    values = section.section("values")
    for name in values.data:
        if not isinstance(name, str) or "." not in name or "" in name.split("."):
            raise values.error("must name a column as table.column", str(name))
    result = GenerateConfig(
        rows=_generated_rows(section),
        seed=seed,
        exclude=exclude,
        values=dict(values.data),
        batch=section.integer("batch", 1000),
    )
    section.finish()
    return result


def _generated_rows(section: _Section) -> int:
    rows = section.integer("rows", 1)
    if rows > MAX_GENERATED_ROWS:
        raise section.error(f"at most {MAX_GENERATED_ROWS:,} rows per table, got {rows:,}", "rows")
    return rows


def _checks(section: _Section, versions: tuple[Version, ...]) -> ChecksConfig:
    allow_changes, row_changes = _allowed_changes(section.section("allow_changes"), versions)
    allow_lost_rows, row_losses = _allowed_losses(section, versions)
    renamed = {}
    renames = section.section("renamed")
    for table in list(renames.data):
        columns = renames.section(str(table))
        renamed[str(table)] = {str(old): _new_name(columns, str(old)) for old in list(columns.data)}
        columns.finish()
    renames.finish()
    volatile = section.section("volatile")
    volatile_columns = {str(table): volatile.texts(table) for table in list(volatile.data)}
    volatile.finish()
    names = [v.name for v in versions]
    assertions = []
    for index, item in enumerate(section.items("sql")):
        entry = _Section(item, f"checks.sql[{index}]", section.file)
        name, query = entry.text("name"), entry.text("query")
        if name is None or query is None:
            raise entry.error("needs keys 'name' and 'query'")
        expect = entry.raw("expect")
        if not isinstance(expect, list) or not all(isinstance(row, list) for row in expect):
            raise entry.error("must be a list of rows, e.g. [[0]]", "expect")
        scope = parse_scope(entry, names, RUN_KINDS, target_keys=("versions", "to"))
        entry.finish()
        assertions.append(SqlAssertion(name, query, tuple(tuple(row) for row in expect), scope))
    result = ChecksConfig(
        schema=section.flag("schema", True),
        data=section.flag("data", True),
        idempotent=section.flag("idempotent", True),
        allow_changes=allow_changes,
        renamed=renamed,
        allow_lost_rows=allow_lost_rows,
        ignore_tables=section.texts("ignore_tables"),
        float_tolerance=section.number("float_tolerance", 0.0),
        sql=tuple(assertions),
        volatile=volatile_columns,
        moves=_moves(section, versions),
        row_changes=row_changes,
        row_losses=row_losses,
        accept_schema=_accepted_differences(section, names),
        history=section.text("history", choices=HISTORY_MODES),
        naive_timezone=_time_zone(section, "naive_timezone"),
    )
    section.finish()
    return result


def _time_zone(section: _Section, key: str) -> str:
    """A zone name zoneinfo knows, checked when the file is read rather than when a comparison needs it."""
    name = section.text(key) or "UTC"  # null, like a missing key, is the default
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise section.error(f"unknown time zone '{name}' (an IANA name such as UTC or Europe/Berlin)", key) from exc
    return name


def _new_name(columns: _Section, old: str) -> str:
    """`renamed.<table>.<old>`: the column's new name (null would leave the rename unchecked)."""
    new = columns.text(old)
    if new is None:
        raise columns.error("must be the column's new name, got nothing", old)
    return new


def _allowed_changes(
    section: _Section, versions: tuple[Version, ...]
) -> tuple[dict[str, tuple[str, ...]], tuple[RowChange, ...]]:
    """`{table: [column, ...]}`; an entry that is a mapping allows changes in some rows only."""
    whole: dict[str, tuple[str, ...]] = {}
    scoped = []
    for table in map(str, list(section.data)):
        columns = []
        for name, entry in _names_or_entries(section, table, "a column name"):
            if entry is None:
                columns.append(name)
                continue
            column = entry.text("column")
            if column is None:
                raise entry.error("missing key 'column'")
            rows = _row_condition(entry, table, versions)
            becomes = (entry.raw("becomes"),) if "becomes" in entry.data else None
            entry.finish()
            scoped.append(RowChange(rows, column, becomes))
        whole[table] = tuple(columns)
    section.finish()
    return {table: columns for table, columns in whole.items() if columns}, tuple(scoped)


def _names_or_entries(section: _Section, key: str, name: str) -> Iterator[tuple[str, _Section | None]]:
    """The items of a list that takes plain names (whole columns or tables) and mappings (some
    rows only): each name with None, or "" with the mapping to read."""
    for index, item in enumerate(section.items(key)):
        if isinstance(item, str):
            yield item, None
        elif isinstance(item, dict):
            yield "", _Section(item, f"{section.key}.{key}[{index}]", section.file)
        else:
            raise section.error(f"must be {name} or a mapping, got {_kind(item)}", f"{key}[{index}]")


def _allowed_losses(
    section: _Section, versions: tuple[Version, ...]
) -> tuple[tuple[str, ...], tuple[RowCondition, ...]]:
    """`[table, ...]`; an entry that is a mapping allows some rows of a table to go."""
    tables, scoped = [], []
    for name, entry in _names_or_entries(section, "allow_lost_rows", "a table name"):
        if entry is None:
            tables.append(name)
            continue
        table = entry.text("table")
        if table is None:
            raise entry.error("missing key 'table'")
        scoped.append(_row_condition(entry, table, versions))
        entry.finish()
    return tuple(tables), tuple(scoped)


def _moves(section: _Section, versions: tuple[Version, ...]) -> tuple[Move, ...]:
    moves = []
    for index, item in enumerate(section.items("moves")):
        entry = _Section(item, f"{section.key}.moves[{index}]", section.file)
        table, column = _column_reference(entry, "from")
        to_table, to_column = _column_reference(entry, "to")
        pairs = entry.pairs("key")
        if "key" in entry.data and not pairs:
            raise entry.error("must pair at least one column, e.g. {item_id: id}", "key")
        moves.append(Move(_row_condition(entry, table, versions), column, to_table, to_column, pairs))
        entry.finish()
    return tuple(moves)


def _column_reference(section: _Section, key: str) -> tuple[str, str]:
    """`table.column` (or `schema.table.column`) as its table and its column."""
    value = section.text(key)
    if value is None:
        raise section.error(f"missing key '{key}' (a column, as table.column)")
    table, _, column = value.rpartition(".")
    if not table or not column or "" in table.split("."):
        raise section.error(f"must name a column as table.column, got '{value}'", key)
    return table, column


def _row_condition(entry: _Section, table: str, versions: tuple[Version, ...]) -> RowCondition:
    """The `where` and `when` of a declaration about some rows of `table`."""
    scope = _scope(entry.section("when"), versions) if "when" in entry.data else MIGRATING
    entry.read.add("when")
    return RowCondition(entry.key, table, entry.text("where"), scope)


def _scope(section: _Section, versions: tuple[Version, ...]) -> Scope:
    """`when`: the scenarios a declaration is about (every migrating scenario when absent);
    `crosses: V` narrows it to the upgrades and skips from before V to V or later."""
    order = [v.name for v in versions]
    scope = parse_scope(section, order, MIGRATION_KINDS)
    if not scope.kinds:
        scope = replace(scope, kinds=MIGRATION_KINDS)
    crosses = name_list(section, "crosses")
    section.finish()
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
        named = [(kind, name) for kind in SCHEMA_OBJECTS if (name := entry.text(kind)) is not None]
        if len(named) != 1:
            raise entry.error(f"needs exactly one of {', '.join(SCHEMA_OBJECTS)}: the object that differs")
        (kind, name), difference = named[0], entry.text("difference")
        if difference is None:
            raise entry.error(
                "missing key 'difference': the text after \"table 'name': \" in the evidence, * for any text"
            )
        difference = difference.removeprefix(f"{kind} '{name}': ")
        if not difference.strip("* "):
            raise entry.error(
                "would accept every difference of the object: name the one difference (to skip a table, ignore_tables)",
                "difference",
            )
        reason = entry.text("reason")
        accepted.append(
            AcceptedDifference(key, kind, name, difference, parse_scope(entry, versions, MIGRATION_KINDS), reason)
        )
        entry.finish()
    return tuple(accepted)
