"""MySQL and MariaDB: a database per scenario.

A clone recreates each table from `SHOW CREATE TABLE` and copies its rows with
`INSERT ... SELECT` inside the server (foreign key checks off while copying), then views and
triggers with the template's name swapped for the clone's. That keeps indexes, foreign keys,
AUTO_INCREMENT counters and every row, without replaying migrations or leaving the server. Rows
are copied with NO_AUTO_VALUE_ON_ZERO, as mysqldump does: otherwise a 0 in an AUTO_INCREMENT
column (MLflow's Default experiment is experiment_id 0) becomes the next counter value.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any

import pymysql
import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import URL

from migtest.databases.server import ServerDatabases
from migtest.sql.text import as_written


class SharedContextConnection(pymysql.connections.Connection):
    """PyMySQL builds an SSL context for each connection given no TLS settings (to use TLS where the
    server offers it, unverified), loading the system's CA certificates each time: about 30 ms of
    CPU per connection, most of the step walk's own CPU on MariaDB. That context's settings never
    vary, so one serves every such connection; TLS settings given in the URL build their own."""

    _preferred: ssl.SSLContext | None = None

    def _create_ssl_ctx(self, sslp: dict[str, Any] | ssl.SSLContext) -> ssl.SSLContext:
        if sslp:
            return super()._create_ssl_ctx(sslp)
        if SharedContextConnection._preferred is None:
            SharedContextConnection._preferred = super()._create_ssl_ctx(sslp)
        return SharedContextConnection._preferred


def _connect(_dialect: object, _record: object, cargs: list[Any], cparams: dict[str, Any]) -> pymysql.Connection:
    return SharedContextConnection(*cargs, **cparams)


class MysqlServer(ServerDatabases):
    engine_name = "mysql"
    driver = "mysql+pymysql"

    def connect_args(self) -> dict[str, object]:
        return {"connect_timeout": self.connect_timeout, "charset": "utf8mb4"}

    def engine(self, url: URL | str, **options: Any) -> sqlalchemy.Engine:
        """Connecting with `SharedContextConnection`."""
        engine = super().engine(url, **options)
        event.listen(engine, "do_connect", _connect)
        return engine

    def probe_args(self) -> dict[str, object]:
        """PyMySQL's connect_timeout ends with the TCP connection; a server that accepts it and
        never answers holds the handshake until a read times out. Only the first login gets one:
        later reads are statements, which may take as long as migrations.timeout allows."""
        return {"read_timeout": self.connect_timeout}

    @classmethod
    def login_refused(cls, exc: sqlalchemy.exc.DBAPIError) -> bool:
        return bool(exc.orig and exc.orig.args) and exc.orig.args[0] in (1044, 1045, 1130)

    def list_databases(self, connection: sqlalchemy.Connection) -> Iterable[str]:
        return connection.exec_driver_sql("SHOW DATABASES").scalars()

    def copy(self, template: str, name: str) -> None:
        source, target = self.quote(template), self.quote(name)
        with self.admin.connect() as connection:
            run = connection.exec_driver_sql
            run(f"CREATE DATABASE {target}")
            run(f"USE {target}")
            run("SET SESSION foreign_key_checks = 0")
            mode = run("SELECT @@SESSION.sql_mode").scalar()
            run("SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'NO_AUTO_VALUE_ON_ZERO')")
            for table, kind in run(f"SHOW FULL TABLES FROM {source}").fetchall():
                if kind == "BASE TABLE":
                    self._copy_table(connection, template, name, table)
            # a trigger keeps the sql_mode it is created in: the session's own again for views and triggers
            run("SET SESSION sql_mode = %s", (mode,))
            self._copy_views(connection, template, name)
            for (trigger,) in run(
                "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = %s", (template,)
            ).fetchall():
                create = run(f"SHOW CREATE TRIGGER {source}.{self.quote(trigger)}").fetchone()[2]
                connection.exec_driver_sql(as_written(connection, self._retarget(create, template, name)))

    def _copy_table(self, connection: sqlalchemy.Connection, template: str, name: str, table: str) -> None:
        run = connection.exec_driver_sql
        source = f"{self.quote(template)}.{self.quote(table)}"
        connection.exec_driver_sql(as_written(connection, run(f"SHOW CREATE TABLE {source}").fetchone()[1]))
        columns = run(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
            "AND extra NOT LIKE '%%GENERATED%%' ORDER BY ordinal_position",
            (template, table),
        ).scalars()
        listed = ", ".join(self.quote(column) for column in columns)
        run(f"INSERT INTO {self.quote(name)}.{self.quote(table)} ({listed}) SELECT {listed} FROM {source}")

    def _copy_views(self, connection: sqlalchemy.Connection, template: str, name: str) -> None:
        """Views may read other views: create in passes until none is left or a pass makes no progress."""
        run = connection.exec_driver_sql
        pending = {
            view: self._retarget(
                run(f"SHOW CREATE VIEW {self.quote(template)}.{self.quote(view)}").fetchone()[1], template, name
            )
            for view in run(
                "SELECT table_name FROM information_schema.views WHERE table_schema = %s", (template,)
            ).scalars()
        }
        while pending:
            failures: dict[str, Exception] = {}
            for view, create in pending.items():
                try:
                    connection.exec_driver_sql(as_written(connection, create))
                except sqlalchemy.exc.DBAPIError as exc:
                    failures[view] = exc
            if len(failures) == len(pending):
                raise next(iter(failures.values()))
            pending = {view: pending[view] for view in failures}

    @staticmethod
    def _retarget(statement: str, template: str, name: str) -> str:
        """SHOW CREATE names the template's objects backquoted, needed or not."""
        return statement.replace(f"{backquoted(template)}.", f"{backquoted(name)}.")


def backquoted(name: str) -> str:
    return "`{}`".format(name.replace("`", "``"))
