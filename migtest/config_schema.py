"""The contract of migtest.yml as pydantic models: every key's type, default, allowed values and
description in one place. They check a file whole, so that every mistake is reported in one run,
and they are the source of the JSON Schema (`migtest schema`) and of docs/configuration.md.

Values are as lenient as the loader (config.py) that builds the run's objects from a checked file:
a name may be a YAML number (`name: 1.0`), an optional key may be null.
"""

from __future__ import annotations

import difflib
import math
import re
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic.functional_validators import AfterValidator, BeforeValidator, PlainValidator
from pydantic.json_schema import WithJsonSchema
from pydantic_core import PydanticCustomError

from migtest.database_urls import port_problem
from migtest.lint.rules import RULES
from migtest.scope import ENGINES, RUN_KINDS
from migtest.shell import command_problem

MIGRATORS = ("alembic", "sql", "command", "on-start")
UPGRADE_MODES = ("chain", "all-to-head", "none")
DOWNGRADE_MODES = ("chain", "none")
SQL_LAYOUTS = ("flyway", "golang-migrate")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PAGINATION_KEYS = {  # the keys of verify.api[].paginate each mode reads, beside `by`
    "page": ("param", "start", "size_param", "size", "total"),
    "offset": ("param", "size_param", "size", "total"),
    "cursor": ("param", "key"),
    "link-header": (),
}
PAGINATION_MODES = tuple(PAGINATION_KEYS)
SCHEMA_OBJECTS = ("table", "enum", "sequence")  # what the schema check's evidence lines name first
HOST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
KEY_CASES = ("camel",)
TRANSFORMS = ("slug", "lower", "upper", "strip", "string")
PREVIOUS_RELEASE_MODES = ("fail", "warn", "off")
HISTORY_MODES = ("fail", "warn", "off")
ROLLING_MODES = ("fail", "warn", "off")
LOCK_MODES = ("fail", "warn", "off")  # YAML reads a bare `off` as false: that is off too
MAX_GENERATED_ROWS = 1_000_000  # per table: about a minute of inserts on PostgreSQL (README, bench/generate.py)
MAPPING, NAME = "<mapping>", "<name>"  # the forms of an entry that is a name or a mapping (not in key paths)


def kind(value: Any) -> str:
    """Formats only what it names: a list or mapping may stand for millions of values (aliases)."""
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return f"'{value}'" if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else repr(value)


def _checked(problem: Callable[[Any], str | None], schema: dict[str, Any]) -> Any:
    """A value `problem` accepts (it returns why not), shown to editors as `schema`."""

    def validate(value: Any) -> Any:
        if (found := problem(value)) is not None:
            raise PydanticCustomError("migtest", "{problem}", {"problem": found})
        return value

    return Annotated[Any, PlainValidator(validate), WithJsonSchema(schema)]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text_problem(value: Any) -> str | None:
    if value is None or _number(value) or (isinstance(value, str) and value.strip()):
        return None
    return f"must be a non-empty string, got {kind(value)}"


def _choice(*choices: str) -> Any:
    def problem(value: Any) -> str | None:
        if value is None or value in choices:
            return None
        return _text_problem(value) or f"must be one of {', '.join(choices)}; got '{value}'"

    return _checked(problem, {"enum": list(choices)})


def _seconds_problem(value: Any) -> str | None:
    if _number(value) and 0 < value < math.inf:
        return None
    return f"must be a number of seconds above 0, got {kind(value)}"


def _whole(least: int) -> Any:
    def problem(value: Any) -> str | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= least
        return None if ok else f"must be a whole number >= {least}, got {kind(value)}"

    return _checked(problem, {"type": "integer", "minimum": least})


STRING_OR_NUMBER = {"anyOf": [{"type": "string", "minLength": 1}, {"type": "number"}]}
Text = _checked(_text_problem, STRING_OR_NUMBER)
Command = _checked(
    lambda value: _text_problem(value) or (command_problem(str(value)) if value else None), {"type": "string"}
)
Flag = _checked(
    lambda value: None if isinstance(value, bool) else f"must be true or false, got {kind(value)}", {"type": "boolean"}
)
Number = _checked(
    lambda value: (
        None if _number(value) and 0 <= value < math.inf else f"must be a finite number >= 0, got {kind(value)}"
    ),
    {"type": "number", "minimum": 0},
)
Seconds = _checked(_seconds_problem, {"type": "number", "exclusiveMinimum": 0})
Whole = _whole(1)
Port = _checked(
    lambda value: None if value is None else port_problem(value), {"type": "integer", "minimum": 1, "maximum": 65535}
)
Str = _checked(
    lambda value: None if isinstance(value, str) else f"must be a string, got {kind(value)}", {"type": "string"}
)
Scalar = _checked(
    lambda value: None if isinstance(value, (str, int, float)) else f"must be a string, got {kind(value)}",
    {"type": ["string", "number", "boolean"]},
)


