"""What PostgreSQL and MySQL/MariaDB share: a login to an existing server, under which migtest
creates its own uniquely named databases, tracks them and drops them, touching nothing else.

Their names start with `migtest_<run id>_`, so that `migtest cleanup` finds a killed run's. A
database that cannot be dropped (another login's session holds it) is reported by name, with the
reason and how to drop it later, rather than ending the run with a traceback.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy
from sqlalchemy.engine import URL, make_url

from migtest.databases import Database
from migtest.databases.kept_engines import KeptEngines
from migtest.errors import ConfigError
from migtest.masking import mask
from migtest.run.folders import RUN_ID, new_run_id
from migtest.run.naming import DATABASE, safe_name

MAX_NAME = 63  # PostgreSQL truncates identifiers longer than 63 bytes, MySQL allows 64 characters
RUN_DATABASE = re.compile(rf"^migtest_(?P<run>{RUN_ID})_")


class ServerDatabases:
    """Subclasses name the driver, the admin database and how a database is cloned."""

    engine_name = ""
    driver = ""
    admin_database: str | None = None

    def __init__(
        self,
        url: str,
        *,
        run_id: str | None = None,
        connect_timeout: float = 30.0,
        on_close: Callable[[], None] | None = None,
        network_address: tuple[str, int] | None = None,
        probe: bool = True,
        disposable: bool = False,
    ) -> None:
        self.url = self.driver_url(url)
        self.connect_timeout = connect_timeout
        self.network_address = network_address  # how containers on the run's network reach it
        self.run_id = run_id or new_run_id()
        self.prefix = f"migtest_{self.run_id}_"
        self.created: set[str] = set()
        self.undropped: dict[str, str] = {}  # name: why the last try to drop it failed
        self.lock = threading.Lock()
        self.on_close = on_close
        # Started for the run and removed after it (database.image): its settings are migtest's to
        # change. A user's server (database.url) is only read and given databases of the run's own.
        self.disposable = disposable
        self.admin = self.engine(self.url, isolation_level="AUTOCOMMIT", connect_args=self.connect_args())
        self.kept = KeptEngines(self.connect)
        self._log_in()
        if probe:
            self.drop(self.create("probe"))

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

    def _log_in(self) -> None:
        """Fail before any scenario when the login or the host is wrong (the probe database then
        tells whether the login may create databases)."""
        probe = self.engine(self.url, connect_args={**self.connect_args(), **self.probe_args()})
        try:
            with probe.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except sqlalchemy.exc.DBAPIError as exc:
            waited = f"waited at most {self.connect_timeout:g}s for its answer (database.connect_timeout)"
            raise ConfigError(f"cannot log in to {self.where}: {_reason(exc)}; {waited}", key="database.url") from exc
        finally:
            probe.dispose()

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
        database_name = self._track(self._fresh_name(name))
        try:
            self.execute(f"CREATE DATABASE {self.quote(database_name)}")
        except sqlalchemy.exc.DBAPIError as exc:
            self._untrack(database_name)
            raise ConfigError(
                f"{self.where} may not create databases ({_reason(exc)}); grant that privilege or use another login",
                key="database.url",
            ) from exc
        return self._database(database_name)

    def clone(self, template: Database, name: str) -> Database:
        database_name = self._track(self._fresh_name(name))
        self.copy(template.name, database_name)
        return self._database(database_name)

    def _track(self, name: str) -> str:
        """Before it is made: an interrupt between making and tracking it would leave it behind."""
        with self.lock:
            self.created.add(name)
        return name

    def _untrack(self, name: str) -> None:
        with self.lock:
            self.created.discard(name)
            self.undropped.pop(name, None)

    def copy(self, template: str, name: str) -> None:
        raise NotImplementedError

    def drop(self, database: Database) -> None:
        self.drop_named(database.name)

    def drop_statement(self, name: str) -> str:
        return f"DROP DATABASE IF EXISTS {self.quote(name)}"

    def drop_named(self, name: str) -> bool:
        """Drop it (after ending this login's sessions on it); when the server refuses, remember
        why and keep it to try again at the end."""
        self.kept.forget(name)
        try:
            with self.admin.connect() as connection:
                self.end_sessions(connection, name)
                connection.exec_driver_sql(self.drop_statement(name))
        except sqlalchemy.exc.DBAPIError as exc:
            with self.lock:
                self.undropped[name] = _reason(exc)
            return False
        self._untrack(name)
        return True

    def end_sessions(self, connection: sqlalchemy.Connection, name: str) -> None:
        """End what this login still has connected to the database (a killed command's sessions)."""

    def list_databases(self, connection: sqlalchemy.Connection) -> Iterable[str]:
        raise NotImplementedError

    def run_databases(self, run_ids: set[str] | None = None) -> list[str]:
        """The databases of these runs on the server (of any migtest run, for None)."""
        with self.admin.connect() as connection:
            names = list(self.list_databases(connection))
        found = [(name, RUN_DATABASE.match(name)) for name in names]
        return sorted(name for name, run in found if run and (run_ids is None or run["run"] in run_ids))

    def remove(self, names: list[str]) -> list[str]:
        """Drop these databases (of killed runs); those dropped. The others are reported."""
        with self.lock:
            self.created.update(names)
        dropped = [name for name in names if self.drop_named(name)]
        self.report_undropped()
        self.admin.dispose()
        return dropped

    def report_undropped(self) -> None:
        for name, reason in sorted(self.undropped.items()):
            run = RUN_DATABASE.match(name)
            print(
                mask(
                    f"migtest: could not drop database {name} on {self.where}: {reason}. "
                    f"Drop it once its sessions end: migtest cleanup --run {run['run'] if run else self.run_id} "
                    f"(or by hand: DROP DATABASE {self.quote(name)})"
                ),
                file=sys.stderr,
            )

    def connect(self, database: Database) -> sqlalchemy.Engine:
        return self.engine(database.url, connect_args=self.connect_args())

    def engine(self, url: URL | str, **options: Any) -> sqlalchemy.Engine:
        """An engine of the server's driver, a new connection for each use (none is left open to
        keep a database from being dropped)."""
        return sqlalchemy.create_engine(url, poolclass=sqlalchemy.NullPool, **options)

    def close(self) -> None:
        """Drop what this run created and nothing else; then stop the server if migtest started it."""
        try:
            for name in sorted(self.created):
                self.drop_named(name)
            self.report_undropped()
            self.kept.close()
            self.admin.dispose()
        finally:
            if self.on_close is not None:
                self.on_close()


def _reason(exc: sqlalchemy.exc.DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
