"""The contract of migtest.yml as pydantic models: every key's type, default, allowed values and
description in one place. They check a file whole, so that every mistake is reported in one run;
they are the configuration the run reads (each value as the run uses it: a path relative to the
file's folder, `${NAME}` filled from the environment); and they are the source of the JSON Schema
(`migtest schema`) and of docs/configuration.md.

Rules that need more than a section (the file's folder, its version names, the run's engine) read
them from the validation context that config.load_config gives; a section made in code has none,
and its values are taken as given. A name may be a YAML number (`name: 1.0`), an optional key null.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, ClassVar, get_args
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic.functional_validators import AfterValidator, BeforeValidator, PlainValidator
from pydantic.json_schema import WithJsonSchema
from pydantic_core import ErrorDetails, PydanticCustomError

from migtest.config.scope import (
    ENGINES,
    MIGRATING,
    MIGRATION_KINDS,
    RUN_KINDS,
    RowCondition,
    ScenarioLike,
    Scope,
    ScopeError,
    parse_scope,
)
from migtest.config.shell import command_problem
from migtest.config.urls import (
    ENVIRONMENT_PLACEHOLDER,
    fill_url,
    port_problem,
    scheme_problem,
    unencoded_login,
    unknown_driver,
    url_problem,
)
from migtest.config.userfiles import found, read_text
from migtest.errors import ConfigError
from migtest.lint.rules import RULES
from migtest.masking import register_secret, register_url_password

PAGINATION_KEYS = {  # the keys of verify.api[].paginate each mode reads, beside `by`
    "page": ("param", "start", "size_param", "size", "total"),
    "offset": ("param", "size_param", "size", "total"),
    "cursor": ("param", "key"),
    "link-header": (),
}
PAGINATION_MODES = tuple(PAGINATION_KEYS)
PAGINATION_DEFAULTS = {(mode, "param"): mode for mode in PAGINATION_MODES} | {  # (mode, key): its default
    ("link-header", "param"): "",
    ("offset", "size_param"): "limit",
}
SCHEMA_OBJECTS = ("table", "enum", "sequence")  # what the schema check's evidence lines name first
TRANSFORMS = ("slug", "lower", "upper", "strip", "string")
MAX_GENERATED_ROWS = 1_000_000  # per table: about a minute of inserts on PostgreSQL (README, bench/generate.py)
MAPPING, NAME = "<mapping>", "<name>"  # the forms of an entry that is a name or a mapping (not in key paths)


def kind(value: Any) -> str:
    """Formats only what it names: a list or mapping may stand for millions of values (aliases)."""
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return f"'{value}'" if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else repr(value)


def _checked(
    problem: Callable[[Any], str | None], schema: dict[str, Any], convert: Callable[[Any], Any] | None = None
) -> Any:
    """A value `problem` accepts (it returns why not), shown to editors as `schema`, read as
    `convert` makes it (None stays None)."""

    def validate(value: Any) -> Any:
        if (found := problem(value)) is not None:
            raise PydanticCustomError("migtest", "{problem}", {"problem": found})
        return value if convert is None or value is None else convert(value)

    return Annotated[Any, PlainValidator(validate), WithJsonSchema(schema)]


def _must(
    accepts: Callable[[Any], bool], expected: str, schema: dict[str, Any], convert: Callable[[Any], Any] | None = None
) -> Any:
    """A value `accepts` takes; any other is reported as "must be `expected`, got" what it is."""
    return _checked(lambda value: None if accepts(value) else f"must be {expected}, got {kind(value)}", schema, convert)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text_problem(value: Any) -> str | None:
    if value is None or _number(value) or isinstance(value, Path) or (isinstance(value, str) and value.strip()):
        return None  # a Path: a section made in code
    return f"must be a non-empty string, got {kind(value)}"


def _text(problem: Callable[[str], str | None], schema: dict[str, Any] | None = None) -> Any:
    """A non-empty string (a number read as written) that `problem` accepts; null passes (an optional key)."""
    return _checked(
        lambda value: _text_problem(value) or (None if value is None else problem(str(value))),
        schema or {"type": "string"},
        str,
    )


def _parsed(parse: Callable[[str], Any], errors: Any, message: str) -> Any:
    """A string `parse` reads; where it raises one of `errors`, `message` ({text}, {error}) says why."""

    def problem(text: str) -> str | None:
        try:
            parse(text)
        except errors as exc:
            return message.format(text=text, error=exc)
        return None

    return _text(problem)


def _choice(*choices: str) -> Any:
    """One of `choices`; where `off` is one, YAML's reading of a bare `off` (false) is it too."""
    off = "off" in choices

    def problem(value: Any) -> str | None:
        if value is None or value in choices or (off and value is False):
            return None
        return _text_problem(value) or f"must be one of {', '.join(choices)}; got '{value}'"

    return _checked(problem, {"enum": list(choices)}, lambda value: "off" if value is False else str(value))


def _whole(least: int | None = None) -> Any:
    """A whole number, at least `least` where given."""
    if least is None:
        return _must(_integer, "a whole number", {"type": "integer"})
    bound = {"type": "integer", "minimum": least}
    return _must(lambda value: _integer(value) and value >= least, f"a whole number >= {least}", bound)


STRING_OR_NUMBER = {"anyOf": [{"type": "string", "minLength": 1}, {"type": "number"}]}
Text = _checked(_text_problem, STRING_OR_NUMBER, str)  # a name may be a YAML number (`name: 1.0`): read as written
Command = _text(command_problem)
Flag = _must(lambda value: isinstance(value, bool), "true or false", {"type": "boolean"})
Number = _must(
    lambda value: _number(value) and 0 <= value < math.inf,
    "a finite number >= 0",
    {"type": "number", "minimum": 0},
    float,
)
Seconds = _must(
    lambda value: _number(value) and 0 < value < math.inf,
    "a number of seconds above 0",
    {"type": "number", "exclusiveMinimum": 0},
    float,
)
Whole = _whole(1)
Severity = _choice("fail", "warn", "off")  # a finding of verify.previous_release, checks.history, rolling, locks
HttpMethod = _choice("GET", "POST", "PUT", "PATCH", "DELETE")
Port = _checked(
    lambda value: None if value is None else port_problem(value), {"type": "integer", "minimum": 1, "maximum": 65535}
)
Str = _must(lambda value: isinstance(value, str), "a string", {"type": "string"})
Scalar = _must(
    lambda value: isinstance(value, (str, int, float)), "a string", {"type": ["string", "number", "boolean"]}
)
Regex = _parsed(re.compile, re.error, "not a valid regular expression: {error}")
TimeZone = _parsed(
    zoneinfo.ZoneInfo,
    (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError),
    "unknown time zone '{text}' (an IANA name such as UTC or Europe/Berlin)",
)
UrlPath = _checked(
    lambda value: (
        None
        if isinstance(value, str) and value.startswith("/")
        else f"needs a 'path' starting with /, got {kind(value)}"
    ),
    {"type": "string", "pattern": "^/"},
)


def _column_problem(text: str) -> str | None:
    table, _, column = text.rpartition(".")
    return (
        None if table and column and "" not in table.split(".") else f"must name a column as table.column, got '{text}'"
    )


Column = _text(_column_problem, {"type": "string", "pattern": "[^.]\\.[^.]"})
NewName = _checked(
    lambda value: "must be the column's new name, got nothing" if value is None else _text_problem(value),
    STRING_OR_NUMBER,
    str,
)


def rule(problem: str, *key: str | int) -> PydanticCustomError:
    """A rule between keys broken; `key`: the key it names, below the section (none: the section)."""
    return PydanticCustomError("migtest", "{problem}", {"problem": problem, "key": key})


