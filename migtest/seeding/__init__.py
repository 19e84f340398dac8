"""Seeders put a version's data into its freshly installed database before it is migrated.

Each module exposes a class with `seed(workspace, database)` that raises StepFailed with the
evidence; `make_seeders` builds the ones `seed:` asks for, applied in order.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Protocol

from migtest.config import Config
from migtest.databases import Database
from migtest.sources import Workspace

if TYPE_CHECKING:
    from migtest.docker.app import ImageRunner
    from migtest.seeding.restore import SnapshotRestorer


class Seeder(Protocol):
    def seed(self, workspace: Workspace, database: Database) -> str:
        """Seed and return a one-line description of what was done."""


def make_seeders(config: Config, images: ImageRunner | None = None, skip: Collection[str] = ()) -> list[Seeder]:
    """In order: SQL files, the command, generated rows (in every table but `skip`), then the API
    (which `images` starts the app for)."""
    from migtest.seeding.api import ApiSeeder
    from migtest.seeding.command import CommandSeeder
    from migtest.seeding.generate import GeneratedSeeder
    from migtest.seeding.sql_files import SqlFileSeeder

    seeders: list[Seeder] = []
    if config.seed.sql:
        seeders.append(SqlFileSeeder(config.root, config.seed.sql, config.migrations.timeout))
    if config.seed.command:
        seeders.append(CommandSeeder(config.seed.command, config.migrations.timeout))
    if config.seed.generate:
        seeders.append(GeneratedSeeder(config.seed.generate, skip, config.schemas))
    if config.seed.api:
        assert images is not None
        seeders.append(ApiSeeder(config.seed.api, images))
    return seeders


def make_restorer(config: Config) -> SnapshotRestorer | None:
    """`seed.restore`'s snapshots (None: not asked for), restored before the seeders run."""
    from migtest.seeding.restore import SnapshotRestorer

    if not config.seed.restore:
        return None
    engine, timeout = config.database.engine, config.migrations.timeout
    return SnapshotRestorer(config.root, config.seed.restore, engine, timeout, str(config.path))