def rule(problem: str, *key: str | int) -> PydanticCustomError:
    """A rule between keys broken; `key`: the key it names, below the section (none: the section)."""
    return PydanticCustomError("migtest", "{problem}", {"problem": problem, "key": key})


def _regex_problem(value: Any) -> str | None:
    try:
        re.compile(str(value))
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    return None


def _zone_problem(value: Any) -> str | None:
    try:
        zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return f"unknown time zone '{value}' (an IANA name such as UTC or Europe/Berlin)"
    return None


def _column_problem(value: Any) -> str | None:
    table, _, column = str(value).rpartition(".")
    return (
        None
        if table and column and "" not in table.split(".")
        else f"must name a column as table.column, got '{value}'"
    )


def _present(value: Any) -> Any:
    """A required key may not be null either."""
    if value is None:
        raise PydanticCustomError("migtest", "must be given, got nothing")
    return value


Required = AfterValidator(_present)


def _or_empty(empty: Any) -> BeforeValidator:
    return BeforeValidator(lambda value: empty if value is None else value)


def _one_or_many(value: Any) -> Any:
    return [value] if _text_problem(value) is None and value is not None else [] if value is None else value


Regex = _checked(
    lambda value: _text_problem(value) or (None if value is None else _regex_problem(value)), {"type": "string"}
)
TimeZone = _checked(
    lambda value: _text_problem(value) or (None if value is None else _zone_problem(value)), {"type": "string"}
)
UrlPath = _checked(
    lambda value: (
        None
        if isinstance(value, str) and value.startswith("/")
        else f"needs a 'path' starting with /, got {kind(value)}"
    ),
    {"type": "string", "pattern": "^/"},
)
Column = _checked(
    lambda value: _text_problem(value) or _column_problem(value), {"type": "string", "pattern": "[^.]\\.[^.]"}
)
NewName = _checked(
    lambda value: "must be the column's new name, got nothing" if value is None else _text_problem(value),
    STRING_OR_NUMBER,
)
Texts = Annotated[list[Str], _or_empty([])]
Pairs = Annotated[dict[Any, Scalar], _or_empty({})]
Names = Annotated[
    list[Str],
    BeforeValidator(lambda value: [str(v) for v in _one_or_many(value)] if _number(value) else _one_or_many(value)),
    WithJsonSchema({"anyOf": [STRING_OR_NUMBER, {"type": "array", "items": STRING_OR_NUMBER}]}),
]


def _key(description: str, default: Any = None, examples: list[Any] | None = None, **more: Any) -> Any:
    return Field(default, description=description, examples=examples, **more)


