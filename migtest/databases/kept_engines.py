"""One engine per database for migtest's own short uses of it (captures, seeds, reading the
revision), so that its dialect is set up and its statements compiled once per database rather
than at every connection: on PostgreSQL, a new engine per capture spent a third of a small
scenario's time there. Nothing is pooled (NullPool): no connection outlives its use, so the
database can still be copied (a template must have no session) and dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy

if TYPE_CHECKING:
    from migtest.databases import Database


class KeptEngines:
    def __init__(self, make: Callable[[Database], sqlalchemy.Engine]) -> None:
        """`make`: a new engine for the database, as its server sets one up."""
        self._make = make
        self._engines: dict[str, sqlalchemy.Engine] = {}
        self._lock = threading.Lock()

    def get(self, database: Database) -> sqlalchemy.Engine:
        with self._lock:
            engine = self._engines.get(database.name)
            if engine is None:
                engine = self._engines[database.name] = self._make(database)
            return engine

    def forget(self, name: str) -> None:
        """The database is dropped: a database made again under its name gets a new engine."""
        with self._lock:
            engine = self._engines.pop(name, None)
        if engine is not None:
            engine.dispose()

    def close(self) -> None:
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            engine.dispose()
