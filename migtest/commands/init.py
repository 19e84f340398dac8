"""`migtest init`: a starter migtest.yml for the migrations it finds in a project folder.

It recognises alembic.ini, and folders of versioned SQL files in Flyway (`V1__x.sql`) or
golang-migrate (`1_x.up.sql`) layout anywhere in the project, also one folder per database
(`db/migration/{postgres,mysql,sqlite}`, written as `db/migration/{dialect}`). The file it writes
runs as it is: `migtest plan` lists its scenarios and `migtest run` tests the newest migrations.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from migtest.config import DEFAULT_CONFIG, MigrationsConfig
from migtest.config.generated import SCHEMA_LINE
from migtest.errors import ConfigError
from migtest.migrators.sql import GOLANG, SqlMigration, discover

SQL_DIRS = ("db/migration", "db/migrations", "migrations", "sql", "db")  # preferred, in this order
SKIPPED_DIRS = {"node_modules", "vendor", "site-packages", "migtest-results", "__pycache__", "build", "dist"}
MAX_DEPTH = 5
VERSIONS = 5  # the newest migrations become the starter's versions
# Folder names of a per-database layout and the engine each is for; `{dialect}` takes the keys
# that are dialect names themselves.
ENGINE_FOLDERS = {
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "postgres": "postgres",
    "postgresql": "postgres",
    "pg": "postgres",
    "mysql": "mysql",
    "mariadb": "mariadb",
}
DIALECTS = ("sqlite", "postgres", "mysql")
SERVER_IMAGES = {"postgres": "postgres:16", "mysql": "mysql:8", "mariadb": "mariadb:11"}

DATABASE = """database:
  engine: {engine}
"""
SERVER = """  image: {image}              # a server container migtest starts, or instead:
  # url: "postgresql://user:${{PGPASSWORD}}@localhost:5432/postgres"   # an existing server
"""
ALEMBIC_VERSIONS = """versions:                      # oldest first; add every release you support
  # - {name: "1.0", ref: "v1.0.0"}        # the migrations as they were at a git ref
  # - {name: "1.1", revision: "<revision id>"}
  - {name: "head", revision: "head"}
"""
SQL_VERSIONS = """versions:                      # oldest first; add every release you support
  # The newest migrations found in {dir}; replace them by your releases, e.g.
  # - {{name: "1.0", ref: "v1.0.0"}}        # the migrations as they were at a git ref
{entries}"""
REST = """matrix:
  upgrade: chain               # chain | all-to-head | none
  downgrade: chain             # chain | none
  # skip: [["1.0", "head"]]
seed:
  # sql: "seeds/{version}.sql"  # data written against each release's schema
  # generate: {rows: 100}       # or rows made up from each release's schema
  # restore: "snapshots/{version}.dump"  # a copy of a release's database (pg_dump -Fc, mysqldump, SQLite file)
checks:
  schema: true
  data: true
  idempotent: true
  # allow_changes: {users: [email]}
report:
  dir: migtest-results
"""


@dataclass(frozen=True)
class SqlFolder:
    """A folder of versioned SQL files as migtest.yml names it (relative, maybe with `{dialect}`)."""

    dir: str
    layout: str
    engine: str
    migrations: tuple[SqlMigration, ...]


def detect(project: Path) -> str:
    """The `migrations:`, `database:` and `versions:` sections for what the project holds."""
    if (project / "alembic.ini").is_file():
        return (
            "migrations:\n  tool: alembic\n  config: alembic.ini\n"
            + DATABASE.format(engine="sqlite")
            + ALEMBIC_VERSIONS
        )
    folder = find_sql_folder(project)
    if folder is None:
        raise ConfigError(
            "found neither alembic.ini nor a directory of .sql migrations (Flyway V1__x.sql or "
            "golang-migrate 1_x.up.sql); write migtest.yml by hand (see the README)",
            file=str(project),
        )
    migrations = f'migrations:\n  tool: sql\n  dir: "{folder.dir}"\n  layout: {folder.layout}\n'
    if "{dialect}" in folder.dir:
        migrations += (
            "  # {dialect}: the folder of the engine under test (sqlite, postgres or mysql, also for mariadb)\n"
        )
    database = DATABASE.format(engine=folder.engine)
    if folder.engine != "sqlite":
        database += SERVER.format(image=SERVER_IMAGES[folder.engine])
    entries = "".join(f'  - {{name: "{m.label}", revision: "{m.label}"}}\n' for m in folder.migrations[-VERSIONS:])
    return migrations + database + SQL_VERSIONS.format(dir=folder.dir, entries=entries)


def find_sql_folder(project: Path) -> SqlFolder | None:
    """The project's migrations folder: a per-database layout first, then the usual places, then
    the shallowest folder with the most migrations."""
    found = {path: migrations for path in _folders(project) if (migrations := _migrations(path))}
    by_parent: dict[Path, dict[str, Path]] = {}
    for path in found:
        if path.name in ENGINE_FOLDERS:
            by_parent.setdefault(path.parent, {})[path.name] = path
    if by_parent:
        parent = min(by_parent, key=lambda p: (len(p.parts), str(p)))
        return _per_engine(project, parent, by_parent[parent], found)
    usual = [project / name for name in SQL_DIRS if project / name in found]
    path = usual[0] if usual else min(found, key=lambda p: (len(p.parts), -len(found[p]), str(p)), default=None)
    if path is None:
        return None
    return SqlFolder(path.relative_to(project).as_posix(), _layout(found[path]), "sqlite", tuple(found[path]))


def _per_engine(
    project: Path, parent: Path, children: dict[str, Path], found: dict[Path, list[SqlMigration]]
) -> SqlFolder:
    """`<parent>/{dialect}` when the folders are named as migtest's dialects (SQLite preferred,
    since it needs no server); else the one folder of the first engine found."""
    relative = parent.relative_to(project).as_posix()
    if set(children) <= set(DIALECTS):
        engine = next(d for d in DIALECTS if d in children)
        path = children[engine]
        return SqlFolder(f"{relative}/{{dialect}}", _layout(found[path]), engine, tuple(found[path]))
    name = min(children, key=lambda n: DIALECTS.index(ENGINE_FOLDERS[n]) if ENGINE_FOLDERS[n] in DIALECTS else 9)
    path = children[name]
    return SqlFolder(f"{relative}/{name}", _layout(found[path]), ENGINE_FOLDERS[name], tuple(found[path]))


def _folders(project: Path) -> list[Path]:
    """Folders holding .sql files, outside hidden and dependency folders."""
    folders = []
    for root, dirs, files in os.walk(project):
        path = Path(root)
        depth = len(path.relative_to(project).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS and depth < MAX_DEPTH)
        if any(name.endswith(".sql") for name in files):
            folders.append(path)
    return folders


def _migrations(path: Path) -> list[SqlMigration]:
    """The folder's migrations, or none when its .sql files fit no layout (seed files, dumps)."""
    try:
        return discover(path, MigrationsConfig(tool="sql", dir=path))
    except ConfigError:
        return []


def _layout(migrations: list[SqlMigration]) -> str:
    return "golang-migrate" if GOLANG.match(migrations[0].up.name) else "flyway"


def write_starter(project: Path, *, force: bool = False) -> Path:
    path = project / DEFAULT_CONFIG
    if path.exists() and not force:
        raise ConfigError("already exists; pass --force to overwrite it", file=str(path))
    path.write_text(SCHEMA_LINE + detect(project) + REST)
    return path
