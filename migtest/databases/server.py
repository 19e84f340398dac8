"""What PostgreSQL and MySQL/MariaDB share: a login to an existing server, under which migtest
creates its own uniquely named databases, tracks them and drops them, touching nothing else."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable

import sqlalchemy
from sqlalchemy.engine import URL, make_url

from migtest.databases import Database
from migtest.errors import ConfigError
from migtest.naming import DATABASE, safe_name

MAX_NAME = 63  # PostgreSQL truncates identifiers longer than 63 bytes, MySQL allows 64 characters


class ServerDatabases:
    """Subclasses name the driver, the admin database and how a database is cloned."""

    engine_name = ""
    driver = ""
    admin_database: str | None = None

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = 30.0,
        on_close: Callable[[], None] | None = None,
        network_address: tuple[str, int] | None = None,
    ) -> None:
        self.url = self.driver_url(url)
        self.connect_timeout = connect_timeout
        self.network_address = network_address  # how containers on the run's network reach it
        self.prefix = f"migtest_{secrets.token_hex(3)}_"
        self.created: set[str] = set()
        self.lock = threading.Lock()
        self.on_close = on_close
        self.admin = sqlalchemy.create_engine(
            self.url, poolclass=sqlalchemy.NullPool, isolation_level="AUTOCOMMIT", connect_args=self.connect_args()
        )
        self._probe()

    @classmethod
    def driver_url(cls, url: str) -> URL:
        parsed = make_url(url)
        return parsed.set(drivername=cls.driver, database=parsed.database or cls.admin_database)

    @property
    def where(self) -> str:
        return f"{self.engine_name} at {self.url.host}:{self.url.port or 'default port'} as {self.url.username}"

    def connect_args(self) -> dict[str, object]:
        """The driver's arguments of every connection: `database.connect_timeout` bounds each login."""
        return {}

    def probe_args(self) -> dict[str, object]:
        """The first login's extra arguments: bound its wait for the server's answer too."""
        return {}

    @classmethod
    def login_refused(cls, exc: sqlalchemy.exc.DBAPIError) -> bool:
        """The server answered and said no, as opposed to not answering (yet)."""
        raise NotImplementedError

    def _probe(self) -> None:
        """Fail before any scenario when the login, the host or the privilege to create databases is missing."""
        probe = sqlalchemy.create_engine(
            self.url, poolclass=sqlalchemy.NullPool, connect_args={**self.connect_args(), **self.probe_args()}
        )
        try:
            with probe.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except sqlalchemy.exc.DBAPIError as exc:
            waited = f"waited at most {self.connect_timeout:g}s for its answer (database.connect_timeout)"
            raise ConfigError(f"cannot log in to {self.where}: {_reason(exc)}; {waited}", key="database.url") from exc
        finally:
            probe.dispose()
        created = self.create("probe")
        self.drop(created)

    def database_name(self, name: str) -> str:
        """Unique to this run and to `name`, safe to quote anywhere, and short enough for every engine."""
        return self.prefix + safe_name(name, DATABASE, MAX_NAME - len(self.prefix))

    def _fresh_name(self, name: str) -> str:
        """The database's name, free again if this run used it before."""
        database_name = self.database_name(name)
        if database_name in self.created:
            self.drop_named(database_name)
        return database_name

    def quote(self, name: str) -> str:
        return self.admin.dialect.identifier_preparer.quote(name)

    def execute(self, *statements: str) -> None:
        with self.admin.connect() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)

    def _database(self, name: str) -> Database:
        url = self.url.set(database=name).render_as_string(hide_password=False)
        return Database(name, url, self)

    def create(self, name: str) -> Database:
        database_name = self._fresh_name(name)
        try:
            self.execute(f"CREATE DATABASE {self.quote(database_name)}")
        except sqlalchemy.exc.DBAPIError as exc:
            raise ConfigError(
                f"{self.where} may not create databases ({_reason(exc)}); grant that privilege or use another login",
                key="database.url",
            ) from exc
        with self.lock:
            self.created.add(database_name)
        return self._database(database_name)

    def clone(self, template: Database, name: str) -> Database:
        database_name = self._fresh_name(name)
        self.copy(template.name, database_name)
        with self.lock:
            self.created.add(database_name)
        return self._database(database_name)

    def copy(self, template: str, name: str) -> None:
        raise NotImplementedError

    def drop(self, database: Database) -> None:
        self.drop_named(database.name)

    def drop_statement(self, name: str) -> str:
        return f"DROP DATABASE IF EXISTS {self.quote(name)}"

    def drop_named(self, name: str) -> None:
        self.execute(self.drop_statement(name))
        with self.lock:
            self.created.discard(name)

    def connect(self, database: Database) -> sqlalchemy.Engine:
        return sqlalchemy.create_engine(database.url, poolclass=sqlalchemy.NullPool, connect_args=self.connect_args())

    def close(self) -> None:
        """Drop what this run created and nothing else; then stop the server if migtest started it."""
        try:
            for name in sorted(self.created):
                self.drop_named(name)
            self.admin.dispose()
        finally:
            if self.on_close is not None:
                self.on_close()


def _reason(exc: sqlalchemy.exc.DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