def _present(value: Any) -> Any:
    """A required key may not be null either."""
    if value is None:
        raise rule("must be given, got nothing")
    return value


Required = AfterValidator(_present)


def _or_empty(empty: Any) -> BeforeValidator:
    return BeforeValidator(lambda value: empty if value is None else value)


def _list(item: Any) -> Any:
    """A list of `item`s; null: none."""
    return Annotated[tuple[item, ...], _or_empty(())]


Texts = _list(Str)


def _pairs(values: Any, read: Callable[[Any], Any] = lambda value: value) -> Any:
    """A mapping of names to `values`, read as (name, value) pairs in the file's order (such pairs
    too: a section made in code)."""
    return Annotated[
        dict[Any, values],
        BeforeValidator(lambda given: {} if given is None else dict(given) if isinstance(given, tuple) else given),
        AfterValidator(lambda mapping: tuple((str(name), read(item)) for name, item in mapping.items())),
    ]


Pairs = _pairs(Scalar, lambda value: str(value).lower() if isinstance(value, bool) else str(value))  # true, not True


def _one_or_many(value: Any) -> Any:
    """A name (a YAML number read as written) or a list of them; null: none."""
    if value is None:
        return []
    return [str(value) if _number(value) else value] if _text_problem(value) is None else value


Names = Annotated[
    tuple[Str, ...],
    BeforeValidator(_one_or_many),
    WithJsonSchema({"anyOf": [STRING_OR_NUMBER, {"type": "array", "items": STRING_OR_NUMBER}]}),
]


Dotted = Annotated[  # a dotted key; "" (or null, like a missing key): the whole body
    Text, BeforeValidator(lambda value: value or None), AfterValidator(lambda value: value or "")
]


def _key(description: str, default: Any = None, examples: list[Any] | None = None, **more: Any) -> Any:
    return Field(default, description=description, examples=examples, **more)


def _filled(value: Any, info: ValidationInfo) -> Any:
    """`${NAME}` in the strings of `value` taken from the environment, so that CI secrets stay out
    of migtest.yml; each value so taken is masked in everything migtest prints or writes."""
    if "root" not in (info.context or {}):
        return value

    def fill(item: Any, where: tuple[str | int, ...]) -> Any:
        if isinstance(item, str):
            return ENVIRONMENT_PLACEHOLDER.sub(lambda match: _environment(match[1], where, mask=True), item)
        if isinstance(item, (tuple, list)):
            return type(item)(fill(part, (*where, index)) for index, part in enumerate(item))
        if isinstance(item, dict):
            return {name: fill(part, (*where, str(name))) for name, part in item.items()}
        return item

    if isinstance(value, tuple) and all(isinstance(pair, tuple) for pair in value):  # Pairs: keyed by name
        return tuple((name, fill(text, (name,))) for name, text in value)
    return fill(value, ())


def _environment(name: str, where: tuple[str | int, ...], mask: bool = False) -> str:
    """`mask`: the value is masked whole in everything migtest prints or writes."""
    if name not in os.environ:
        raise rule(f"environment variable {name} is not set", *where)
    if mask:
        register_secret(os.environ[name])
    return os.environ[name]


Secret = AfterValidator(_filled)
SecretText = Annotated[Text, Secret]
SecretPairs = Annotated[Pairs, Secret]


def _path(directory: bool | None, must_exist: bool = True) -> AfterValidator:
    """A path relative to the file's folder: a folder (True), a file (False) or either (None)
    that must be there when loading; `{dialect}` in it is the run's SQL dialect."""

    def resolve(value: Any, info: ValidationInfo) -> Any:
        context = info.context or {}
        if value is None or "root" not in context:
            return None if value is None else Path(value)
        dialect = "mysql" if context.get("engine") == "mariadb" else str(context.get("engine") or "sqlite")
        path = context["root"] / str(value).replace("{dialect}", dialect)
        if must_exist and not found(path, directory=directory):
            what = {True: "directory", False: "file", None: "file or directory"}[directory]
            raise rule(f"{what} not found: {path}")
        return path

    return AfterValidator(resolve)


