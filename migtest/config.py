"""Load and validate migtest.yml into typed objects; every error names the key and the file."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from migtest.errors import ConfigError
from migtest.masking import register_url_password

DEFAULT_CONFIG = "migtest.yml"
MIGRATORS = ("alembic", "sql", "command", "on-start")
SERVER_ENGINES = ("postgres", "mysql", "mariadb")
ENGINES = ("sqlite", *SERVER_ENGINES)
URL_SCHEMES = {"postgres": ("postgresql", "postgres"), "mysql": ("mysql", "mariadb"), "mariadb": ("mariadb", "mysql")}
UPGRADE_MODES = ("chain", "all-to-head", "none")
DOWNGRADE_MODES = ("chain", "none")
SQL_LAYOUTS = ("flyway", "golang-migrate")
TOP_LEVEL_KEYS = ("migrations", "database", "versions", "app", "matrix", "seed", "verify", "checks", "report", "steps")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PREVIOUS_RELEASE_MODES = ("fail", "warn", "off")


@dataclass(frozen=True)
class MigrationsConfig:
    tool: str
    config: Path | None = None
    dir: Path | None = None
    layout: str | None = None
    prefix: str = "V"
    undo_prefix: str = "U"
    table: str | None = "migtest_schema_history"  # on-start: the app's own history table, if named
    upgrade: str | None = None
    downgrade: str | None = None
    current: str | None = None
    history: str | None = None  # command: lists the migrations' targets, oldest first (step walk)
    schema: str | None = None


@dataclass(frozen=True)
class DatabaseConfig:
    """`url` reaches an existing server, `image` is a server container migtest starts (server engines)."""

    engine: str = "sqlite"
    url: str | None = None
    image: str | None = None
    schemas: tuple[str, ...] = ()
    ready_timeout: float = 120.0

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
    verification talk to it. `{database_url}` and `{version}` are filled in `env` values."""

    env: tuple[tuple[str, str], ...] = (("DATABASE_URL", "{database_url}"),)
    port: int = 8000
    health: str | None = None
    health_status: int = 200
    ready_log: str | None = None
    ready_timeout: float = 120.0
    database_path: str = "/data/app.db"
    previous_release: str | None = None  # the older spelling of verify.previous_release
    services: tuple[ServiceConfig, ...] = ()


@dataclass(frozen=True)
class ApiRequest:
    """One request of `seed.api`: a status other than `status` stops the scenario."""

    path: str
    method: str = "POST"
    json: Any = None
    status: int = 201
    versions: tuple[str, ...] = ()

    def applies_to(self, version: str) -> bool:
        return not self.versions or version in self.versions


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


@dataclass(frozen=True)
class SqlAssertion:
    name: str
    query: str
    expect: tuple[tuple[Any, ...], ...]
    versions: tuple[str, ...] = ()

    def applies_to(self, version: str) -> bool:
        return not self.versions or version in self.versions


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

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.error(f"must be true or false, got {_kind(value)}", key)
        return value

    def number(self, key: str, default: float) -> float:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise self.error(f"must be a number >= 0, got {_kind(value)}", key)
        return float(value)

    def items(self, key: str) -> list[Any]:
        value = self.raw(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(f"must be a list, got {_kind(value)}", key)
        return value

    def integer(self, key: str, default: int) -> int:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.error(f"must be a whole number >= 1, got {_kind(value)}", key)
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
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: f"'{value}'", bool: str(value).lower()}.get(
        type(value), repr(value)
    )


def find_config(path: str | None) -> Path:
    candidate = Path(path or DEFAULT_CONFIG)
    if not candidate.is_file():
        hint = "" if path else " (run 'migtest init' to write one, or pass -c PATH)"
        raise ConfigError(f"configuration file not found{hint}", file=str(candidate))
    return candidate.resolve()


