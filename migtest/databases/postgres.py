"""PostgreSQL: a database per scenario; a clone is `CREATE DATABASE ... TEMPLATE`, a file-level copy."""

from __future__ import annotations

import math

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

    def drop_statement(self, name: str) -> str:
        """FORCE ends sessions a killed migration command left behind."""
        return f"DROP DATABASE IF EXISTS {self.quote(name)} WITH (FORCE)"
