"""Database engines: each provisions, clones and drops the databases one run uses.

An engine module exposes a class implementing `DatabaseServer`; `open_server` picks it by
`database.engine`, so adding an engine means adding one module here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import sqlalchemy

from migtest.config import DatabaseConfig
from migtest.databases.kept_engines import KeptEngines

if TYPE_CHECKING:
    from migtest.docker import DockerEngine


@dataclass(frozen=True)
class Database:
    name: str
    url: str
    server: DatabaseServer = field(compare=False, repr=False)

    def connect(self) -> sqlalchemy.Engine:
        """A new engine set up the way its server needs, for a caller that adds listeners of its
        own (dispose of it when done)."""
        return self.server.connect(self)

    def engine(self) -> sqlalchemy.Engine:
        """The engine the server keeps for this database (see kept_engines): shared, so add no
        listener to it and do not dispose of it."""
        return self.server.kept.get(self)

    @contextmanager
    def connection(self) -> Iterator[sqlalchemy.Connection]:
        with self.engine().connect() as connection:
            yield connection


class DatabaseServer(Protocol):
    kept: KeptEngines

    def create(self, name: str) -> Database: ...

    def clone(self, template: Database, name: str) -> Database: ...

    def drop(self, database: Database) -> None: ...

    def connect(self, database: Database) -> sqlalchemy.Engine: ...

    def close(self) -> None: ...


def open_server(
    config: DatabaseConfig, workdir: Path, docker: DockerEngine | None = None, run_id: str | None = None
) -> DatabaseServer:
    """The engine's server: files for SQLite, a login to a server (`url`) or a server container
    (`image`). `run_id` goes into the names of the databases made on a server."""
    from migtest.databases.mysql import MysqlServer
    from migtest.databases.postgres import PostgresServer
    from migtest.databases.sqlite import SqliteServer

    if config.engine == "sqlite":
        return SqliteServer(workdir)
    server_class = PostgresServer if config.engine == "postgres" else MysqlServer
    if config.image:
        from migtest.databases.container import start_server
        from migtest.docker import DockerEngine

        return start_server(config, server_class, docker or DockerEngine(run_id))
    assert config.url is not None
    return server_class(config.url, run_id=run_id, connect_timeout=config.connect_timeout)
