"""Which migrations `migtest lint` reads: the files given (a pre-commit hook), or the history of
a configured version (its SQL files, or its Alembic revisions rendered offline)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from migtest.config import Config
from migtest.config.userfiles import found, read_text
from migtest.errors import ConfigError
from migtest.lint import DIALECTS, Migration, Unlinted
from migtest.migrators.sql import LATEST, discover, parse_version
from migtest.sources import Workspaces

UNDO = re.compile(r"(^U\d|\.down\.sql$)", re.IGNORECASE)  # Flyway undo and golang-migrate down files


def given_files(paths: list[Path]) -> list[Migration]:
    """The files given, each after the earlier .sql files of its folder (read only for the tables
    and column types they create, so a widening type change is told from a rewriting one)."""
    for path in paths:
        if not found(path, directory=False):
            raise ConfigError("no such file", file=str(path))
    given = {path.resolve(): path for path in paths}
    folders = {path.resolve().parent for path in paths}
    context = {
        path for folder in folders for path in folder.glob("*.sql") if not UNDO.search(path.name) and path not in given
    }
    ordered = sorted(set(given) | context, key=lambda path: (str(path.parent), _natural(path.name)))
    return [_file(path, str(given.get(path, path)), reported=path in given) for path in ordered]


def configured(
    config: Config, version_name: str | None, dialect: str, workdir: Path
) -> tuple[list[Migration], list[Unlinted]]:
    """The history of `version_name` (default: the newest version), oldest first; `dialect`: for
    Alembic's offline SQL."""
    names = [version.name for version in config.versions]
    if version_name is not None and version_name not in names:
        raise ConfigError(f"no version {version_name}; the versions are {', '.join(names)}", key="--version")
    version = config.version(version_name or names[-1])
    if version.containerized:
        raise ConfigError(f"version {version.name} is an image: lint reads a version's tree", key="--version")
    tool = config.migrations.tool
    if tool not in ("sql", "alembic"):
        raise ConfigError(f"lint reads sql and alembic migrations, not {tool}'s", key="migrations.tool")
    workspace = Workspaces(config, workdir, config.root / ".migtest-cache").get(version.name)

    def shown(path: Path) -> str:
        """A file of the version's tree as the project's file, relative to here where it can be."""
        project = config.root / path.relative_to(workspace.root) if path.is_relative_to(workspace.root) else path
        return os.path.relpath(project) if project.is_relative_to(Path.cwd()) else str(project)

    if tool == "alembic":
        from migtest.lint.offline import migrations

        return migrations(config, workspace, dialect, shown)
    assert config.migrations.dir is not None
    history = discover(workspace.relocate(config.migrations.dir), config.migrations)
    if version.revision not in LATEST:
        history = [m for m in history if m.version <= parse_version(version.revision)]
    return [_file(m.up, shown(m.up), label=m.label, extra=(m.description,)) for m in history], []


def dialect_of(config: Config | None, given: str | None) -> str:
    """`--dialect`, else the configured engine's; SQLite has nothing to lint (it locks the whole file)."""
    name = given or (config.database.engine if config else None)
    if name is None:
        raise ConfigError("give --dialect postgres or mysql to lint files without migtest.yml", key="--dialect")
    if name not in DIALECTS:
        key = "--dialect" if given else "database.engine"
        raise ConfigError(f"lint knows postgres, mysql and mariadb, not {name}; give --dialect", key=key)
    return DIALECTS[name]


def _file(
    path: Path, shown: str, *, label: str | None = None, extra: tuple[str, ...] = (), reported: bool = True
) -> Migration:
    """`path` read, `shown` named in findings."""
    names = frozenset({path.name, path.stem, *filter(None, [label]), *extra})
    return Migration(label or path.name, Path(shown), read_text(path), names=names, reported=reported)


def _natural(name: str) -> list[object]:
    """V2 before V10."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", name)]