class Section(BaseModel):
    """A mapping of migtest.yml: unknown keys are errors (with the closest known one as a hint)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Migrations(Section):
    """How each release's migrations run."""

    tool: Annotated[_choice(*MIGRATORS), Required] = Field(
        description="The migration tool: alembic, sql (versioned files), command (your own commands) or on-start "
        "(the app's image migrates when it starts).",
        examples=["alembic"],
    )
    config: Text = _key(
        "alembic: path of alembic.ini (run from its folder), or of the script folder holding env.py; with `package`, "
        "a path inside that package (default alembic.ini).",
        examples=["alembic.ini"],
    )
    package: Text = _key(
        "alembic: `config` is inside this installed package, found in each version's environment.",
        examples=["mcpgateway"],
    )
    dir: Text = _key(
        "sql: the folder of versioned files; `{dialect}` stands for sqlite, postgres or mysql.",
        examples=["db/migration", "db/migration/{dialect}"],
    )
    layout: _choice(*SQL_LAYOUTS) = _key("sql: flyway or golang-migrate (detected when omitted).")
    prefix: Text = _key("sql/flyway: the prefix of versioned files.", "V")
    undo_prefix: Text = _key("sql/flyway: the prefix of undo files.", "U")
    table: Names = _key(
        "History tables beside the known ones (one name or a list, every tool); sql: the first is migtest's own "
        "(default migtest_schema_history); on-start: the first gives the revision.",
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

    @model_validator(mode="after")
    def _what_the_tool_needs(self) -> Migrations:
        if self.package is not None and self.tool != "alembic":
            raise rule(f"a package's migrations are found for tool alembic, not '{self.tool}'", "package")
        inside = Path(str(self.config or "alembic.ini"))
        if self.package is not None and (inside.is_absolute() or ".." in inside.parts):
            raise rule(f"must be a path inside package '{self.package}', got '{inside}'", "config")
        required = {"alembic": "config", "sql": "dir", "command": "upgrade", "on-start": None}[self.tool]
        if required and getattr(self, required) is None and not (required == "config" and self.package):
            raise rule(f"migrations.tool '{self.tool}' needs key '{required}'", required)
        return self


class Database(Section):
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


class Build(Section):
    """An image built from a Dockerfile in the version's tree (the project, or its `ref:`)."""

    context: Text = _key("The build context, relative to the version's tree.", ".")
    dockerfile: Text = _key("The Dockerfile, relative to the context.", "Dockerfile")
    args: Pairs = _key("Build arguments.", {}, examples=[{"VERSION": "1.2"}])


class VersionEntry(Section):
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
    build: Build | None = _key("The release's image, built from a Dockerfile in its tree.")

    @model_validator(mode="after")
    def _one_source(self) -> VersionEntry:
        if self.image and (self.build or self.ref):
            raise rule("an image is used as it is: remove 'build' and 'ref', or 'image'", "image")
        if (self.image or "build" in self.model_fields_set) and self.setup:
            raise rule("a version in an image needs no setup; build it into the image", "setup")
        return self


class Service(Section):
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
    def _how_it_is_ready(self) -> Service:
        if not HOST_NAME.fullmatch(str(self.name)):
            raise rule(f"must be a host name (letters, digits, '.', '_', '-'), got '{self.name}'", "name")
        if not (self.port or self.health or self.ready_log):
            raise rule("needs 'port' (a TCP port), 'health' (a URL) or 'ready_log' (a regex) to tell it is ready")
        if self.health and "{port}" in str(self.health) and self.port is None:
            raise rule("'{port}' in the health URL needs 'port' (the service's port in its container)", "health")
        return self


class Login(Section):
    """`app.auth.login`: a request whose JSON response holds the token (`app.auth.token`)."""

    path: UrlPath = Field(description="The login path, starting with /.", examples=["/auth/login"])
    method: _choice(*HTTP_METHODS) = _key("The HTTP method.", "POST")
    json_: Any = _key("A JSON body (`${NAME}` from the environment, masked).", alias="json")
    form: Pairs = _key("A form body (`${NAME}` from the environment, masked).", {})
    status: Whole = _key("The status a successful login answers.", 200)

    @model_validator(mode="after")
    def _one_body(self) -> Login:
        if self.json_ is not None and self.form:
            raise rule("send either 'json' or 'form', not both", "form")
        return self


class Basic(Section):
    """HTTP basic authentication."""

    username: Text = _key("The user name (`${NAME}` from the environment, masked).")
    password: Text = _key("The password (`${NAME}` from the environment, masked).", examples=["${APP_PASSWORD}"])

    @model_validator(mode="after")
    def _both(self) -> Basic:
        if self.username is None or self.password is None:
            raise rule("needs 'username' and 'password'")
        return self


class Auth(Section):
    """How API requests authenticate: exactly one of `bearer`, `basic` or `login`."""

    bearer: Text = _key("A token (`${NAME}` from the environment, masked).", examples=["${API_TOKEN}"])
    basic: Basic | None = _key("HTTP basic authentication.")
    login: Login | None = _key("A request that logs in; its response holds the token.")
    token: Text = _key("login: the dotted key of the token in the login response.", "access_token")
    header: Text = _key("The header the token is sent in.", "Authorization")
    scheme: Str = _key('Written before the token ("" sends the token alone).', "Bearer")

    @model_validator(mode="after")
    def _one_way(self) -> Auth:
        given = [key for key in ("bearer", "basic", "login") if getattr(self, key) is not None]
        if len(given) != 1:
            raise rule(f"needs exactly one of 'bearer', 'basic' or 'login', got {len(given)}")
        if "token" in self.model_fields_set and self.login is None:
            raise rule("is read from the response of 'login': give 'login' or remove it", "token")
        return self


class App(Section):
    """How a version's image runs as the app: on-start migrates by starting it, API seeding and
    verification talk to it."""

    env: Pairs = _key(
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
    previous_release: _choice(*PREVIOUS_RELEASE_MODES) = _key(
        "Deprecated: write verify.previous_release.", deprecated=True
    )
    headers: Pairs = _key("Headers sent with every request of seed.api and verify.api.", {})
    auth: Auth | None = _key("How API requests authenticate.")
    services: Annotated[list[Service], _or_empty([])] = _key("Companions started beside the app.", [])

    @model_validator(mode="after")
    def _how_it_is_ready(self) -> App:
        for index, service in enumerate(self.services):
            if any(str(other.name) == str(service.name) for other in self.services[:index]):
                raise rule(f"service name '{service.name}' is used twice", "services", index, "name")
        if self.health is None and self.ready_log is None:
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
    method: _choice(*HTTP_METHODS) = _key("The HTTP method.", "POST")
    json_: Any = _key("The JSON body.", alias="json", examples=[{"name": "a"}])
    status: Whole = _key("The status expected (default 201 for POST, else 200).")
    versions: Texts = _key("Only for these versions (default: every one).", [])
    query: Pairs = _key("Query parameters.", {})
    headers: Pairs = _key("Headers of this request.", {})
    capture: Pairs = _key(
        "Values of the JSON response: name -> dotted key, `{name}` in later requests.",
        {},
        examples=[{"item_id": "id"}],
    )


class Pagination(Section):
    """How to ask for the next page when the body holds no `next` link."""

    by: Annotated[_choice(*PAGINATION_MODES), Required] = Field(description="page, offset, cursor or link-header.")
    param: Text = _key("The query parameter (default: page, offset or cursor).")
    start: _whole(0) = _key("page: the first page's number.", 1)
    size_param: Text = _key("The query parameter that asks for the page size (offset: default limit).")
    size: Whole = _key("The page size asked for.")
    key: Text = _key("cursor: the dotted key of the next cursor in the body.", examples=["nextCursor"])
    total: Text = _key("page, offset: the dotted key of the number of items.")

    @model_validator(mode="after")
    def _keys_of_the_mode(self) -> Pagination:
        for key in sorted(self.model_fields_set - {"by"}):
            if key not in PAGINATION_KEYS[self.by]:
                raise rule(f"not used when paginating by {self.by}", key)
        if self.by == "cursor" and self.key is None:
            raise rule("paginating by cursor needs 'key', the dotted key of the next cursor (e.g. nextCursor)")
        if self.size is not None and self.size_param is None and self.by != "offset":
            raise rule("needs 'size_param', the query parameter that asks for the page size", "size")
        return self


Transforms = _checked(
    lambda value: (
        None
        if all(name in TRANSFORMS for name in (value if isinstance(value, list) else [value]))
        else f"must be one of {', '.join(TRANSFORMS)} (or a list of them)"
    ),
    {"anyOf": [{"enum": list(TRANSFORMS)}, {"type": "array", "items": {"enum": list(TRANSFORMS)}}]},
)


class SeededMatch(Section):
    """How a body sent by seed.api reads back, applied in this order."""

    unwrap: Text = _key("The dotted key of the object inside the body.")
    ignore: Texts = _key("Keys never read back.", [])
    transform: Annotated[dict[Any, Transforms], _or_empty({})] = _key(
        "key -> slug | lower | upper | strip | string, or a list of them, in turn.", {}, examples=[{"name": "slug"}]
    )
    case: _choice(*KEY_CASES) = _key("camel: snake_case keys read as camelCase.")
    keys: Pairs = _key("Sent key -> the key read (dotted for nested).", {})


Contains = _checked(
    lambda value: (
        None
        if value == "seeded" or isinstance(value, list)
        else f"must be 'seeded' or a list of objects, got {kind(value)}"
    ),
    {"anyOf": [{"const": "seeded"}, {"type": "array"}]},
)


class ApiRead(Section):
    """A read of `verify.api`: every page of a listing, which must hold the expected objects."""

    path: UrlPath = Field(description="The path, starting with /.", examples=["/items"])
    status: Whole = _key("The status expected.", 200)
    items: Text = _key('The dotted key of the list in a page ("": the page is the list).', "")
    next: Text = _key("The dotted key of the next page's path or URL.")
    contains: Contains = _key("seeded (the bodies seed.api sent to this path) or a list of objects to find.", "seeded")
    versions: Texts = _key("Only for these versions (default: every one).", [])
    query: Pairs = _key("Query parameters.", {})
    headers: Pairs = _key("Headers of this request.", {})
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


class Verify(Section):
    """Your own checks on a migrated database."""

    api: Annotated[list[ApiRead], _or_empty([])] = _key("Reads of the app's API after migrating.", [])
    command: Command = _key(
        "Your own check, run as a release on a migrated database.", examples=["python -m myapp.check {database_url}"]
    )
    previous_release: _choice(*PREVIOUS_RELEASE_MODES) = _key(
        "fail | warn | off: the release before the newest runs `command` (and its app) on the newest's schema.",
        "fail",
    )
    target: Flag = _key("The migrated-to release runs `command` too, after every migration and fresh install.", False)

    @model_validator(mode="after")
    def _target_needs_command(self) -> Verify:
        if self.target and self.command is None:
            raise rule("needs 'command' (what the migrated-to release runs on the migrated database)", "target")
        return self


class Matrix(Section):
    """Which scenarios run."""

    fresh: Flag = _key("A fresh install of every version.", True)
    upgrade: _choice(*UPGRADE_MODES) = _key("chain (each to the next), all-to-head or none.", "chain")
    skip: Annotated[list[Any], _or_empty([])] = _key(
        "Extra [from, to] pairs of versions.", [], examples=[[["1.0", "head"]]]
    )
    downgrade: _choice(*DOWNGRADE_MODES) = _key("chain (each back to the previous) or none.", "chain")


class Generate(Section):
    """Rows made up from the schema, edge cases included."""

    rows: Annotated[
        int,
        PlainValidator(lambda value: _whole_rows(value)),
        WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_GENERATED_ROWS}),
    ] = Field(description="Rows generated per table.", examples=[1000])
    seed: Annotated[int, PlainValidator(lambda value: _integer(value)), WithJsonSchema({"type": "integer"})] = _key(
        "Makes the same rows again.", 0
    )
    exclude: Texts = _key("`table` or `table.column` left out.", [], examples=[["audit_log", "users.avatar"]])
    values: Annotated[dict[Any, Any], _or_empty({})] = _key(
        "`table.column` -> one fixed value.", {}, examples=[{"users.role": "admin"}]
    )
    batch: Whole = _key("Rows inserted per statement batch.", 1000)

    @model_validator(mode="after")
    def _names_of_columns(self) -> Generate:
        for index, name in enumerate(self.exclude):
            if "" in name.strip().split("."):
                raise rule(f"must name a table or table.column, got '{name}'", "exclude", index)
        for name in self.values:
            if not isinstance(name, str) or "." not in name or "" in name.split("."):
                raise rule("must name a column as table.column", "values", str(name))
        return self


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("migtest", "must be a whole number, got {found}", {"found": kind(value)})
    return value


