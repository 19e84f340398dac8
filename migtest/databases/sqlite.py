"""SQLite: one file per database in the run's work directory; cloning is a file copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy
from sqlalchemy import event

from migtest.databases import Database
from migtest.databases.kept_engines import KeptEngines
from migtest.run.naming import safe_name

SQLITE_SUFFIXES = ("", "-journal", "-wal", "-shm")  # a database file and what SQLite keeps beside it


class SqliteServer:
    def __init__(self, workdir: Path) -> None:
        self.directory = workdir / "sqlite"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.kept = KeptEngines(self.connect)

    def _path(self, name: str) -> Path:
        return self.directory / f"{name}.db"

    def create(self, name: str) -> Database:
        """The file is named after `name` made safe: a version name may hold `/` or meet another
        version's name once characters are replaced (`safe_name` keeps them apart)."""
        file_name = safe_name(name)
        path = self._path(file_name)
        path.unlink(missing_ok=True)
        return Database(file_name, f"sqlite:///{path}", self)

    def clone(self, template: Database, name: str) -> Database:
        database = self.create(name)
        source = self._path(template.name)
        if source.exists():
            shutil.copyfile(source, self._path(database.name))
        return database

    def drop(self, database: Database) -> None:
        self.kept.forget(database.name)
        for suffix in SQLITE_SUFFIXES:
            Path(f"{self._path(database.name)}{suffix}").unlink(missing_ok=True)

    def connect(self, database: Database) -> sqlalchemy.Engine:
        """An engine whose transactions really cover DDL (pysqlite's default BEGIN does not)."""
        engine = sqlalchemy.create_engine(database.url, poolclass=sqlalchemy.NullPool)

        @event.listens_for(engine, "connect")
        def _autocommit_driver(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(connection) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine

    def close(self) -> None:
        self.kept.close()
        shutil.rmtree(self.directory, ignore_errors=True)
