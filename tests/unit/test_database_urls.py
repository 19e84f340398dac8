"""The forms of a database's URL given to commands and to an image's app.env."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from migtest.config import AppConfig, Version
from migtest.config.urls import url_forms
from migtest.databases import Database
from migtest.docker.app import ImageRunner
from migtest.sources import Workspace


def test_plain_dsn_and_driver_forms_keep_the_escaped_password():
    forms = url_forms("postgresql+psycopg://app:p%40ss@db:5432/shop")
    assert forms["database_dsn"] == "postgresql://app:p%40ss@db:5432/shop"
    assert forms["database_url:psycopg2"] == "postgresql+psycopg2://app:p%40ss@db:5432/shop"
    assert forms["database_url:asyncpg"] == "postgresql+asyncpg://app:p%40ss@db:5432/shop"
    assert url_forms("mysql+pymysql://root:pw@db:3306/shop")["database_dsn"] == "mysql://root:pw@db:3306/shop"
    assert url_forms("sqlite:////data/app.db")["database_dsn"] == "/data/app.db"


def test_the_default_driver_form_is_a_url_on_every_engine():
    """What an app on SQLAlchemy 1.x takes whatever the engine: the default driver, no `+driver`."""
    assert url_forms("postgresql+psycopg://app:pw@db/shop")["database_url:default"] == "postgresql://app:pw@db/shop"
    assert url_forms("mysql+pymysql://root:pw@db/shop")["database_url:default"] == "mysql://root:pw@db/shop"
    assert url_forms("sqlite:////data/app.db")["database_url:default"] == "sqlite:////data/app.db"


def test_app_env_gets_every_form_as_the_container_reaches_the_server():
    app = AppConfig(env=(("DSN", "{database_dsn}"), ("LEGACY", "{database_url:psycopg2}"), ("V", "{version}")))
    runner = ImageRunner(app, docker=None)
    server = SimpleNamespace(network_address=("postgres-server", 5432))
    database = Database("shop", "postgresql+psycopg://app:pw@127.0.0.1:49153/shop", server)
    workspace = Workspace(Version(name="1.0"), Path("/p"), Path("/p"), image="app:1")

    assert runner.environment(workspace, database) == {
        "DSN": "postgresql://app:pw@postgres-server:5432/shop",
        "LEGACY": "postgresql+psycopg2://app:pw@postgres-server:5432/shop",
        "V": "1.0",
    }