def _whole_rows(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PydanticCustomError("migtest", "must be a whole number >= 1, got {found}", {"found": kind(value)})
    if value > MAX_GENERATED_ROWS:
        raise PydanticCustomError(
            "migtest", "{problem}", {"problem": f"at most {MAX_GENERATED_ROWS:,} rows per table, got {value:,}"}
        )
    return value


class Seed(Section):
    """The data each release's database holds before it migrates."""

    sql: Text = _key(
        "One SQL file per version, written against that version's schema.", examples=["seeds/{version}.sql"]
    )
    command: Command = _key("Runs in the version's tree and environment.", examples=["python seed.py {database_url}"])
    api: Annotated[list[ApiRequest], _or_empty([])] = _key("Requests to the app's API.", [])
    generate: Generate | None = _key("Rows made up from the schema.")
    restore: Text = _key("A snapshot of the release's database, restored first.", examples=["snapshots/{version}.dump"])


class Scoped(Section):
    """The scenarios an entry is about; every condition given must hold."""

    from_: Names = _key("Source versions.", [], alias="from")
    to: Names = _key("Target versions.", [])
    kinds: Names = _key(f"Scenario kinds: {', '.join(RUN_KINDS)}.", [])
    scenarios: Names = _key("Globs on scenario ids, as --only takes them.", [], examples=[["*-to-head"]])
    engines: Names = _key(f"The run's database engine: {', '.join(ENGINES)}.", [], examples=[["sqlite"]])


class When(Scoped):
    """`when`: the migrating scenarios a data declaration is about."""

    crosses: Names = _key("The upgrades and skips from before this version to it or later.", [], examples=["2.0"])


class SomeRows(Section):
    """Some rows of a table: those matching `where`, in the scenarios of `when`."""

    where: Text = _key("SQL, evaluated before migrating (default: every row).", examples=["kind = 'secret'"])
    when: When | None = _key("The scenarios it is about (default: every migrating one).")


class ChangedRows(SomeRows):
    """Changes allowed in some rows."""

    column: Annotated[Text, Required] = Field(description="The column whose values may change.")
    becomes: Any = _key("The value the column must become (null included).")


class LostRows(SomeRows):
    """Rows of a table that may go."""

    table: Annotated[Text, Required] = Field(description="The table.")


class MoveEntry(SomeRows):
    """Values a release moves to another column."""

    from_: Annotated[Column, Required] = Field(
        description="The source column, as table.column.", alias="from", examples=["tags.value"]
    )
    to: Annotated[Column, Required] = Field(description="The target column, as table.column.", examples=["items.color"])
    key: Pairs = _key(
        "Source columns -> target columns that find the row each value arrives at.", {}, examples=[{"item_id": "id"}]
    )

    @model_validator(mode="after")
    def _pairs_given(self) -> MoveEntry:
        if "key" in self.model_fields_set and not self.key:
            raise rule("must pair at least one column, e.g. {item_id: id}", "key")
        return self


Rows = _checked(
    lambda value: (
        None
        if isinstance(value, list) and all(isinstance(row, list) for row in value)
        else "must be a list of rows, e.g. [[0]]"
    ),
    {"type": "array", "items": {"type": "array"}},
)


class SqlAssertion(Scoped):
    """Your own SQL assertion on a migrated database."""

    name: Annotated[Text, Required] = Field(description="Its name in the reports.")
    query: Annotated[Text, Required] = Field(description="The query.")
    expect: Rows = Field(description="The rows it must return.", examples=[[[0]]])
    versions: Names = _key("Target versions (the same as `to`).", [])


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

    @model_validator(mode="after")
    def _one_difference(self) -> AcceptedDifference:
        named = [kind for kind in SCHEMA_OBJECTS if getattr(self, kind) is not None]
        if len(named) != 1:
            raise rule(f"needs exactly one of {', '.join(SCHEMA_OBJECTS)}: the object that differs")
        if self.difference is None:
            raise rule("missing key 'difference': the text after \"table 'name': \" in the evidence, * for any text")
        if not accepted_difference(named[0], str(getattr(self, named[0])), str(self.difference)).strip("* "):
            raise rule(
                "would accept every difference of the object: name the one difference (to skip a table, ignore_tables)",
                "difference",
            )
        return self


def accepted_difference(kind: str, name: str, difference: str) -> str:
    """The difference, without the object's name where the whole evidence line was written."""
    return difference.removeprefix(f"{kind} '{name}': ")


def _name_or(model: type[BaseModel], noun: str) -> Any:
    """A name (a whole column or table) or a mapping (some rows only)."""
    name = _checked(
        lambda value: None if isinstance(value, str) else f"must be {noun} or a mapping, got {kind(value)}",
        {"type": "string"},
    )
    return Annotated[
        Annotated[name, Tag(NAME)] | Annotated[model, Tag(MAPPING)],
        Discriminator(lambda value: MAPPING if isinstance(value, dict) else NAME),
    ]


ChangedColumns = Annotated[list[_name_or(ChangedRows, "a column name")], _or_empty([])]


def _lock_mode_problem(value: Any) -> str | None:
    if value is False or value in LOCK_MODES:
        return None
    return f"must be one of {', '.join(LOCK_MODES)}; got {kind(value)}"


LockMode = _checked(_lock_mode_problem, {"enum": list(LOCK_MODES)})
LocksSwitch = _checked(
    lambda value: (
        None
        if value is None or isinstance(value, bool) or value == "off"
        else f"must be off or a mapping, got {kind(value)}"
    ),
    {"enum": [True, False, "off", None]},
)


class Locks(Section):
    """Locks and stalls measured while each migration runs (PostgreSQL), and what they fail or warn."""

    max_blocked_ms: Number = _key("A read or write of a table blocked longer than this is a finding.", 1000)
    blocked: LockMode = _key("What a read or write blocked over max_blocked_ms does.", "warn")
    rewrite: LockMode = _key("What a table with rows rewritten (its relfilenode changed) does.", "warn")
    blocking_index: LockMode = _key("What an index built without CONCURRENTLY on a table with rows does.", "warn")


class Checks(Section):
    """What is checked, and what a release is declared to do to data."""

    schema_: Flag = _key("The schema check.", True, alias="schema")
    data: Flag = _key("The rows, content and moves checks.", True)
    idempotent: Flag = _key("Running the same upgrade again changes nothing.", True)
    allow_changes: Annotated[dict[Any, ChangedColumns], _or_empty({})] = _key(
        'table -> columns whose values may change or go ("*": all), or mappings for some rows only.',
        {},
        examples=[{"users": ["email"]}],
    )
    renamed: Annotated[dict[Any, Annotated[dict[Any, NewName], _or_empty({})]], _or_empty({})] = _key(
        "table -> {old column: new column}: a renamed column's values are followed.",
        {},
        examples=[{"users": {"name": "full_name"}}],
    )
    allow_lost_rows: Annotated[list[_name_or(LostRows, "a table name")], _or_empty([])] = _key(
        "Tables whose rows may go, or mappings for some rows only.", [], examples=[["audit_log"]]
    )
    ignore_tables: Texts = _key("Tables never captured nor compared.", [], examples=[["sessions"]])
    float_tolerance: Number = _key("Relative tolerance of float comparisons.", 0, examples=[1e-6])
    sql: Annotated[list[SqlAssertion], _or_empty([])] = _key("Your own SQL assertions.", [])
    volatile: Annotated[dict[Any, Texts], _or_empty({})] = _key(
        "table -> columns the app writes itself: not compared.", {}, examples=[{"servers": ["last_seen"]}]
    )
    moves: Annotated[list[MoveEntry], _or_empty([])] = _key("Values a release moves to another column.", [])
    accept_schema: Annotated[list[AcceptedDifference], _or_empty([])] = _key("Known, harmless schema differences.", [])
    history: _choice(*HISTORY_MODES) = _key(
        "An applied migration edited since (sql): fail, warn or off (default: fail; warn for golang-migrate)."
    )
    rolling: _choice(*ROLLING_MODES) = _key(
        "The release before the newest, already running, probed while the upgrade to the newest runs: "
        "fail, warn or off (default: warn, its app's requests; verify.command too when set)."
    )
    naive_timezone: TimeZone = _key("The zone of timestamps without one, when compared with one that has it.", "UTC")
    locks: Annotated[
        Annotated[LocksSwitch, Tag(NAME)] | Annotated[Locks, Tag(MAPPING)],
        Discriminator(lambda value: MAPPING if isinstance(value, dict) else NAME),
    ] = _key(
        "Lock and stall measurement (PostgreSQL; on by default): off, or thresholds.",
        True,
        examples=[{"max_blocked_ms": 500, "rewrite": "fail"}, "off"],
    )


class Report(Section):
    """Where the reports go."""

    dir: Text = _key("The folder of report.html, results.json, junit.xml, summary.md.", "migtest-results")


class Lint(Section):
    """The static lint of migration SQL (migtest lint)."""

    ignore: Annotated[list[_choice(*RULES)], _or_empty([])] = _key(
        "Rules not reported, each kept off by name (never the whole lint).", [], [["drop-column"]]
    )


class Steps(Section):
    """Step tests: one YAML or Python file per migration."""

    dir: Text = _key("Their folder (the default one may be absent).", "migtest/steps")
    run: Flag = _key("migtest run runs them too.", False)


class MigtestFile(Section):
    """migtest.yml: how to install, seed, migrate and check every release."""

    migrations: Migrations = Field(description="How each release's migrations run.")
    database: Database | None = _key("The database the scenarios run on (default: SQLite).")
    versions: Annotated[list[VersionEntry], _or_empty([]), Field(min_length=1)] = Field(
        description="The releases, oldest first."
    )
    app: App | None = _key("How a version's image runs as the app.")
    matrix: Matrix | None = _key("Which scenarios run.")
    seed: Seed | None = _key("The data each release's database holds before it migrates.")
    verify: Verify | None = _key("Your own checks on a migrated database.")
    checks: Checks | None = _key("What is checked, and what a release is declared to do to data.")
    report: Report | None = _key("Where the reports go.")
    steps: Steps | None = _key("Step tests.")
    lint: Lint | None = _key("migtest lint: the static lint of migration SQL.")

    @model_validator(mode="after")
    def _said_once(self) -> MigtestFile:
        for index, version in enumerate(self.versions):
            if any(str(other.name) == str(version.name) for other in self.versions[:index]):
                raise rule(f"version name '{version.name}' is used twice", "versions", index, "name")
        verify_mode = self.verify is not None and "previous_release" in self.verify.model_fields_set
        older = vars(self.app).get("previous_release") if self.app else None  # read without its deprecation warning
        if verify_mode and older is not None:
            raise rule("app.previous_release says this too; keep one of them", "verify", "previous_release")
        return self


Problem = tuple[tuple[str | int, ...], str]  # where (keys and list indexes) and what


def problems(data: Any) -> list[Problem]:
    """Every mistake of a migtest.yml document, in the order pydantic finds them."""
    try:
        MigtestFile.model_validate({} if data is None else data)
    except ValidationError as exc:
        return [_problem(error) for error in exc.errors(include_url=False)]
    return []


def _problem(error: Any) -> Problem:
    where = tuple(part for part in error["loc"] if part not in (NAME, MAPPING))
    where = (*where, *(error.get("ctx") or {}).get("key", ()))
    value, code = error.get("input"), error["type"]
    if code == "extra_forbidden":
        return where, _unknown_key(where)
    if code == "missing":
        return where[:-1], f"missing key '{where[-1]}' ({_lowered(_field(where).description or '')})"
    if code in ("model_type", "dict_type", "model_attributes_type"):
        return where, f"must be a mapping, got {kind(value)}"
    if code in ("list_type", "tuple_type"):
        return where, f"must be a list, got {kind(value)}"
    if code == "too_short":
        return where, "must list at least one version, oldest first"
    return where, error["msg"]


def _lowered(description: str) -> str:
    return description[:1].lower() + description[1:].rstrip(".")


def _unknown_key(where: tuple[str | int, ...]) -> str:
    known = sorted(_known_keys(where[:-1]))
    close = difflib.get_close_matches(str(where[-1]), known, n=1)
    return f"unknown key (did you mean '{close[0]}'?)" if close else f"unknown key (known keys: {', '.join(known)})"


def _known_keys(where: tuple[str | int, ...]) -> list[str]:
    """The keys of the section at `where`."""
    return [field.alias or name for name, field in _section_at(where).model_fields.items()]


def _field(where: tuple[str | int, ...]) -> FieldInfo:
    field = _field_of(_section_at(where[:-1]), where[-1])
    assert field is not None
    return field


def _field_of(model: Any, key: str | int) -> FieldInfo | None:
    fields = model.model_fields
    return fields.get(key) or next((field for field in fields.values() if field.alias == key), None)


def _section_at(where: tuple[str | int, ...]) -> Any:
    """The model of the section at `where`, following the models' fields (list indexes and the
    keys of mappings such as checks.renamed are not fields: the section stays the same)."""
    model: Any = MigtestFile
    for part in where:
        if (field := _field_of(model, part)) is not None:
            model = section_of(field.annotation) or model
    return model


def section_of(annotation: Any) -> Any:
    """The Section model inside an annotation (Optional, list, dict, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, Section):
        return annotation
    inner = getattr(annotation, "__args__", ())
    if hasattr(annotation, "__metadata__"):  # Annotated[X, ...]: X is its __origin__
        inner = (annotation.__origin__,)
    return next((found for part in inner if (found := section_of(part)) is not None), None)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of migtest.yml, for editors (yaml-language-server) and check-jsonschema."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **MigtestFile.model_json_schema(by_alias=True)}
