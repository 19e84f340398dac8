"""The forms of a database's address that commands can be given.

`{database_url}` is the SQLAlchemy URL migtest itself connects with (psycopg 3, PyMySQL). Apps on
SQLAlchemy 1.x, psycopg2, asyncpg or other languages need other forms: `{database_dsn}` is the
engine's plain URL (`postgresql://...`, `mysql://...`; for SQLite the file's path, which every
SQLite client takes), `{database_url:<driver>}` the SQLAlchemy URL with another driver of the
same engine, and `{database_url:default}` the SQLAlchemy URL of the engine's default driver
(`postgresql://`, `mysql://`, `sqlite:///`: what SQLAlchemy 1.x apps take on every engine).
`{database_url:psycopg2,pymysql,default}` is the first listed driver the run's engine has: one
command for an app on SQLAlchemy 1.x on every engine without mysqlclient, a C build, which is
SQLAlchemy's default for `mysql://`.
Each has the password in URL form, which masking hides wherever it is printed.

`database.url` itself is written with `${NAME}` for what comes from the environment; `fill_url`
fills it so that a raw password there still makes a URL that reads as the user meant.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from migtest.errors import ConfigError
from migtest.masking import URL_LOGIN

# SQLAlchemy's driver names, by backend.
DRIVERS = {
    "postgresql": ("psycopg", "psycopg2", "psycopg2cffi", "asyncpg", "pg8000", "psycopg_async"),
    "mysql": ("pymysql", "mysqldb", "mysqlconnector", "mariadbconnector", "asyncmy", "aiomysql", "cymysql"),
    "sqlite": ("pysqlite", "aiosqlite", "pysqlcipher"),
}
BACKENDS = {"postgres": "postgresql", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}
SCHEMES = {"postgres": ("postgresql", "postgres"), "mysql": ("mysql", "mariadb"), "mariadb": ("mariadb", "mysql")}
DRIVER_PLACEHOLDER = re.compile(r"\{database_url:([^}]*)\}")
ENVIRONMENT_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ENCODE_COMMAND = (
    """python3 -c "import getpass, urllib.parse; print(urllib.parse.quote(getpass.getpass(), safe=''))\""""
)


def fill_url(template: str, value_of: Callable[[str], str]) -> tuple[str, list[str]]:
    """`template` with each `${NAME}` filled by `value_of(NAME)`, and the values that went into its
    password. A placeholder that is the whole user name or password is URL-encoded there: a CI
    secret holds the password itself (the one a service container is given too), and an `@ : / #
    ? %` in it would otherwise end the password early or be decoded as an escape."""
    login = URL_LOGIN.match(template)
    whole = {login.span("user"), login.span("password")} if login else set()
    start, end = login.span("password") if login and login["password"] is not None else (0, 0)
    passwords: list[str] = []

    def fill(match: re.Match[str]) -> str:
        value = value_of(match[1])
        if start <= match.start() and match.end() <= end:
            passwords.append(value)
        return urllib.parse.quote(value, safe="") if match.span() in whole else value

    return ENVIRONMENT_PLACEHOLDER.sub(fill, template), passwords


def unencoded_login(url: str) -> str | None:
    """Why `url` cannot be read as meant, or None: a second `@` is one in the user name or
    password left unencoded, and the part after the first would be taken for the host."""
    if url.count("@") < 2:
        return None
    return (
        "has more than one '@', so its password would end at the first and the rest be taken for the "
        "host: URL-encode the user name and password (@ as %40; also : / # ? %), e.g. with "
        f"{_ENCODE_COMMAND}, or put the password itself in a variable that fills the whole password "
        "(user:${PASSWORD}@host), which migtest encodes"
    )


PORTS = range(1, 65536)  # a TCP port, wherever migtest takes one


