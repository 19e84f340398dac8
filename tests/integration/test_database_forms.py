"""`{database_dsn}`, `{database_url:<driver>}` and DATABASE_DSN: the database as apps that do not use
migtest's own SQLAlchemy drivers need it, filled in every command, and masked wherever printed."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from machine import PASSWORD

from migtest.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE

# A migration script written the way a non-SQLAlchemy app is: it connects with the plain DSN
# (psycopg and libpq take `postgresql://` as it is, a MySQL client reads the URL's parts, SQLite
# the file's path) and records the forms it was given.
SCRIPT = """
import json, os, sys, urllib.parse

action, dsn, driver_url = sys.argv[1], sys.argv[2], sys.argv[3]
assert dsn == os.environ["DATABASE_DSN"], (dsn, os.environ["DATABASE_DSN"])
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), f"seen-{action}.json"), "w") as seen:
    json.dump({"dsn": dsn, "driver_url": driver_url, "url": os.environ["DATABASE_URL"]}, seen)


def connect():
    if dsn.startswith("postgresql://"):
        import psycopg
        return psycopg.connect(dsn, autocommit=True)
    if dsn.startswith("mysql://"):
        import pymysql
        parts = urllib.parse.urlsplit(dsn)
        return pymysql.connect(
            host=parts.hostname, port=parts.port, user=urllib.parse.unquote(parts.username),
            password=urllib.parse.unquote(parts.password), database=parts.path.lstrip("/"), autocommit=True,
        )
    import sqlite3
    assert os.path.isabs(dsn) and "://" not in dsn, dsn
    return sqlite3.connect(dsn, isolation_level=None)


if action == "leak":
    password = urllib.parse.unquote(urllib.parse.urlsplit(dsn).password or "")
    print(f"connecting to {dsn} ({driver_url}) with password {password}")
    sys.exit(1)
cursor = connect().cursor()
if action == "upgrade":
    cursor.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(50) NOT NULL)")
    cursor.execute("CREATE TABLE script_version (version INTEGER NOT NULL)")
    cursor.execute("INSERT INTO script_version VALUES (1)")
elif action == "current":
    try:
        cursor.execute("SELECT version FROM script_version")
        print(cursor.fetchone()[0])
    except Exception:
        print("base")
elif action == "seed":
    cursor.execute("INSERT INTO notes VALUES (1, 'seeded through the plain DSN')")
"""
PYTHON = sys.executable  # has the drivers the script uses
DRIVERS = {None: ("aiosqlite", "sqlite+aiosqlite:///"), "postgres": ("psycopg2", "postgresql+psycopg2://")}
DRIVERS["mariadb"] = ("mysqldb", "mysql+mysqldb://")


def dsn_project(root: Path, engine: str | None, action: str = "upgrade", driver: str | None = None) -> Path:
    driver = driver or DRIVERS[engine][0]
    root.mkdir(parents=True)
    (root / "migrate.py").write_text(textwrap.dedent(SCRIPT))
    arguments = f"{{database_dsn}} {{database_url:{driver}}}"
    config = {
        "migrations": {
            "tool": "command",
            "upgrade": f"{PYTHON} migrate.py {action} {arguments}",
            "current": f"{PYTHON} migrate.py current {arguments}",
        },
        "versions": [{"name": "1", "revision": "1"}],
        "seed": {"command": f"{PYTHON} migrate.py seed {arguments}"},
        "matrix": {"upgrade": "none", "downgrade": "none"},
        "checks": {"ignore_tables": ["script_version"]},
    }
    (root / "migtest.yml").write_text(yaml.safe_dump(config))
    return root / "migtest.yml"


def engine_of(database_config) -> str | None:
    return database_config["engine"] if database_config else None


@pytest.mark.engines
def test_commands_connect_with_the_plain_dsn(tmp_path, run_migtest, database_config):
    engine = engine_of(database_config)
    config = dsn_project(tmp_path / "project", engine)

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check("fresh-1", "migration")["summary"] == "ended at revision 1"
    seen = {action: json.loads((config.parent / f"seen-{action}.json").read_text()) for action in ("upgrade", "seed")}
    scheme = {None: "", "postgres": "postgresql://", "mariadb": "mysql://"}[engine]
    for forms in seen.values():
        assert forms["dsn"].startswith(scheme) and "+" not in forms["dsn"].split("://")[0]
        assert forms["driver_url"].startswith(DRIVERS[engine][1])
        assert forms["driver_url"].split("://", 1)[1] == forms["url"].split("://", 1)[1]


# `default`: what an app on SQLAlchemy 1.x takes on every engine. A list: the first driver the
# engine has, one command on every engine without mysqlclient, SQLAlchemy's `mysql://` (found on
# MLflow: `mlflow db upgrade` on PostgreSQL, MariaDB and SQLite).
SCHEMES = {
    "default": {None: "sqlite://", "postgres": "postgresql://", "mariadb": "mysql://"},
    "psycopg2,pymysql,default": {
        None: "sqlite://",
        "postgres": "postgresql+psycopg2://",
        "mariadb": "mysql+pymysql://",
    },
}


@pytest.mark.engines
@pytest.mark.parametrize("driver", list(SCHEMES))
def test_the_default_driver_or_the_engines_own_in_a_list(tmp_path, run_migtest, database_config, driver):
    engine = engine_of(database_config)
    config = dsn_project(tmp_path / "project", engine, driver=driver)

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    forms = json.loads((config.parent / "seen-upgrade.json").read_text())
    assert forms["driver_url"].startswith(SCHEMES[driver][engine])
    assert forms["driver_url"].split("://", 1)[1] == forms["url"].split("://", 1)[1]


@pytest.mark.parametrize("database_config", ["postgres", "mariadb"], indirect=True)
def test_every_form_of_the_url_is_masked(tmp_path, run_migtest, database_config):
    config = dsn_project(tmp_path / "project", engine_of(database_config), action="leak")

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_FAILED, outcome.output
    evidence = "\n".join(outcome.check("fresh-1", "migration")["evidence"])
    assert "connecting to " in evidence and "with password ***" in evidence
    assert ":***@" in evidence
    for text in (outcome.output, (outcome.report_dir / "results.json").read_text(), evidence):
        assert PASSWORD not in text


@pytest.mark.parametrize(
    ("drivers", "message"),
    [
        ("psycopg2", "{database_url:psycopg2}: 'psycopg2' is not a driver of sqlite"),
        ("psycopg2,pymysql", "{database_url:psycopg2,pymysql}: none of psycopg2, pymysql is a driver of sqlite"),
        ("psycopg2,pymsql,default", "{database_url:psycopg2,pymsql,default}: 'pymsql' is a driver of no engine"),
    ],
)
def test_a_driver_of_another_engine_is_exit_2_naming_the_key(tmp_path, run_migtest, drivers, message):
    config = dsn_project(tmp_path / "project", None)
    settings = yaml.safe_load(config.read_text())
    settings["seed"]["command"] = f"python3 seed.py {{database_url:{drivers}}}"
    config.write_text(yaml.safe_dump(settings))

    outcome = run_migtest(config, command="plan")

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert f"{config}:" in outcome.output
    assert f"key 'seed.command': {message}" in outcome.output