def load_config(path: str | None = None, *, database_url: str | None = None) -> Config:
    """`database_url` (the --database-url option) replaces database.url and .image."""
    file = find_config(path)
    try:
        data = yaml.safe_load(file.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", file=str(file)) from exc
    if database_url:
        data = _with_database_url(data, database_url)
    return parse_config(data, file)


def _with_database_url(data: Any, url: str) -> Any:
    """The configuration using the server at `url`; the engine follows from the URL's scheme when
    the file names none (or sqlite)."""
    database = data.get("database") if isinstance(data, dict) else None
    database = dict(database) if isinstance(database, dict) else {}
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    engines = [engine for engine, schemes in URL_SCHEMES.items() if scheme == schemes[0]]
    if database.get("engine") in (None, "sqlite"):
        if not engines:
            known = ", ".join(f"{schemes[0]}://" for schemes in URL_SCHEMES.values())
            raise ConfigError(f"expected a URL starting with {known}, got {scheme}://", key="--database-url")
        database["engine"] = engines[0]
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
    verify = _verify(top.section("verify"), versions, app)
    checks = _checks(top.section("checks"), versions)
    report = top.section("report")
    report_dir = root / report.text("dir", "migtest-results")
    report.finish()
    steps = _steps(top.section("steps"), root)
    top.finish()
    _check_containers(top, database, migrations, versions, app, seed, verify)
    return Config(
        file, root, migrations, database, versions, matrix, seed, checks, ReportConfig(report_dir), steps, app, verify
    )


def _steps(section: _Section, root: Path) -> StepsConfig:
    """The default folder may be absent (no step tests); a folder named in the file must exist."""
    named = section.text("dir")
    result = StepsConfig(root / (named or "migtest/steps"), section.flag("run", False))
    section.finish()
    if named and not result.dir.is_dir():
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


def _existing(section: _Section, key: str, root: Path, *, directory: bool, dialect: str = "") -> Path | None:
    value = section.text(key)
    if value is None:
        return None
    value = value.replace("{dialect}", dialect)
    path = root / value
    if not (path.is_dir() if directory else path.is_file()):
        raise section.error(f"{'directory' if directory else 'file'} not found: {path}", key)
    return path


def _migrations(section: _Section, root: Path, dialect: str) -> MigrationsConfig:
    tool = section.text("tool", choices=MIGRATORS)
    if tool is None:
        raise section.error(f"missing key 'tool' (one of {', '.join(MIGRATORS)})")
    result = MigrationsConfig(
        tool=tool,
        config=_existing(section, "config", root, directory=False),
        dir=_existing(section, "dir", root, directory=True, dialect=dialect),
        layout=section.text("layout", choices=SQL_LAYOUTS),
        prefix=section.text("prefix", "V"),
        undo_prefix=section.text("undo_prefix", "U"),
        table=section.text("table", None if tool == "on-start" else "migtest_schema_history"),
        upgrade=section.text("upgrade"),
        downgrade=section.text("downgrade"),
        current=section.text("current"),
        history=section.text("history"),
        schema=section.text("schema"),
    )
    section.finish()
    required = {"alembic": "config", "sql": "dir", "command": "upgrade", "on-start": None}[tool]
    if required and getattr(result, required) is None:
        raise section.error(f"migrations.tool '{tool}' needs key '{required}'", required)
    return result


def _database(section: _Section) -> DatabaseConfig:
    engine = section.text("engine", "sqlite", choices=ENGINES)
    url = _expand_environment(section, "url")
    result = DatabaseConfig(
        engine=engine,
        url=url,
        image=section.text("image"),
        schemas=section.texts("schemas"),
        ready_timeout=section.number("ready_timeout", 120.0),
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
    if result.schemas and engine != "postgres":
        raise section.error("schemas are a PostgreSQL setting", "schemas")
    return result


def _expand_environment(section: _Section, key: str) -> str | None:
    """`${NAME}` takes a value from the environment, so CI secrets stay out of migtest.yml."""
    value = section.text(key)
    if value is None:
        return None

    def lookup(match: re.Match[str]) -> str:
        name = match[1]
        if name not in os.environ:
            raise section.error(f"environment variable {name} is not set", key)
        return os.environ[name]

    expanded = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lookup, value)
    register_url_password(expanded)
    return expanded


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
            setup=section.text("setup"),
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
        port = entry.raw("port")
        service = ServiceConfig(
            name=name,
            image=image,
            env=entry.pairs("env"),
            command=entry.text("command"),
            port=None if port is None else entry.integer("port", 1),
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
        env=section.pairs("env", AppConfig.env),
        port=section.integer("port", 8000),
        health=section.text("health"),
        health_status=section.integer("health_status", 200),
        ready_log=ready_log,
        ready_timeout=section.number("ready_timeout", 120.0),
        database_path=section.text("database_path", "/data/app.db"),
        previous_release=section.text("previous_release", choices=PREVIOUS_RELEASE_MODES),
        services=_services(section),
    )
    section.finish()
    if result.health is None and result.ready_log is None:
        raise section.error("needs 'health' (a URL such as http://{host}:{port}/health) or 'ready_log' (a regex)")
    if not result.database_path.startswith("/") or result.database_path.endswith("/"):
        raise section.error(f"must be an absolute file path, got '{result.database_path}'", "database_path")
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
    requests = []
    for entry, path, only in _api_entries(section, versions):
        method = entry.text("method", "POST", choices=HTTP_METHODS)
        assert method is not None
        status = entry.integer("status", 201 if method == "POST" else 200)
        requests.append(ApiRequest(path, method, entry.raw("json"), status, only))
        entry.finish()
    return tuple(requests)


def _verify(section: _Section, versions: tuple[Version, ...], app: AppConfig | None) -> VerifyConfig:
    command, previous_release, target = _verify_command(section, app)
    reads = []
    for entry, path, only in _api_entries(section, versions):
        contains = entry.raw("contains", "seeded")
        if contains != "seeded" and not isinstance(contains, list):
            raise entry.error(f"must be 'seeded' or a list of objects, got {_kind(contains)}", "contains")
        reads.append(
            ApiRead(
                path=path,
                status=entry.integer("status", 200),
                items=entry.text("items") or "",
                next=entry.text("next"),
                contains=() if contains == "seeded" else tuple(contains),
                seeded=contains == "seeded",
                versions=only,
            )
        )
        entry.finish()
    section.finish()
    return VerifyConfig(tuple(reads), command, previous_release, target)


def _verify_command(section: _Section, app: AppConfig | None) -> tuple[str | None, str, bool]:
    """`verify.command`, `verify.previous_release` (app.previous_release is its older name: one of
    the two) and `verify.target` (which needs the command)."""
    command = section.text("command")
    mode = section.text("previous_release", choices=PREVIOUS_RELEASE_MODES)
    if mode is not None and app is not None and app.previous_release is not None:
        raise section.error("app.previous_release says this too; keep one of them", "previous_release")
    target = section.flag("target", False)
    if target and command is None:
        raise section.error("needs 'command' (what the migrated-to release runs on the migrated database)", "target")
    return command, mode or (app.previous_release if app else None) or "fail", target


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
        command=section.text("command"),
        api=_api_requests(section, versions),
        generate=generate,
    )
    section.finish()
    if result.sql:
        for version in versions:
            path = root / result.sql.replace("{version}", version.name)
            if not path.is_file():
                raise section.error(f"seed file for version '{version.name}' not found: {path}", "sql")
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
        rows=section.integer("rows", 1),
        seed=seed,
        exclude=exclude,
        values=dict(values.data),
        batch=section.integer("batch", 1000),
    )
    section.finish()
    return result