def url_forms(url: str) -> dict[str, str]:
    """Placeholder name -> value, for every form of the database at `url` (a SQLAlchemy URL)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    forms = {"database_url": url, "database_dsn": dsn(url)}
    forms["database_url:default"] = parsed.set(drivername=backend).render_as_string(hide_password=False)
    for driver in DRIVERS.get(backend, ()):
        forms[f"database_url:{driver}"] = parsed.set(drivername=f"{backend}+{driver}").render_as_string(
            hide_password=False
        )
    return forms


def choose_drivers(text: str, forms: Mapping[str, str]) -> str:
    """Each `{database_url:a,b,...}` in `text` as `{database_url:x}`, x the first listed driver that
    `forms` (the database's, from url_forms) has; left as written where none is."""

    def choose(match: re.Match[str]) -> str:
        names = match[1].split(",")
        return next((f"{{database_url:{name}}}" for name in names if f"database_url:{name}" in forms), match[0])

    return DRIVER_PLACEHOLDER.sub(choose, text)


def dsn(url: str) -> str:
    """The engine's plain URL without a driver; for SQLite the database file's path."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.database or ""
    return parsed.set(drivername=backend).render_as_string(hide_password=False)


def url_problem(url: str) -> str | None:
    """Why `url` cannot be connected to as written (it is no URL, or its port is no TCP port), or None."""
    try:
        port = make_url(url).port
    except ArgumentError:
        return "not a database URL (driver://user:password@host:port/database)"
    except ValueError:  # SQLAlchemy reads the port with int()
        return port_problem(_port_text(url))
    return None if port is None else port_problem(port)


def port_problem(port: object) -> str | None:
    """Why `port` is not a TCP port (1-65535), or None."""
    if isinstance(port, int) and not isinstance(port, bool) and port in PORTS:
        return None
    shown = f"'{port}'" if isinstance(port, str) else str(port)
    return f"the port must be a number from {PORTS.start} to {PORTS.stop - 1}, got {shown}"


def _port_text(url: str) -> str:
    """The port as written: after the host (an IPv6 address in brackets may hold colons itself)."""
    host = urlsplit(url).netloc.rpartition("@")[2]
    return host.rpartition("]")[2].removeprefix(":") if host.startswith("[") else host.partition(":")[2]


def unknown_driver(text: str, engine: str) -> str | None:
    """Why a `{database_url:<driver>[,<driver>...]}` in `text` cannot be filled for `engine`, or None."""
    backend = BACKENDS[engine]
    known = f"known: default, {', '.join(DRIVERS[backend])} (or {{database_dsn}} for the plain URL)"
    every = {"default", *(driver for drivers in DRIVERS.values() for driver in drivers)}
    for listed in DRIVER_PLACEHOLDER.findall(text):
        names = listed.split(",")
        if len(names) > 1 and (typo := next((name for name in names if name not in every), None)) is not None:
            return f"{{database_url:{listed}}}: '{typo}' is a driver of no engine; {known}"
        if not any(name == "default" or name in DRIVERS[backend] for name in names):
            what = f"'{listed}' is not a driver" if len(names) == 1 else f"none of {', '.join(names)} is a driver"
            return f"{{database_url:{listed}}}: {what} of {engine}; {known}"
    return None


def scheme(url: str) -> str:
    """The scheme a URL starts with, without its driver (postgresql+psycopg: postgresql)."""
    return url.split(":", 1)[0].split("+", 1)[0].lower()


def scheme_problem(url: str, engine: str) -> str | None:
    """Why `url` is not a URL of the server engine `engine` by its scheme, or None."""
    if scheme(url) in SCHEMES[engine]:
        return None
    return f"a {engine} URL starts with {' or '.join(f'{s}://' for s in SCHEMES[engine])}, got {scheme(url)}://"


def engine_of_url(url: str) -> str:
    """The engine a `--database-url` names by its scheme."""
    engines = [engine for engine, schemes in SCHEMES.items() if scheme(url) == schemes[0]]
    if not engines:
        known = ", ".join(f"{schemes[0]}://" for schemes in SCHEMES.values())
        raise ConfigError(f"expected a URL starting with {known}, got {scheme(url)}://", key="--database-url")
    return engines[0]