def _known_versions(names: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
    known = (info.context or {}).get("versions")
    for name in names:
        if known is not None and name not in known:
            raise rule(f"unknown version '{name}'")
    return names


ForVersions = Annotated[Texts, AfterValidator(_known_versions)]


class Section(BaseModel):
    """A mapping of migtest.yml: unknown keys are errors (with the closest known one as a hint)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, validate_default=True)
    _label: str = PrivateAttr("")  # the key that declares an entry (checks.moves[0]), for evidence to name it


class MigrationsConfig(Section):
    """How each release's migrations run."""

    tool: Annotated[_choice("alembic", "sql", "command", "on-start"), Required] = Field(
        description="The migration tool: alembic, sql (versioned files), command (your own commands) or on-start "
        "(the app's image migrates when it starts).",
        examples=["alembic"],
    )
    package: Text = _key(
        "alembic: `config` is inside this installed package, found in each version's environment; command: the "
        "same, where the commands run Alembic (so that `history` compares its released revisions).",
        examples=["mcpgateway"],
    )
    config: Annotated[Text, _path(None)] = _key(
        "alembic: path of alembic.ini (run from its folder), or of the script folder holding env.py; with `package`, "
        "a path inside that package (default alembic.ini); command: the Alembic files the commands run, for `history`.",
        examples=["alembic.ini"],
    )
    dir: Annotated[Text, _path(True)] = _key(
        "sql: the folder of versioned files; `{dialect}` stands for sqlite, postgres or mysql.",
        examples=["db/migration", "db/migration/{dialect}"],
    )
    layout: _choice("flyway", "golang-migrate") = _key("sql: flyway or golang-migrate (detected when omitted).")
    prefix: Text = _key("sql/flyway: the prefix of versioned files.", "V")
    undo_prefix: Text = _key("sql/flyway: the prefix of undo files.", "U")
    tables: Names = _key(
        "History tables beside the known ones (one name or a list, every tool); sql: the first is migtest's own "
        "(default migtest_schema_history); on-start: the first gives the revision.",
        alias="table",
        examples=["migtest_schema_history", ["flyway_schema_history", "audit_history"]],
    )
    schema_: Text = _key(
        "sql, postgres: a schema created if missing, first on search_path, holding the history.",
        alias="schema",
        examples=["app"],
    )
    upgrade: Command = _key(
        "command: migrates to `{target}`; run as an argument list, no shell.", examples=["myapp db upgrade {target}"]
    )
    downgrade: Command = _key(
        "command: migrates back to `{target}`; without it downgrades are skipped.",
        examples=["myapp db downgrade {target}"],
    )
    install: Command = _key(
        "A fresh install, every tool (default: the upgrade from an empty database).",
        examples=["myapp db init {target}"],
    )
    current: Command = _key("Prints the current revision (its last line), every tool.", examples=["myapp db current"])
    history: Command = _key(
        "command: prints the migrations' targets, oldest first (for migtest steps).", examples=["myapp db history"]
    )
    timeout: Seconds = _key("Seconds one migration (a command, an SQL file), seed or verify command may run.", 600)

    @field_validator("config", mode="wrap")
    @classmethod
    def _inside_the_package(cls, value: Any, handler: Any, info: ValidationInfo) -> Any:
        """With `package`, `config` is found in the version's environment when it runs: not here."""
        if info.data.get("package") is None:
            return handler(value)
        return Path(str(value or "alembic.ini"))

    @field_validator("tables", mode="before")
    @classmethod
    def _some_table(cls, value: Any, info: ValidationInfo) -> Any:
        """None: migtest's own history table for sql, no other table for the other tools."""
        if isinstance(value, (list, tuple)) and not value:
            raise rule("must name at least one table")
        return ("migtest_schema_history",) if value is None and info.data.get("tool") == "sql" else value

    @property
    def table(self) -> str | None:
        return self.tables[0] if self.tables else None

    @property
    def schema(self) -> str | None:  # type: ignore[override]
        return self.schema_

    @model_validator(mode="after")
    def _what_the_tool_needs(self) -> MigrationsConfig:
        if self.package is not None and self.tool not in ("alembic", "command"):
            raise rule(f"a package's migrations are found for tools alembic and command, not '{self.tool}'", "package")
        if self.package is not None and (self.config.is_absolute() or ".." in self.config.parts):
            raise rule(f"must be a path inside package '{self.package}', got '{self.config}'", "config")
        required = {"alembic": "config", "sql": "dir", "command": "upgrade", "on-start": None}[self.tool]
        if required and getattr(self, required) is None:  # with a package, config is alembic.ini by default
            raise rule(f"migrations.tool '{self.tool}' needs key '{required}'", required)
        return self


class DatabaseConfig(Section):
    """The database the scenarios run on: `url` reaches an existing server, `image` is a server container."""

    engine: _choice(*ENGINES) = _key("sqlite (embedded), postgres, mysql or mariadb.", "sqlite")
    url: Text = _key(
        "An existing server (server engines); `${NAME}` takes a value from the environment, masked in all output.",
        examples=["postgresql://migtest:${PGPASSWORD}@localhost:5432/postgres"],
    )
    image: Text = _key("A server container migtest starts for the run (Docker).", examples=["postgres:16"])
    schemas: Texts = _key(
        "postgres: the schemas to capture (default: the default one plus migrations.schema).",
        [],
        examples=[["public", "billing"]],
    )
    ready_timeout: Number = _key("image: seconds to wait until the server accepts a login.", 120)
    connect_timeout: Seconds = _key("Seconds a login may wait for the server's answer.", 30)

    @field_validator("url")
    @classmethod
    def _from_the_environment(cls, url: str | None, info: ValidationInfo) -> str | None:
        """A `${NAME}` that is the whole password is URL-encoded there, and every value that goes
        into the password is masked whole, however the URL splits it."""
        if url is None or "root" not in (info.context or {}):
            return url
        expanded, passwords = fill_url(url, lambda name: _environment(name, ()))
        for password in passwords:
            register_secret(password)
        register_url_password(expanded)
        if problem := unencoded_login(expanded):
            raise rule(problem)
        return expanded

    @model_validator(mode="after")
    def _server(self) -> DatabaseConfig:
        if self.engine == "sqlite":
            for key in ("url", "image"):
                if getattr(self, key):
                    raise rule("sqlite needs no server; remove it or choose engine postgres|mysql|mariadb", key)
        elif bool(self.url) == bool(self.image):
            raise rule(f"engine '{self.engine}' needs exactly one of 'url' (an existing server) or 'image'", "engine")
        elif self.url and (problem := scheme_problem(self.url, self.engine) or url_problem(self.url)):
            raise rule(problem, "url")
        if self.schemas and self.engine != "postgres":
            raise rule("schemas are a PostgreSQL setting", "schemas")
        return self

    @property
    def dialect(self) -> str:
        """The SQL dialect family, `{dialect}` in migrations.dir: sqlite, postgres or mysql (also for mariadb)."""
        return "mysql" if self.engine == "mariadb" else self.engine


class BuildConfig(Section):
    """An image built from a Dockerfile in the version's tree (the project, or its `ref:`)."""

    context: Text = _key("The build context, relative to the version's tree.", ".")
    dockerfile: Text = _key("The Dockerfile, relative to the context.", "Dockerfile")
    args: Pairs = _key("Build arguments.", {}, examples=[{"VERSION": "1.2"}])


class Version(Section):
    """A release, oldest first: its migrations at hand, at a git ref, or in a container image."""

    name: Annotated[Text, Required] = Field(
        description="The release's name, in scenario ids and `{version}`.", examples=["1.0"]
    )
    revision: Text = _key("The migration target this release is at.", "head", examples=["0002_orders"])
    ref: Text = _key("The project as it was at this git ref.", examples=["v1.1.0"])
    setup: Command = _key(
        "Prepares the release's environment in its own folder (`{env}`); cached in .migtest-cache/.",
        examples=["sh -c 'python3 -m venv . && bin/pip install myapp==1.2'"],
    )
    image: Text = _key("The release as a container image its commands and app run in.", examples=["myapp:1.2"])
    build: BuildConfig | None = _key("The release's image, built from a Dockerfile in its tree.")

    @property
    def containerized(self) -> bool:
        """Its code is a container image: its commands and the app run in containers of it."""
        return self.image is not None or self.build is not None

    @model_validator(mode="after")
    def _one_source(self) -> Version:
        if self.image and (self.build or self.ref):
            raise rule("an image is used as it is: remove 'build' and 'ref', or 'image'", "image")
        if (self.image or "build" in self.model_fields_set) and self.setup:
            raise rule("a version in an image needs no setup; build it into the image", "setup")
        return self


class ServiceConfig(Section):
    """A companion the app starts beside (a cache, a peer), on the app's network, removed with it."""

    name: Annotated[Text, Required] = Field(description="The host name the app reaches it by.", examples=["cache"])
    image: Annotated[Text, Required] = Field(description="Its container image.", examples=["redis:7"])
    env: Pairs = _key("Its environment.", {})
    command: Command = _key("The command it runs instead of the image's.")
    port: Port = _key("A TCP port that accepts connections once it is ready.", examples=[6379])
    health: Text = _key("A URL that answers `health_status` once it is ready (`{port}` is its port).")
    health_status: Whole = _key("The status `health` answers when ready.", 200)
    ready_log: Regex = _key("A regular expression its log matches once it is ready.", examples=["Ready to accept"])
    ready_timeout: Number = _key("Seconds it may take to be ready.", 60)

    @model_validator(mode="after")
    def _how_it_is_ready(self) -> ServiceConfig:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", str(self.name)):
            raise rule(f"must be a host name (letters, digits, '.', '_', '-'), got '{self.name}'", "name")
        if not (self.port or self.health or self.ready_log):
            raise rule("needs 'port' (a TCP port), 'health' (a URL) or 'ready_log' (a regex) to tell it is ready")
        if self.health and "{port}" in str(self.health) and self.port is None:
            raise rule("'{port}' in the health URL needs 'port' (the service's port in its container)", "health")
        return self


class LoginConfig(Section):
    """`app.auth.login`: a request whose JSON response holds the token (`app.auth.token`)."""

    path: UrlPath = Field(description="The login path, starting with /.", examples=["/auth/login"])
    method: HttpMethod = _key("The HTTP method.", "POST")
    json_: Annotated[Any, Secret] = _key("A JSON body (`${NAME}` from the environment, masked).", alias="json")
    form: SecretPairs = _key("A form body (`${NAME}` from the environment, masked).", {})
    status: Whole = _key("The status a successful login answers.", 200)

    @property
    def json(self) -> Any:  # type: ignore[override]
        return self.json_

    @model_validator(mode="after")
    def _one_body(self) -> LoginConfig:
        if self.json_ is not None and self.form:
            raise rule("send either 'json' or 'form', not both", "form")
        return self


class Basic(Section):
    """HTTP basic authentication."""

    username: SecretText = _key("The user name (`${NAME}` from the environment, masked).")
    password: SecretText = _key("The password (`${NAME}` from the environment, masked).", examples=["${APP_PASSWORD}"])

    @model_validator(mode="after")
    def _both(self) -> Basic:
        if self.username is None or self.password is None:
            raise rule("needs 'username' and 'password'")
        return self


class AuthConfig(Section):
    """How API requests authenticate: exactly one of `bearer`, `basic` or `login`."""

    bearer: SecretText = _key("A token (`${NAME}` from the environment, masked).", examples=["${API_TOKEN}"])
    basic: Basic | None = _key("HTTP basic authentication.")
    login: LoginConfig | None = _key("A request that logs in; its response holds the token.")
    token: Text = _key("login: the dotted key of the token in the login response.", "access_token")
    header: Text = _key("The header the token is sent in.", "Authorization")
    scheme: Str = _key('Written before the token ("" sends the token alone).', "Bearer")

    @model_validator(mode="after")
    def _one_way(self) -> AuthConfig:
        given = [key for key in ("bearer", "basic", "login") if getattr(self, key) is not None]
        if len(given) != 1:
            raise rule(f"needs exactly one of 'bearer', 'basic' or 'login', got {len(given)}")
        if "token" in self.model_fields_set and self.login is None:
            raise rule("is read from the response of 'login': give 'login' or remove it", "token")
        return self


class AppConfig(Section):
    """How a version's image runs as the app: on-start migrates by starting it, API seeding and
    verification talk to it."""

    env: SecretPairs = _key(
        "Its environment; `{database_url}` and `{version}` are filled, `${NAME}` comes from the environment.",
        {"DATABASE_URL": "{database_url}"},
    )
    port: Port = _key("The port it listens on in its container.", 8000)
    health: Text = _key(
        "A URL that answers `health_status` once it is ready.", examples=["http://{host}:{port}/health"]
    )
    health_status: Whole = _key("The status `health` answers when ready.", 200)
    ready_log: Regex = _key("A regular expression its log matches once it is ready.", examples=["Application startup"])
    ready_timeout: Number = _key("Seconds it may take to be ready.", 120)
    stop_timeout: Whole = _key("Seconds between SIGTERM and SIGKILL when its container is stopped.", 5)
    init: Flag = _key(
        "Run the run's containers (the app, its services, command containers, the database server) under "
        "Docker's init, which forwards SIGTERM and reaps zombies; false for engines without docker-init.",
        True,
    )
    database_path: Text = _key("SQLite: where the database file is in its container.", "/data/app.db")
    previous_release: Severity = _key("Deprecated: write verify.previous_release.", deprecated=True)
    headers: SecretPairs = _key("Headers sent with every request of seed.api and verify.api.", {})
    auth: AuthConfig | None = _key("How API requests authenticate.")
    services: _list(ServiceConfig) = _key("Companions started beside the app.", [])

    @model_validator(mode="after")
    def _how_it_is_ready(self, info: ValidationInfo) -> AppConfig:
        for index, service in enumerate(self.services):
            if any(str(other.name) == str(service.name) for other in self.services[:index]):
                raise rule(f"service name '{service.name}' is used twice", "services", index, "name")
        if self.health is None and self.ready_log is None and "root" in (info.context or {}):  # a file's app starts
            raise rule("needs 'health' (a URL such as http://{host}:{port}/health) or 'ready_log' (a regex)")
        path = str(self.database_path)
        if not path.startswith("/") or path.endswith("/"):
            raise rule(f"must be an absolute file path, got '{path}'", "database_path")
        return self


class ApiRequest(Section):
    """A request of `seed.api`; another status than `status` stops the scenario."""

    path: UrlPath = Field(
        description="The path, starting with /; `{name}` is a value captured before.", examples=["/items"]
    )
    method: HttpMethod = _key("The HTTP method.", "POST")
    json_: Any = _key("The JSON body.", alias="json", examples=[{"name": "a"}])
    status: Whole = _key("The status expected (default 201 for POST, else 200).")
    versions: ForVersions = _key("Only for these versions (default: every one).", [])
    query: SecretPairs = _key("Query parameters.", {})
    headers: SecretPairs = _key("Headers of this request.", {})
    capture: Pairs = _key(
        "Values of the JSON response: name -> dotted key, `{name}` in later requests.",
        {},
        examples=[{"item_id": "id"}],
    )

    @field_validator("status", mode="before")
    @classmethod
    def _status_of_the_method(cls, status: Any, info: ValidationInfo) -> Any:
        return (201 if info.data.get("method") == "POST" else 200) if status is None else status

    @field_validator("capture")
    @classmethod
    def _names(cls, capture: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        for name, _ in capture:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name == "version":
                raise rule("must be a name of letters, digits and _ (not 'version')", name)
        return capture

    @property
    def json(self) -> Any:  # type: ignore[override]
        return self.json_

    def applies_to(self, version: str) -> bool:
        return not self.versions or version in self.versions


class Pagination(Section):
    """How to ask for the next page when the body holds no `next` link."""

    by: Annotated[_choice(*PAGINATION_MODES), Required] = Field(description="page, offset, cursor or link-header.")
    param: Text = _key("The query parameter (default: page, offset or cursor).")
    start: _whole(0) = _key("page: the first page's number.", 1)
    size_param: Text = _key("The query parameter that asks for the page size (offset: default limit).")
    size: Whole = _key("The page size asked for.", validate_default=False)
    key: Text = _key("cursor: the dotted key of the next cursor in the body.", examples=["nextCursor"])
    total: Text = _key("page, offset: the dotted key of the number of items.")

    @field_validator("param", "size_param")
    @classmethod
    def _default_of_the_mode(cls, given: str | None, info: ValidationInfo) -> str | None:
        return given or PAGINATION_DEFAULTS.get((info.data.get("by"), info.field_name), given)

    @model_validator(mode="after")
    def _keys_of_the_mode(self) -> Pagination:
        for key in sorted(self.model_fields_set - {"by"}):
            if key not in PAGINATION_KEYS[self.by]:
                raise rule(f"not used when paginating by {self.by}", key)
        if self.by == "cursor" and self.key is None:
            raise rule("paginating by cursor needs 'key', the dotted key of the next cursor (e.g. nextCursor)")
        if self.size is not None and "size_param" not in self.model_fields_set and self.by != "offset":
            raise rule("needs 'size_param', the query parameter that asks for the page size", "size")
        return self


Transforms = _checked(
    lambda value: (
        None
        if all(name in TRANSFORMS for name in (value if isinstance(value, (list, tuple)) else [value]))
        else f"must be one of {', '.join(TRANSFORMS)} (or a list of them)"
    ),
    {"anyOf": [{"enum": list(TRANSFORMS)}, {"type": "array", "items": {"enum": list(TRANSFORMS)}}]},
    lambda value: tuple(value) if isinstance(value, (list, tuple)) else (value,),
)


class SeededMatch(Section):
    """How a body sent by seed.api reads back, applied in this order."""

    unwrap: Dotted = _key("The dotted key of the object inside the body.", "", validate_default=False)
    ignore: Texts = _key("Keys never read back.", [])
    transform: _pairs(Transforms) = _key(
        "key -> slug | lower | upper | strip | string, or a list of them, in turn.", {}, examples=[{"name": "slug"}]
    )
    case: _choice("camel") = _key("camel: snake_case keys read as camelCase.")
    keys: Pairs = _key("Sent key -> the key read (dotted for nested).", {})


Contains = _must(
    lambda value: value == "seeded" or isinstance(value, (list, tuple)),
    "'seeded' or a list of objects",
    {"anyOf": [{"const": "seeded"}, {"type": "array"}]},
    lambda value: value if value == "seeded" else tuple(value),
)


class ApiRead(Section):
    """A read of `verify.api`: every page of a listing, which must hold the expected objects."""

    path: UrlPath = Field(description="The path, starting with /.", examples=["/items"])
    status: Whole = _key("The status expected.", 200)
    items: Dotted = _key('The dotted key of the list in a page ("": the page is the list).', "", validate_default=False)
    next: Text = _key("The dotted key of the next page's path or URL.")
    contains: Contains = _key("seeded (the bodies seed.api sent to this path) or a list of objects to find.", "seeded")
    versions: ForVersions = _key("Only for these versions (default: every one).", [])
    query: SecretPairs = _key("Query parameters.", {})
    headers: SecretPairs = _key("Headers of this request.", {})
    paginate: Pagination | None = _key("How to ask for the next page.")
    max_pages: Whole = _key("Pages read at most.", 1000)
    match: SeededMatch | None = _key("How a body sent by seed.api reads back (contains: seeded).")

    @model_validator(mode="after")
    def _one_way_to_page(self) -> ApiRead:
        if self.next and self.paginate:
            raise rule("give either 'next' (a link in the body) or 'paginate', not both", "paginate")
        if self.match and self.contains != "seeded":
            raise rule("maps what seed.api sent: it needs 'contains: seeded'", "match")
        return self

    @property
    def seeded(self) -> bool:
        """It looks for the bodies seed.api sent to its path rather than for `contains`."""
        return self.contains == "seeded"

    def applies_to(self, version: str) -> bool:
        return not self.versions or version in self.versions


class VerifyConfig(Section):
    """Your own checks on a migrated database."""

    api: _list(ApiRead) = _key("Reads of the app's API after migrating.", [])
    command: Command = _key(
        "Your own check, run as a release on a migrated database.", examples=["python -m myapp.check {database_url}"]
    )
    previous_release: Severity = _key(
        "fail | warn | off: the release before the newest runs `command` (and its app) on the newest's schema.",
        "fail",
    )
    target: Flag = _key("The migrated-to release runs `command` too, after every migration and fresh install.", False)

    @model_validator(mode="after")
    def _target_needs_command(self) -> VerifyConfig:
        if self.target and self.command is None:
            raise rule("needs 'command' (what the migrated-to release runs on the migrated database)", "target")
        return self


class MatrixConfig(Section):
    """Which scenarios run."""

    fresh: Flag = _key("A fresh install of every version.", True)
    upgrade: _choice("chain", "all-to-head", "none") = _key("chain (each to the next), all-to-head or none.", "chain")
    skip: _list(Any) = _key("Extra [from, to] pairs of versions.", [], examples=[[["1.0", "head"]]])
    downgrade: _choice("chain", "none") = _key("chain (each back to the previous) or none.", "chain")

    @field_validator("skip")
    @classmethod
    def _pairs_forward(cls, skip: tuple[Any, ...], info: ValidationInfo) -> tuple[tuple[str, str], ...]:
        names = (info.context or {}).get("versions")
        for index, pair in enumerate(skip):
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
                raise rule(f"must be a pair [from, to], got {kind(pair)}", index)
            older, newer = (str(name) for name in pair)
            for name in (older, newer) if names is not None else ():
                if name not in names:
                    raise rule(f"unknown version '{name}' (versions: {', '.join(names)})", index)
            if names is not None and names.index(older) >= names.index(newer):
                raise rule(f"'{older}' must be older than '{newer}'", index)
        return tuple((str(older), str(newer)) for older, newer in skip)


class GenerateConfig(Section):
    """Rows made up from the schema, edge cases included."""

    rows: Whole = Field(
        description="Rows generated per table.", examples=[1000], json_schema_extra={"maximum": MAX_GENERATED_ROWS}
    )
    seed: _whole() = _key("Makes the same rows again.", 0)
    exclude: Texts = _key("`table` or `table.column` left out.", [], examples=[["audit_log", "users.avatar"]])
    values: Annotated[dict[Any, Any], _or_empty({})] = _key(
        "`table.column` -> one fixed value.", {}, examples=[{"users.role": "admin"}]
    )
    batch: Whole = _key("Rows inserted per statement batch.", 1000)

    @field_validator("rows")
    @classmethod
    def _at_most(cls, rows: int) -> int:
        if rows > MAX_GENERATED_ROWS:
            raise rule(f"at most {MAX_GENERATED_ROWS:,} rows per table, got {rows:,}")
        return rows

    @model_validator(mode="after")
    def _names_of_columns(self) -> GenerateConfig:
        for index, name in enumerate(self.exclude):
            if "" in name.strip().split("."):
                raise rule(f"must name a table or table.column, got '{name}'", "exclude", index)
        for name in self.values:
            if not isinstance(name, str) or "." not in name or "" in name.split("."):
                raise rule("must name a column as table.column", "values", str(name))
        return self


class SeedConfig(Section):
    """The data each release's database holds before it migrates."""

    sql: Text = _key(
        "One SQL file per version, written against that version's schema.", examples=["seeds/{version}.sql"]
    )
    command: Command = _key("Runs in the version's tree and environment.", examples=["python seed.py {database_url}"])
    api: _list(ApiRequest) = _key("Requests to the app's API.", [])
    generate: GenerateConfig | None = _key("Rows made up from the schema.")
    restore: Text = _key("A snapshot of the release's database, restored first.", examples=["snapshots/{version}.dump"])

    @field_validator("sql")
    @classmethod
    def _every_version_has_one(cls, sql: str | None, info: ValidationInfo) -> str | None:
        """Each file is read now (a missing one, or one not UTF-8), not when the first scenario seeds."""
        context = info.context or {}
        for version in context.get("versions", ()) if sql else ():
            path = context["root"] / sql.replace("{version}", version)
            if not found(path, directory=False):
                raise rule(f"seed file for version '{version}' not found: {path}")
            try:
                read_text(path)
            except ConfigError as error:
                raise rule(f"{path}: {error.message}") from None
        return sql

    @model_validator(mode="after")
    def _captured_before_use(self) -> SeedConfig:
        for index, request in enumerate(self.api):
            earlier = {name for done in self.api[:index] for name, _ in done.capture}
            for key in ("path", "json", "query", "headers"):
                value = getattr(request, key.replace("json", "json_"))
                too_early = sorted((placeholders(value) & self.captures) - earlier)
                if too_early:
                    raise rule(f"uses {{{too_early[0]}}}, which no earlier request captures", "api", index, key)
        return self

    @property
    def captures(self) -> frozenset[str]:
        """The names `seed.api` requests capture from their responses."""
        return frozenset(name for request in self.api for name, _ in request.capture)


def placeholders(*values: Any) -> set[str]:
    """The `{name}` placeholders written anywhere in these values (keys of mappings included)."""
    return set(re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", repr(values)))


class Scoped(Section):
    """The scenarios an entry is about; every condition given must hold."""

    from_: Names = _key("Source versions.", [], alias="from")
    to: Names = _key("Target versions.", [])
    kinds: Names = _key(f"Scenario kinds: {', '.join(RUN_KINDS)}.", [])
    scenarios: Names = _key("Globs on scenario ids, as --only takes them.", [], examples=[["*-to-head"]])
    engines: Names = _key(f"The run's database engine: {', '.join(ENGINES)}.", [], examples=[["sqlite"]])
    _scope: Scope = PrivateAttr(default_factory=Scope)
    _kinds: ClassVar[tuple[str, ...]] = MIGRATION_KINDS  # the scenario kinds it can be about
    _targets: ClassVar[tuple[str, ...]] = ("to",)  # the keys that name target versions

    @property
    def scope(self) -> Scope:
        return self._scope

    @model_validator(mode="after")
    def _read_scope(self, info: ValidationInfo) -> Scoped:
        """Each name checked against the file's versions: a typo would make the entry apply nowhere, silently."""
        versions = (info.context or {}).get("versions")
        if versions is not None:
            fields = type(self).model_fields
            given = {fields[name].alias or name: getattr(self, name) for name in self.model_fields_set}
            try:
                self._scope = parse_scope(given, versions, self._kinds, self._targets)
            except ScopeError as error:
                raise rule(str(error), error.key) from None
        else:
            to = tuple(name for key in self._targets for name in getattr(self, key))
            self._scope = Scope(self.from_, to, self.kinds, self.scenarios, self.engines)
        return self


class When(Scoped):
    """`when`: the migrating scenarios a data declaration is about."""

    crosses: Names = _key("The upgrades and skips from before this version to it or later.", [], examples=["2.0"])

    @model_validator(mode="after")
    def _migrating(self, info: ValidationInfo) -> When:
        """`crosses: V` narrows it to the upgrades and skips from before V to V or later."""
        if not self._scope.kinds:
            self._scope = replace(self._scope, kinds=MIGRATION_KINDS)
        order = (info.context or {}).get("versions") or ()
        if self.crosses and order:
            if len(self.crosses) != 1 or self.crosses[0] not in order[1:]:
                raise rule(f"must name one version after the first ({order[0]})", "crosses")
            narrowed = self._scope.crossing(self.crosses[0], order)
            if narrowed is None:
                raise rule("matches no scenario: its parts contradict each other")
            self._scope = narrowed
        return self


class SomeRows(Section):
    """Some rows of a table: those matching `where`, in the scenarios of `when`."""

    where: Text = _key("SQL, evaluated before migrating (default: every row).", examples=["kind = 'secret'"])
    when: When | None = _key("The scenarios it is about (default: every migrating one).")

    @property
    def rows(self) -> RowCondition:
        return RowCondition(self._label, self.table, self.where, self.when.scope if self.when else MIGRATING)


class RowChange(SomeRows):
    """Changes allowed in some rows."""

    column: Annotated[Text, Required] = Field(description="The column whose values may change.")
    becomes_: Any = _key("The value the column must become (null included).", alias="becomes")
    _table: str = PrivateAttr("")  # the key of allow_changes it is listed under

    @property
    def table(self) -> str:
        return self._table

    @property
    def becomes(self) -> tuple[Any] | None:
        """The value the column must become, in a 1-tuple so that None can be it; None: any change."""
        return (self.becomes_,) if "becomes_" in self.model_fields_set else None

    def describe(self) -> str:
        where = f" where {self.where}" if self.where else ""
        return f"{self.table}.{self.column}{where}"


class LostRows(SomeRows):
    """Rows of a table that may go."""

    table: Annotated[Text, Required] = Field(description="The table.")


def _part(key: str, index: int) -> property:
    """The table (0) or the column (2) of the table.column at `key`."""
    return property(lambda self: getattr(self, key).rpartition(".")[index])


class Move(SomeRows):
    """Values a release moves to another column: the `from` column's values of the rows go to
    `to`; `key` pairs the source's columns with the target's to find the row each value arrives at."""

    from_: Annotated[Column, Required] = Field(
        description="The source column, as table.column.", alias="from", examples=["tags.value"]
    )
    to: Annotated[Column, Required] = Field(description="The target column, as table.column.", examples=["items.color"])
    key: Pairs = _key(
        "Source columns -> target columns that find the row each value arrives at.", {}, examples=[{"item_id": "id"}]
    )

    @model_validator(mode="after")
    def _pairs_given(self) -> Move:
        if "key" in self.model_fields_set and not self.key:
            raise rule("must pair at least one column, e.g. {item_id: id}", "key")
        return self

    table = _part("from_", 0)
    column = _part("from_", 2)
    to_table = _part("to", 0)
    to_column = _part("to", 2)

    def describe(self) -> str:
        return f"{self.from_} -> {self.to}"


Rows = _checked(
    lambda value: (
        None
        if isinstance(value, (list, tuple)) and all(isinstance(row, (list, tuple)) for row in value)
        else "must be a list of rows, e.g. [[0]]"
    ),
    {"type": "array", "items": {"type": "array"}},
    lambda rows: tuple(tuple(row) for row in rows),
)


class SqlAssertion(Scoped):
    """Your own SQL assertion on a migrated database."""

    name: Annotated[Text, Required] = Field(description="Its name in the reports.")
    query: Annotated[Text, Required] = Field(description="The query.")
    expect: Rows = Field(description="The rows it must return.", examples=[[[0]]])
    versions: Names = _key("Target versions (the same as `to`).", [])
    _kinds: ClassVar[tuple[str, ...]] = RUN_KINDS
    _targets: ClassVar[tuple[str, ...]] = ("versions", "to")

    def applies_to(self, scenario: ScenarioLike, engine: str) -> bool:
        return self.scope.matches(scenario, engine)


class AcceptedDifference(Scoped):
    """A known schema difference: accepted, and required, where its scope says."""

    table: Text = _key("The table the difference is in (or enum, or sequence).")
    enum: Text = _key("The enum type the difference is in.")
    sequence: Text = _key("The sequence the difference is in.")
    difference: Text = _key(
        "The evidence line after \"table 'name': \"; * any text, ? one character.",
        examples=["index 'ix_users_email' * present after migrating, not in a fresh install"],
    )
    reason: Text = _key("Shown with it in the evidence.")

    @field_validator("difference")
    @classmethod
    def _without_the_name(cls, difference: str | None, info: ValidationInfo) -> str | None:
        """Where the whole evidence line was written, the object's name is left out."""
        named = [f"{kind} '{info.data[kind]}': " for kind in SCHEMA_OBJECTS if info.data.get(kind) is not None]
        return difference.removeprefix(named[0]) if difference is not None and len(named) == 1 else difference

    @property
    def key(self) -> str:
        return self._label

    @property
    def kind(self) -> str:
        return next(kind for kind in SCHEMA_OBJECTS if getattr(self, kind) is not None)

    @property
    def name(self) -> str:
        return str(getattr(self, self.kind))

    def accepts(self, line: str) -> bool:
        prefix = f"{self.kind} '{self.name}': "
        if not line.startswith(prefix):
            return False
        pattern = "".join({"*": ".*", "?": "."}.get(char, re.escape(char)) for char in str(self.difference))
        return re.fullmatch(pattern, line[len(prefix) :], re.S) is not None

    def describe(self) -> str:
        return f"{self.kind} '{self.name}': {self.difference}"

    @model_validator(mode="after")
    def _one_difference(self) -> AcceptedDifference:
        named = [kind for kind in SCHEMA_OBJECTS if getattr(self, kind) is not None]
        if len(named) != 1:
            raise rule(f"needs exactly one of {', '.join(SCHEMA_OBJECTS)}: the object that differs")
        if self.difference is None:
            raise rule("missing key 'difference': the text after \"table 'name': \" in the evidence, * for any text")
        if not self.difference.strip("* "):
            raise rule(
                "would accept every difference of the object: name the one difference (to skip a table, ignore_tables)",
                "difference",
            )
        return self


class AcceptedEdit(Scoped):
    """A migration a release intends to ship edited after an older release applied it: accepted
    by the `history` check, and required, where its scope says."""

    revision: Annotated[Text, Required] = Field(
        description="The edited migration: an Alembic revision id (sql: the file's name), as the evidence names it.",
        examples=["b77ca9d2de7e"],
    )
    reason: Annotated[Text, Required] = Field(
        description="Why the edit is harmless or intended; shown with it in the evidence.",
        examples=["1.0.7 made the index creation idempotent; what 1.0.0 created is kept"],
    )

    @property
    def key(self) -> str:
        return self._label


def _name_or(model: type[BaseModel], name: Any) -> Any:
    """A name (a whole column or table; a switch) or a mapping (some rows only; settings); a `name`
    that is a string is what the name must be (a column name)."""
    if isinstance(name, str):
        name = _must(lambda value: isinstance(value, str), f"{name} or a mapping", {"type": "string"})
    return Annotated[
        Annotated[name, Tag(NAME)] | Annotated[model, Tag(MAPPING)],
        Discriminator(lambda value: MAPPING if isinstance(value, (dict, BaseModel)) else NAME),
    ]


ChangedColumns = _list(_name_or(RowChange, "a column name"))
StrKeys = AfterValidator(lambda mapping: {str(key): value for key, value in mapping.items()})  # a table: 1 is '1'


LocksSwitch = _must(
    lambda value: value is None or isinstance(value, bool) or value == "off",
    "off or a mapping",
    {"enum": [True, False, "off", None]},
)


class LocksConfig(Section):
    """Locks and stalls measured while each migration runs (PostgreSQL, MariaDB/MySQL), and what
    each finding does: fail, warn or off. Warnings by default: a finding is worth a look, rarely a
    reason to stop a pipeline before the user says so."""

    max_blocked_ms: Number = _key("A read or write of a table blocked longer than this is a finding.", 1000)
    blocked: Severity = _key("What a read or write blocked over max_blocked_ms does.", "warn")
    rewrite: Severity = _key("What a table with rows rewritten (rebuilt) does.", "warn")
    blocking_index: Severity = _key("What an index built without CONCURRENTLY on a table with rows does.", "warn")
    _measure: bool = PrivateAttr(True)

    @property
    def measure(self) -> bool:
        """False: `checks.locks: off`, nothing measured."""
        return self._measure


def _locks(switch: Any) -> LocksConfig:
    """`checks.locks` as the run reads it: thresholds, or off (YAML's false), or on with defaults."""
    if isinstance(switch, LocksConfig):
        return switch
    locks = LocksConfig()
    locks._measure = switch not in (False, "off")
    return locks


class ChecksConfig(Section):
    """What is checked, and what a release is declared to do to data."""

    schema_: Flag = _key("The schema check.", True, alias="schema")
    data: Flag = _key("The rows, content and moves checks.", True)
    idempotent: Flag = _key("Running the same upgrade again changes nothing.", True)
    changes: Annotated[dict[Any, ChangedColumns], _or_empty({}), StrKeys] = _key(
        'table -> columns whose values may change or go ("*": all), or mappings for some rows only.',
        {},
        alias="allow_changes",
        examples=[{"users": ["email"]}],
    )
    renamed: Annotated[dict[Any, Annotated[dict[Any, NewName], _or_empty({}), StrKeys]], _or_empty({}), StrKeys] = _key(
        "table -> {old column: new column}: a renamed column's values are followed.",
        {},
        examples=[{"users": {"name": "full_name"}}],
    )
    losses: _list(_name_or(LostRows, "a table name")) = _key(
        "Tables whose rows may go, or mappings for some rows only.",
        [],
        alias="allow_lost_rows",
        examples=[["audit_log"]],
    )
    ignore_tables: Texts = _key("Tables never captured nor compared.", [], examples=[["sessions"]])
    float_tolerance: Number = _key("Relative tolerance of float comparisons.", 0, examples=[1e-6])
    sql: _list(SqlAssertion) = _key("Your own SQL assertions.", [])
    volatile: Annotated[dict[Any, Texts], _or_empty({}), StrKeys] = _key(
        "table -> columns the app writes itself: not compared.", {}, examples=[{"servers": ["last_seen"]}]
    )
    moves: _list(Move) = _key("Values a release moves to another column.", [])
    accept_schema: _list(AcceptedDifference) = _key("Known, harmless schema differences.", [])
    history: Severity = _key(
        "An applied migration edited since (sql, alembic): fail, warn or off (default: fail; warn for golang-migrate "
        "and alembic)."
    )
    accept_edited: _list(AcceptedEdit) = _key("Migrations a release intends to ship edited.", [])
    rolling: Severity = _key(
        "The release before the newest, already running, probed while the upgrade to the newest runs: "
        "fail, warn or off (default: warn, its app's requests; verify.command too when set)."
    )
    naive_timezone: Annotated[TimeZone, _or_empty("UTC")] = _key(
        "The zone of timestamps without one, when compared with one that has it.", "UTC"
    )
    locks: Annotated[_name_or(LocksConfig, LocksSwitch), AfterValidator(_locks)] = _key(
        "Lock and stall measurement (PostgreSQL, MariaDB/MySQL; on by default): off, or thresholds.",
        True,
        examples=[{"max_blocked_ms": 500, "rewrite": "fail"}, "off"],
    )

    @model_validator(mode="after")
    def _labelled(self) -> ChecksConfig:
        """Each declaration knows the key that declares it, so that evidence names it."""
        listed = {f"allow_changes.{table}": entries for table, entries in self.changes.items()}
        listed.update(allow_lost_rows=self.losses, moves=self.moves, accept_schema=self.accept_schema)
        listed.update(accept_edited=self.accept_edited)
        for key, entries in listed.items():
            for index, entry in enumerate(entries):
                if isinstance(entry, Section):
                    entry._label = f"checks.{key}[{index}]"
                if isinstance(entry, RowChange):
                    entry._table = key.removeprefix("allow_changes.")
        return self

    @property
    def schema(self) -> bool:  # type: ignore[override]
        return self.schema_

    @property
    def allow_changes(self) -> dict[str, tuple[str, ...]]:
        """Whole columns whose values may change, by table."""
        whole = {table: tuple(c for c in entries if isinstance(c, str)) for table, entries in self.changes.items()}
        return {table: columns for table, columns in whole.items() if columns}

    @property
    def row_changes(self) -> tuple[RowChange, ...]:
        return tuple(entry for entries in self.changes.values() for entry in entries if isinstance(entry, RowChange))

    @property
    def allow_lost_rows(self) -> tuple[str, ...]:
        return tuple(entry for entry in self.losses if isinstance(entry, str))

    @property
    def row_losses(self) -> tuple[RowCondition, ...]:
        return tuple(entry.rows for entry in self.losses if isinstance(entry, LostRows))

    def declared_conditions(self, scenario: Any, engine: str) -> list[RowCondition]:
        """The conditions whose rows the scenario must select before migrating (those in its scope with a WHERE)."""
        declared = [*(m.rows for m in self.moves), *(c.rows for c in self.row_changes), *self.row_losses]
        return [rows for rows in declared if rows.where is not None and rows.scope.matches(scenario, engine)]


class ReportConfig(Section):
    """Where the reports go."""

    dir: Annotated[Text, _path(True, must_exist=False)] = _key(
        "The folder of report.html, results.json, junit.xml, summary.md.", "migtest-results"
    )


class StepsConfig(Section):
    """Step tests: one YAML or Python file per migration; run by `migtest steps`, and by `migtest run`
    too when `run` is set."""

    dir: Annotated[Text, _path(True, must_exist=False)] = _key(
        "Their folder (the default one may be absent).", "migtest/steps"
    )
    run: Flag = _key("migtest run runs them too.", False)

    @model_validator(mode="after")
    def _named_folder_exists(self, info: ValidationInfo) -> StepsConfig:
        if "dir" in self.model_fields_set and "root" in (info.context or {}) and not found(self.dir, directory=True):
            raise rule(f"directory not found: {self.dir}", "dir")
        return self


class LintConfig(Section):
    """The static lint of migration SQL (migtest lint)."""

    ignore: _list(_choice(*RULES)) = _key(
        "Rules not reported, each kept off by name (never the whole lint).", [], [["drop-column"]]
    )


def _optional(section: type[Section]) -> Any:
    """A section that may be left out or null: its defaults then."""
    return Annotated[section | None, _or_empty({})]


class Config(Section):
    """migtest.yml: how to install, seed, migrate and check every release."""

    migrations: MigrationsConfig = Field(description="How each release's migrations run.")
    database: _optional(DatabaseConfig) = _key("The database the scenarios run on (default: SQLite).", {})
    versions: Annotated[tuple[Version, ...], _or_empty(()), Field(min_length=1)] = Field(
        description="The releases, oldest first."
    )
    app: AppConfig | None = _key("How a version's image runs as the app.")
    matrix: _optional(MatrixConfig) = _key("Which scenarios run.", {})
    seed: _optional(SeedConfig) = _key("The data each release's database holds before it migrates.", {})
    verify: _optional(VerifyConfig) = _key("Your own checks on a migrated database.", {})
    checks: _optional(ChecksConfig) = _key("What is checked, and what a release is declared to do to data.", {})
    report: _optional(ReportConfig) = _key("Where the reports go.", {})
    steps: _optional(StepsConfig) = _key("Step tests.", {})
    lint: _optional(LintConfig) = _key("migtest lint: the static lint of migration SQL.", {})
    _file: Path = PrivateAttr(Path("migtest.yml"))

    @model_validator(mode="before")
    @classmethod
    def _older_spelling(cls, data: Any) -> Any:
        """`app.previous_release` is the older name of `verify.previous_release`: one of the two."""
        app, verify = (data.get(key) if isinstance(data, dict) else None for key in ("app", "verify"))
        older = app.get("previous_release") if isinstance(app, dict) else None
        if older is None:
            return data
        verify = verify if isinstance(verify, dict) else {}
        if "previous_release" in verify:
            raise rule("app.previous_release says this too; keep one of them", "verify", "previous_release")
        return {**data, "verify": {**verify, "previous_release": older}}

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Config:
        for index, version in enumerate(self.versions):
            if any(other.name == version.name for other in self.versions[:index]):
                raise rule(f"version name '{version.name}' is used twice", "versions", index, "name")
        _check_containers(self)
        _check_placeholders(self)
        if "file" in (info.context or {}):
            self._file = (info.context or {})["file"]
        return self

    @property
    def path(self) -> Path:
        """The file it was read from."""
        return self._file

    @property
    def root(self) -> Path:
        """The file's folder: relative paths in it start there."""
        return self._file.parent

    def version(self, name: str) -> Version:
        return next(v for v in self.versions if v.name == name)

    @property
    def schemas(self) -> tuple[str | None, ...]:
        """The schemas captured (None: the connection's default): `database.schemas` when given, else
        the default one plus `migrations.schema`. Only PostgreSQL has several per database."""
        if self.database.engine != "postgres":
            return (None,)
        return self.database.schemas or (None, *filter(None, [self.migrations.schema]))


def _check_containers(config: Config) -> None:
    """Images and the app go together: on-start needs an image per version and an `app:` section,
    API seeding and verification need a running app; mixing images and trees is not supported."""
    images = [v.containerized for v in config.versions]
    tool, app, database = config.migrations.tool, config.app, config.database
    if any(images) and not all(images):
        raise rule("give every version an image or a build, or none of them", "versions", images.index(False))
    if any(images) and tool not in ("on-start", "command"):
        raise rule(f"versions with images need migrations.tool on-start or command, not '{tool}'", "migrations", "tool")
    if tool == "on-start" and not any(images):
        raise rule("on-start needs an image or a build for every version", "versions", 0)
    apis = config.seed.api or config.verify.api
    if (tool == "on-start" or apis) and app is None:
        raise rule("missing section 'app' (how to start a version's image and tell it is ready)", "app")
    host = (urlsplit(database.url).hostname or "").lower() if any(images) and database.url else ""
    if host in ("localhost", "127.0.0.1", "::1"):
        raise rule(
            f"the versions' containers cannot reach a server on {host}: give a host name they resolve "
            "(e.g. a service container's) or use database.image",
            "database",
            "url",
        )
    if app is not None and app.services and not any(images):
        raise rule("services start beside the app's image: give every version an image or a build", "app", "services")
    if apis and not any(images):
        raise rule("seed.api and verify.api talk to the app: give every version an image or a build", "versions")


def _check_placeholders(config: Config) -> None:
    """`{database_url:<driver>}` must name a driver of the run's engine (known only now:
    --database-url may have changed it); verify.api may only use what seed.api captures."""
    commands = ("upgrade", "downgrade", "install", "current", "history")
    filled: dict[tuple[str | int, ...], str | None] = {
        ("migrations", key): getattr(config.migrations, key) for key in commands
    }
    filled["seed", "command"] = config.seed.command
    filled.update({("app", "env", name): value for name, value in (config.app.env if config.app else ())})
    for where, text in filled.items():
        if text and (wrong := unknown_driver(text, config.database.engine)):
            raise rule(wrong, *where)
    for index, read in enumerate(config.verify.api):
        for key in ("path", "query"):
            unknown = sorted(placeholders(getattr(read, key)) - config.seed.captures - {"version"})
            if unknown:
                raise rule(f"{{{unknown[0]}}} is captured by no seed.api request", "verify", "api", index, key)


def problem_of(error: ErrorDetails) -> tuple[tuple[str | int, ...], str]:
    """Where a mistake pydantic found is (keys and list indexes) and what it is, in migtest's words."""
    where = tuple(part for part in error["loc"] if part not in (NAME, MAPPING))
    where = (*where, *(error.get("ctx") or {}).get("key", ()))
    value, code = error.get("input"), error["type"]
    if code == "extra_forbidden":
        known = sorted(_fields_at(where[:-1]))
        close = difflib.get_close_matches(str(where[-1]), known, n=1)
        return (
            where,
            f"unknown key (did you mean '{close[0]}'?)" if close else f"unknown key (known keys: {', '.join(known)})",
        )
    if code == "missing":
        described = _fields_at(where[:-1])[where[-1]].description or ""
        return where[:-1], f"missing key '{where[-1]}' ({described[:1].lower()}{described[1:].rstrip('.')})"
    if code in ("model_type", "dict_type", "model_attributes_type"):
        return where, f"must be a mapping, got {kind(value)}"
    if code in ("list_type", "tuple_type"):
        return where, f"must be a list, got {kind(value)}"
    if code == "too_short":
        return where, "must list at least one version, oldest first"
    return where, error["msg"]


def _fields_at(where: tuple[str | int, ...]) -> dict[str, FieldInfo]:
    """The fields of the section at `where` by key, following the models' fields (list indexes and
    the keys of mappings such as checks.renamed are not fields: the section stays the same)."""
    model: Any = Config
    for part in where:
        field = _keyed(model).get(part)
        model = (section_of(field.annotation) if field else None) or model
    return _keyed(model)


def _keyed(model: type[Section]) -> dict[str | int, FieldInfo]:
    return {field.alias or name: field for name, field in model.model_fields.items()}


def section_of(annotation: Any) -> Any:
    """The Section model inside an annotation (Optional, list, dict, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, Section):
        return annotation
    return next((found for part in get_args(annotation) if (found := section_of(part)) is not None), None)