def _checks(section: _Section, versions: tuple[Version, ...]) -> ChecksConfig:
    allow = section.section("allow_changes")
    allow_changes = {str(table): allow.texts(table) for table in list(allow.data)}
    allow.finish()
    renamed = {}
    renames = section.section("renamed")
    for table in list(renames.data):
        columns = renames.section(str(table))
        renamed[str(table)] = {str(old): columns.text(str(old)) for old in list(columns.data)}
        columns.finish()
    renames.finish()
    names = {v.name for v in versions}
    assertions = []
    for index, item in enumerate(section.items("sql")):
        entry = _Section(item, f"checks.sql[{index}]", section.file)
        name, query = entry.text("name"), entry.text("query")
        if name is None or query is None:
            raise entry.error("needs keys 'name' and 'query'")
        expect = entry.raw("expect")
        if not isinstance(expect, list) or not all(isinstance(row, list) for row in expect):
            raise entry.error("must be a list of rows, e.g. [[0]]", "expect")
        only = entry.texts("versions")
        for version in only:
            if version not in names:
                raise entry.error(f"unknown version '{version}'", "versions")
        entry.finish()
        assertions.append(SqlAssertion(name, query, tuple(tuple(row) for row in expect), only))
    result = ChecksConfig(
        schema=section.flag("schema", True),
        data=section.flag("data", True),
        idempotent=section.flag("idempotent", True),
        allow_changes=allow_changes,
        renamed=renamed,
        allow_lost_rows=section.texts("allow_lost_rows"),
        ignore_tables=section.texts("ignore_tables"),
        float_tolerance=section.number("float_tolerance", 0.0),
        sql=tuple(assertions),
    )
    section.finish()
    return result
