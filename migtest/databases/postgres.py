"""PostgreSQL: a database per scenario; a clone is `CREATE DATABASE ... TEMPLATE`, a file-level copy."""

from __future__ import annotations

import math
from collections.abc import Iterable

import sqlalchemy

from migtest.databases.server import ServerDatabases


class PostgresServer(ServerDatabases):
    engine_name = "postgres"
    driver = "postgresql+psycopg"
    admin_database = "postgres"

    def connect_args(self) -> dict[str, object]:
        """libpq counts whole seconds and at least 2 (it bounds the whole login, answer included)."""
        return {"connect_timeout": max(2, math.ceil(self.connect_timeout))}

    @classmethod
    def login_refused(cls, exc: sqlalchemy.exc.DBAPIError) -> bool:
        return getattr(exc.orig, "sqlstate", None) in ("28P01", "28000")

    def copy(self, template: str, name: str) -> None:
        self.execute(f"CREATE DATABASE {self.quote(name)} TEMPLATE {self.quote(template)}")

    def end_sessions(self, connection: sqlalchemy.Connection, name: str) -> None:
        """A killed migration command's sessions are this login's, which it may end without being a
        superuser (DROP … WITH (FORCE) fails outright when a superuser's session is among them)."""
        connection.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND usename = current_user AND pid <> pg_backend_pid()",
            (name,),
        )

    def drop_statement(self, name: str) -> str:
        """FORCE (PostgreSQL 13 and later) also ends the sessions that began since."""
        force = " WITH (FORCE)" if self.admin.dialect.server_version_info >= (13,) else ""
        return f"DROP DATABASE IF EXISTS {self.quote(name)}{force}"

    def list_databases(self, connection: sqlalchemy.Connection) -> Iterable[str]:
        return connection.exec_driver_sql("SELECT datname FROM pg_database").scalars()
