"""The pytest plugin: migration tests in a team's own pytest suite.

Registered as the `migtest` entry point (so `pytest -p migtest` names it, and installing migtest
loads it). The `migtest` fixture is a fresh, empty database per test, on the engine migtest.yml
configures (SQLite files, or databases made on the `database.url` server), dropped afterwards,
so nothing leaks between tests:

    def test_emails_are_lowercased(migtest):
        migtest.migrate_to("0002")
        migtest.insert("users", [{"id": 1, "email": "Ada@Example.com"}])
        migtest.migrate_to("0003")
        assert migtest.one("users", id=1)["email"] == "ada@example.com"

The migrations are those of the newest version in migtest.yml (ini `migtest_version` to choose
another), found from the ini option `migtest_config` or `--migtest-config` (default
migtest.yml in the rootdir).
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from migtest.config import Config, load_config
from migtest.databases import Database, open_server
from migtest.errors import MigtestError, StepFailed
from migtest.migrators import DOWNGRADE, UPGRADE, make_migrator
from migtest.run.db_helper import DatabaseHelper
from migtest.sources import Workspace, Workspaces

LATEST, BASE = ("head", "heads", "latest"), ("base", "0")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("migtest_config", "migtest.yml whose migrations the migtest fixture runs", default="migtest.yml")
    parser.addini("migtest_version", "the version whose migrations it runs (default: the newest)", default="")
    parser.addoption("--migtest-config", help="migtest.yml for the migtest fixture (default: ini migtest_config)")


class MigtestSession:
    """The configuration, migrator and database server the tests of one session share."""

    def __init__(self, config: Config, version: str) -> None:
        if config.database.image or any(v.containerized for v in config.versions):
            raise MigtestError("the pytest plugin needs SQLite or database.url; it starts no containers")
        self.config = config
        self._workdir = tempfile.TemporaryDirectory(prefix="migtest-pytest-")
        workdir = Path(self._workdir.name)
        self.server = open_server(config.database, workdir)
        self.migrator = make_migrator(config.migrations)
        self.workspace: Workspace = Workspaces(config, workdir, config.root / ".migtest-cache").get(version)
        self._history: list[str] | None = None
        self._numbers = itertools.count(1)

    def new_database(self, test_name: str) -> Database:
        return self.server.create(f"pytest-{next(self._numbers)}-{test_name}")

    def migrate(self, database: Database, target: str) -> None:
        try:
            self.migrator.migrate(self.workspace, database, self._direction(database, target), target)
        except StepFailed as exc:
            pytest.fail(f"migrating to {target} failed: {exc}\n{exc.output}", pytrace=False)

    def _direction(self, database: Database, target: str) -> str:
        if target in LATEST:
            return UPGRADE
        if target in BASE:
            return DOWNGRADE
        if self._history is None:
            self._history = ["base", *self.migrator.history(self.workspace, database)]
        if target not in self._history:
            pytest.fail(f"no migration '{target}' in the history: {', '.join(self._history)}", pytrace=False)
        current = self.migrator.current(self.workspace, database) or "base"
        now = self._history.index(current) if current in self._history else 0
        return DOWNGRADE if self._history.index(target) < now else UPGRADE

    def close(self) -> None:
        self.migrator.close()
        self.server.close()
        self._workdir.cleanup()


@pytest.fixture(scope="session")
def migtest_session(pytestconfig: pytest.Config) -> Iterator[MigtestSession]:
    path = pytestconfig.getoption("--migtest-config") or pytestconfig.getini("migtest_config")
    try:
        config = load_config(str(pytestconfig.rootpath / path))
        session = MigtestSession(config, pytestconfig.getini("migtest_version") or config.versions[-1].name)
    except MigtestError as exc:
        pytest.fail(f"migtest: {exc}", pytrace=False)
    yield session
    session.close()


@pytest.fixture
def migtest(migtest_session: MigtestSession, request: pytest.FixtureRequest) -> Iterator[DatabaseHelper]:
    """An empty database of its own, with migrate_to(target), insert, rows, one and execute."""
    database = migtest_session.new_database(request.node.name)
    engine = database.connect()
    try:
        yield DatabaseHelper(engine, lambda target: migtest_session.migrate(database, target))
    finally:
        engine.dispose()
        migtest_session.server.drop(database)
