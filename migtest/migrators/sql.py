"""Versioned SQL files (Flyway or golang-migrate layout), applied by migtest with its own history.

Each file runs in one transaction, as Flyway runs it. On PostgreSQL and SQLite a file that fails
halfway therefore leaves nothing of itself behind. MySQL and MariaDB commit DDL implicitly, so
there a failure can leave the statements before it applied: the error says which, since that is
the state a production database is left in. A Flyway script config `<file>.sql.conf` with
`executeInTransaction=false` runs a file statement by statement, each committed on its own, for
what PostgreSQL refuses inside a transaction. `migrations.schema` (PostgreSQL) is created when
missing, searched first and holds the history table, like Flyway's default schema.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy
from sqlalchemy import event

from migtest.config import MigrationsConfig
from migtest.config.userfiles import read_text
from migtest.databases import Database
from migtest.errors import ConfigError, StepFailed
from migtest.migrators import UPGRADE, Edited, MigrationRun
from migtest.sources import Workspace
from migtest.sql import split as sqlsplit
from migtest.sql.statement_limit import limited
from migtest.sql.text import as_written

GOLANG = re.compile(r"^(?P<version>\d+)_(?P<description>.+)\.(?P<direction>up|down)\.sql$")
LATEST = ("head", "latest")
MYSQL_DIALECTS = ("mysql", "mariadb")
# Statements MySQL and MariaDB commit implicitly, with whatever ran before them (temporary tables aside).
IMPLICIT_COMMIT = re.compile(r"(ALTER|CREATE|DROP|RENAME|TRUNCATE|GRANT|REVOKE)\s+(?!TEMPORARY\b)", re.IGNORECASE)
SCRIPT_SETTINGS = ("executeInTransaction",)
# What a file can leave on SQLite's connection for the next one (settings, attached and temporary objects).
SESSION_STATE = re.compile(r"(PRAGMA|ATTACH|DETACH|CREATE\s+TEMP(ORARY)?)\b", re.IGNORECASE)
LEADING_COMMENTS = re.compile(r"(?:\s*(?:--[^\n]*(?:\n|$)|/\*.*?\*/))*\s*", re.DOTALL)


@dataclass(frozen=True)
class SqlMigration:
    version: tuple[int, ...]
    description: str
    up: Path
    down: Path | None = None

    @property
    def label(self) -> str:
        return ".".join(map(str, self.version))


@functools.lru_cache(maxsize=1024)
def parse_version(text: str) -> tuple[int, ...]:
    """Cached: every command of a step walk parses each applied version of the history again."""
    parts = re.split(r"[._]", text)
    if not all(part.isdigit() for part in parts):
        raise ValueError(text)
    return tuple(int(part) for part in parts)


def _flyway_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(prefix)}(?P<version>\d+(?:[._]\d+)*)__(?P<description>.+)\.sql$")


def _sql_names(directory: Path) -> tuple[str, ...]:
    """The `.sql` files, as `os.path.splitext` tells them (a name of dots and `sql` has no suffix),
    without its cost: a step walk lists the folder at every command."""
    return tuple(sorted(name for name in os.listdir(directory) if name.endswith(".sql") and name.lstrip(".") != "sql"))


def layout_of(names: Iterable[str], config: MigrationsConfig) -> str:
    """`migrations.layout`, else golang-migrate when a file is named that way, else flyway."""
    return config.layout or ("golang-migrate" if any(GOLANG.match(name) for name in names) else "flyway")


@functools.lru_cache(maxsize=64)
def _layout(names: tuple[str, ...], config: MigrationsConfig) -> str:
    """`layout_of` a folder's files, once per listing."""
    return layout_of(names, config)


def discover(directory: Path, config: MigrationsConfig) -> list[SqlMigration]:
    """The migrations of a directory, oldest first; a .sql file that fits no pattern is an error."""
    return list(_discover(directory, _sql_names(directory), config))


@functools.lru_cache(maxsize=64)
def _discover(directory: Path, names: tuple[str, ...], config: MigrationsConfig) -> tuple[SqlMigration, ...]:
    """Parsed once per listing: a step walk asks for the same folder several times per migration."""
    files = [directory / name for name in names]
    layout = _layout(names, config)
    ups: dict[tuple[int, ...], Path] = {}
    downs: dict[tuple[int, ...], Path] = {}
    descriptions: dict[tuple[int, ...], str] = {}
    for path in files:
        version, description, is_down = _parse_name(path.name, layout, config, directory)
        bucket = downs if is_down else ups
        if version in bucket:
            raise ConfigError(
                f"two files for version {version}: {bucket[version].name}, {path.name}", file=str(directory)
            )
        bucket[version] = path
        descriptions.setdefault(version, description)
    orphans = sorted(set(downs) - set(ups))
    if orphans:
        raise ConfigError(f"undo file without a migration: {downs[orphans[0]].name}", file=str(directory))
    return tuple(SqlMigration(v, descriptions[v], ups[v], downs.get(v)) for v in sorted(ups))


def _parse_name(name: str, layout: str, config: MigrationsConfig, directory: Path) -> tuple[tuple[int, ...], str, bool]:
    if layout == "golang-migrate":
        match = GOLANG.match(name)
        is_down = bool(match) and match["direction"] == "down"
        expected = "<n>_<description>.up.sql or .down.sql"
    else:
        down = _flyway_pattern(config.undo_prefix).match(name)
        match = down or _flyway_pattern(config.prefix).match(name)
        is_down = bool(down)
        expected = f"{config.prefix}<version>__<description>.sql or {config.undo_prefix}<version>__<description>.sql"
    if not match:
        raise ConfigError(f"'{name}' does not follow the {layout} layout ({expected})", file=str(directory))
    return parse_version(match["version"]), match["description"], is_down


def statements(path: Path) -> list[str]:
    """The file's statements, as sqlparse splits them (migtest.sql.split), comments-only fragments dropped."""
    return list(_split(read_text(path)))


@functools.lru_cache(maxsize=256)
def _split(text: str) -> tuple[str, ...]:
    """The same seed and migration files are read by many scenarios."""
    parts = sqlsplit.split(text)
    return tuple(p for p in parts if _after_comments(p).strip(";").strip())


def _after_comments(statement: str) -> str:
    """The statement without the comments that lead it (sqlparse.format would group its tokens,
    which it refuses beyond 10 000: a seed file's long INSERT)."""
    return statement[LEADING_COMMENTS.match(statement).end() :]


def statement_line(text: str, parts: tuple[str, ...], number: int) -> int | None:
    """The line of `text` where statement `number` (1-based, of `parts` split from it) starts,
    after the comments that lead it."""
    offset = 0
    for part in parts[:number]:
        found = text.find(part, offset)
        if found < 0:
            return None
        start, offset = found, found + len(part)
    start += LEADING_COMMENTS.match(parts[number - 1]).end()
    return text.count("\n", 0, start) + 1


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Folder:
    """A folder's migrations as a `kept` block read them, with what every command looks up in them:
    a step walk runs a few commands per migration, each of which built these again (a cost that
    grew with the history at every command)."""

    migrations: list[SqlMigration]
    versions: frozenset[tuple[int, ...]]
    files: dict[str, Path]  # each version's up file, by its label
    edited_default: str  # what an edited applied file is: "fail" or "warn"

    @classmethod
    def of(cls, migrations: list[SqlMigration], config: MigrationsConfig) -> Folder:
        """What the layout's own tool does with an edited applied file: Flyway's validate refuses to
        migrate; golang-migrate keeps no checksums and runs on, so there it is a warning. The
        migrations hold every .sql file of the folder (`discover` refuses any other)."""
        names = tuple(path.name for m in migrations for path in (m.up, m.down) if path is not None)
        default = "warn" if _layout(names, config) == "golang-migrate" else "fail"
        return cls(migrations, frozenset(m.version for m in migrations), {m.label: m.up for m in migrations}, default)


@dataclass
class Known:
    """The history as the kept SQLite connection last read or wrote it, and that connection's
    `PRAGMA data_version` then: the same version means no other connection committed since."""

    recorded: dict[str, str]
    data_version: int


@dataclass
class Kept:
    """What `kept` holds for one database's commands: its engine, and what its commands read of
    the files once (every command lists the folder and checks every applied file's checksum, a step
    walk runs a few per migration): each folder's migrations, each file's checksum and statements;
    `ready` once the history table was made, so that later commands only read it. Its commands
    share one connection on SQLite (a new one parses the schema again), outside a transaction
    between them, unless a file set something on it, and the history they wrote (`known`)."""

    engine: sqlalchemy.Engine
    checksums: dict[Path, str] = field(default_factory=dict)
    folders: dict[Path, Folder] = field(default_factory=dict)  # by release tree
    scripts: dict[Path, tuple[tuple[str, ...], bool]] = field(default_factory=dict)
    ready: bool = False
    connection: sqlalchemy.Connection | None = None
    known: Known | None = None

    def connect(self) -> sqlalchemy.Connection:
        if self.connection is None:
            self.connection = self.engine.connect()
        return self.connection

    def close(self) -> None:
        """Closing rolls back whatever transaction is left; the history is then read again."""
        if self.connection is not None:
            self.connection.close()
        self.connection, self.known = None, None

    def checksum(self, path: Path) -> str:
        if path not in self.checksums:
            self.checksums[path] = checksum(path)
        return self.checksums[path]

    def script(self, path: Path) -> tuple[tuple[str, ...], bool]:
        """The file's statements, and whether they run in one transaction."""
        if path not in self.scripts:
            self.scripts[path] = tuple(statements(path)), executes_in_transaction(path)
        return self.scripts[path]


def executes_in_transaction(path: Path) -> bool:
    """Flyway's per-script config `<file>.sql.conf`; migtest honours `executeInTransaction` and
    refuses other settings rather than run a file differently from Flyway."""
    conf = path.with_name(path.name + ".conf")
    if not conf.is_file():
        return True
    settings = _properties(conf)
    unknown = sorted(set(settings) - set(SCRIPT_SETTINGS))
    if unknown:
        raise ConfigError(f"unsupported setting '{unknown[0]}' (migtest reads executeInTransaction)", file=str(conf))
    value = settings.get("executeInTransaction", "true").lower()
    if value not in ("true", "false"):
        raise ConfigError(f"executeInTransaction must be true or false, got '{value}'", file=str(conf))
    return value == "true"


def _properties(path: Path) -> dict[str, str]:
    """`key=value` lines of a Java properties file, comments (# or !) and blank lines skipped."""
    lines = (line.strip() for line in read_text(path).splitlines())
    pairs = (line.partition("=") for line in lines if line and not line.startswith(("#", "!")))
    return {key.strip(): value.strip() for key, _, value in pairs}


def commits_implicitly(statement: str) -> bool:
    return bool(IMPLICIT_COMMIT.match(_after_comments(statement)))


@dataclass(frozen=True)
class CommitRule:
    """Which statements of a file commit as they run, and why; without one the file is one transaction."""

    reason: str
    commits: Callable[[str], bool]


def commit_rule(dialect: str, in_transaction: bool) -> CommitRule | None:
    if not in_transaction:
        return CommitRule("executeInTransaction=false", lambda _statement: True)
    if dialect in MYSQL_DIALECTS:
        return CommitRule("MySQL commits DDL implicitly", commits_implicitly)
    return None


@dataclass
class Script:
    """One file being applied: its statements, and how many of them are committed so far."""

    path: Path
    statements: tuple[str, ...]
    rule: CommitRule | None
    committed: int = 0

    def run(self, connection: sqlalchemy.Connection, log: list[str]) -> None:
        """Commit where the engine would anyway (MySQL: before and after DDL), so that a failure
        reports exactly what stays in the database."""
        for number, statement in enumerate(self.statements, 1):
            commits = self.rule is not None and self.rule.commits(statement)
            if commits:
                connection.commit()
                self.committed = number - 1
            try:
                connection.exec_driver_sql(as_written(connection, statement))
            except sqlalchemy.exc.DBAPIError as exc:
                line = statement_line(read_text(self.path), self.statements, number)
                failure = self._failure(number, exc.orig)
                raise StepFailed(failure, self._evidence(number, log), file=self.path, line=line) from exc
            if commits:
                connection.commit()
                self.committed = number

    def _failure(self, number: int, error: object) -> str:
        message = f"{self.path.name}: statement {number} of {len(self.statements)} failed: {error}"
        if not self.committed:
            return message
        assert self.rule is not None
        done = "statement 1 was" if self.committed == 1 else f"statements 1-{self.committed} were"
        return f"{message}; {done} already committed ({self.rule.reason}), the database is left half-migrated"

    def _evidence(self, number: int, log: list[str]) -> str:
        total = len(self.statements)
        lines = list(log)
        for index, statement in enumerate(self.statements[: self.committed], 1):
            lines += [f"-- statement {index} of {total}: committed", statement.strip()]
        return "\n".join([*lines, f"-- statement {number} of {total}: failed", self.statements[number - 1].strip()])


class SqlMigrator:
    def __init__(self, config: MigrationsConfig) -> None:
        assert config.dir is not None
        self.config = config
        self._kept: dict[str, Kept] = {}  # by database URL, while `kept` holds them

    @contextmanager
    def kept(self, database: Database) -> Iterator[None]:
        """One engine for every command on `database` in the block (the step walk runs a few per
        migration), instead of one made and disposed of per command; files are not edited meanwhile."""
        with self._database_engine(database) as engine:
            self._kept[database.url] = Kept(engine)
            try:
                yield
            finally:
                self._kept.pop(database.url).close()

    def _migrations(self, workspace: Workspace) -> list[SqlMigration]:
        directory = workspace.relocate(self.config.dir)
        if not directory.is_dir():
            raise StepFailed(f"version {workspace.version.name} has no migrations directory {directory}")
        return discover(directory, self.config)

    def _folder(self, workspace: Workspace, kept: Kept | None) -> Folder:
        """The release tree's folder, as `kept` read it once where given (by tree: its path in the
        tree is the same for every command), else as it is now."""
        folder = kept.folders.get(workspace.root) if kept is not None else None
        if folder is None:
            folder = Folder.of(self._migrations(workspace), self.config)
            if kept is not None:
                kept.folders[workspace.root] = folder
        return folder

    def _resolve(self, folder: Folder, target: str) -> tuple[int, ...]:
        migrations = folder.migrations
        if target in LATEST:
            return migrations[-1].version if migrations else ()
        if target in ("base", "0"):
            return ()
        try:
            version = parse_version(target)
        except ValueError as exc:
            raise StepFailed(f"'{target}' is not a migration version (like 3 or 1.2) nor head") from exc
        if version not in folder.versions:
            raise StepFailed(f"no migration has version {target}")
        return version

    @contextmanager
    def _engine(self, database: Database) -> Iterator[Kept]:
        """What `kept` holds for the database, else an engine (and checksums) for this command."""
        kept = self._kept.get(database.url)
        if kept is not None:
            try:
                yield kept
            finally:
                if kept.engine.dialect.name != "sqlite":
                    kept.close()  # a server session may hold what a file set: a new one per command
            return
        with self._database_engine(database) as engine:
            kept = Kept(engine)
            try:
                yield kept
            finally:
                kept.close()

    @contextmanager
    def _database_engine(self, database: Database) -> Iterator[sqlalchemy.Engine]:
        """The engine the server keeps for the database; with `migrations.schema` one of its own,
        whose every connection searches that schema first."""
        if not self.config.schema:
            yield database.engine()
            return
        engine = database.connect()
        event.listen(engine, "connect", functools.partial(_search_first, engine.dialect, self.config.schema))
        try:
            yield engine
        finally:
            engine.dispose()

    def _history(self, connection: sqlalchemy.Connection) -> str:
        if not self.config.schema:
            return self.config.table
        return f"{connection.dialect.identifier_preparer.quote(self.config.schema)}.{self.config.table}"

    def _ensure_history(self, connection: sqlalchemy.Connection) -> None:
        if self.config.schema:
            quoted = connection.dialect.identifier_preparer.quote(self.config.schema)
            connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
        connection.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {self._history(connection)} (version VARCHAR(50) PRIMARY KEY, "
            "description VARCHAR(200) NOT NULL, checksum VARCHAR(64) NOT NULL, applied_at VARCHAR(40) NOT NULL)"
        )

    def _recorded(self, connection: sqlalchemy.Connection) -> dict[str, str]:
        """The history: each applied version's checksum."""
        return dict(connection.exec_driver_sql(f"SELECT version, checksum FROM {self._history(connection)}").all())

    def _history_read(self, connection: sqlalchemy.Connection, kept: Kept) -> dict[str, str]:
        """The history, in a transaction of its own, the table made first where it is missing: by
        `kept`'s first command, or by a later one that finds it gone (a migration dropped it).
        Not read where `kept` knows it unchanged since its commands wrote it."""
        known = _unchanged(connection, kept.known)
        if known is not None:
            return dict(known.recorded)
        if kept.ready:
            try:
                with connection.begin():
                    recorded = self._recorded(connection)
                return self._remember(connection, kept, recorded)
            except sqlalchemy.exc.DBAPIError:
                kept.ready = False  # rolled back: a server refuses more in that transaction
        with connection.begin():
            self._ensure_history(connection)
            recorded = self._recorded(connection)
        kept.ready = True
        return self._remember(connection, kept, recorded)

    def _remember(self, connection: sqlalchemy.Connection, kept: Kept, recorded: dict[str, str]) -> dict[str, str]:
        """On SQLite, `recorded` as `kept` knows the history until another connection commits."""
        version = _data_version(connection)
        kept.known = None if version is None else Known(dict(recorded), version)
        return recorded

    def _applied(self, connection: sqlalchemy.Connection) -> list[tuple[int, ...]]:
        return _versions(self._recorded(connection))

    def migrate(self, workspace: Workspace, database: Database, direction: str, target: str) -> MigrationRun:
        log: list[str] = []
        with self._engine(database) as kept:
            folder = self._folder(workspace, kept)
            migrations, goal = folder.migrations, self._resolve(folder, target)
            recorded = self._history_read(kept.connect(), kept)
            applied = {parse_version(version) for version in recorded}
            edited = _edited(recorded, folder.files, kept.checksum)
            if direction == UPGRADE:
                steps = [(m, m.up) for m in migrations if m.version <= goal and m.version not in applied]
            else:
                steps = [(m, m.down) for m in reversed(migrations) if m.version > goal and m.version in applied]
            for migration, path in steps:
                if path is None:
                    raise StepFailed(f"no undo file for version {migration.label}", "\n".join(log), file=migration.up)
                log.append(f"{direction} {migration.label}: {path.name}")
                self._apply(migration, path, direction, log, kept)
        files = tuple(path for _migration, path in steps if path is not None)
        resolved = ".".join(map(str, goal)) or "base"
        return MigrationRun("\n".join(log), resolved, edited, folder.edited_default, files=files)

    def _apply(self, migration: SqlMigration, path: Path, direction: str, log: list[str], kept: Kept) -> None:
        """Run the file in one transaction, recording it there, on `kept`'s connection; a file run
        statement by statement (autocommit) on a connection of its own, closed after it."""
        parts, in_transaction = kept.script(path)
        try:
            with self._file_connection(kept, in_transaction, parts) as connection:
                with limited(connection, self.config.timeout, f"migration {path.name}"):
                    rule = commit_rule(connection.dialect.name, in_transaction)
                    Script(path, parts, rule).run(connection, log)
                    self._record(connection, migration, path, direction, kept.checksum)
                    connection.commit()
                self._written(kept, migration, path, direction, parts)
        except sqlalchemy.exc.DBAPIError as exc:
            raise StepFailed(f"{path.name}: {exc.orig}", "\n".join(log), file=path) from exc

    @contextmanager
    def _file_connection(
        self, kept: Kept, in_transaction: bool, parts: tuple[str, ...]
    ) -> Iterator[sqlalchemy.Connection]:
        """`kept`'s connection, closed (its transaction rolled back) when the file fails, and after
        it where the next file must not see what it set (on a server always); else a new one in
        autocommit."""
        if not in_transaction:
            kept.known = None  # committed by another connection: the kept one reads the history again
            with kept.engine.connect() as connection:
                yield connection.execution_options(isolation_level="AUTOCOMMIT")
            return
        connection = kept.connect()
        try:
            yield connection
        except BaseException:
            kept.close()
            raise
        if connection.dialect.name != "sqlite" or any(SESSION_STATE.match(_after_comments(part)) for part in parts):
            kept.close()

    def _written(self, kept: Kept, migration: SqlMigration, path: Path, direction: str, parts: tuple[str, ...]) -> None:
        """What `kept` knows of the history after the file, unless the file itself names the table."""
        if kept.known is None or any(self.config.table.lower() in part.lower() for part in parts):
            kept.known = None
        elif direction == UPGRADE:
            kept.known.recorded[migration.label] = kept.checksum(path)
        else:
            kept.known.recorded.pop(migration.label, None)

    def _record(
        self,
        connection: sqlalchemy.Connection,
        migration: SqlMigration,
        path: Path,
        direction: str,
        summed: Callable[[Path], str],
    ) -> None:
        insert, delete = _recording(self._history(connection))
        if direction == UPGRADE:
            connection.execute(
                insert,
                {
                    "version": migration.label,
                    "description": migration.description,
                    "checksum": summed(path),
                    "applied_at": datetime.now(UTC).isoformat(),
                },
            )
        else:
            connection.execute(delete, {"version": migration.label})

    def current(self, workspace: Workspace, database: Database) -> str | None:
        """The newest version in the history; base without one. A history `kept`'s commands made is
        read without looking for the table first, unless it is gone."""
        with self._engine(database) as kept:
            connection = kept.connect()
            known = _unchanged(connection, kept.known)
            try:
                applied = self._read_applied(connection, kept) if known is None else _versions(known.recorded)
            finally:
                connection.rollback()  # no transaction left open between commands
        return ".".join(map(str, applied[-1])) if applied else "base"

    def _read_applied(self, connection: sqlalchemy.Connection, kept: Kept) -> list[tuple[int, ...]]:
        try:
            applied = self._applied(connection) if kept.ready else None
        except sqlalchemy.exc.DBAPIError:
            connection.rollback()
            applied = None
        if applied is None:
            if not sqlalchemy.inspect(connection).has_table(self.config.table, schema=self.config.schema):
                return []
            applied = self._applied(connection)
        return applied

    def downgrade_blocker(self, workspace: Workspace, source: str, target: str) -> str | None:
        """Asked once per step of a walk: the folder as a `kept` block read it (files are not
        edited while one is open; folders are kept by path), else as it is now."""
        folder = self._folder(workspace, next(iter(self._kept.values()), None))
        low, high = self._resolve(folder, target), self._resolve(folder, source)
        missing = [m for m in folder.migrations if low < m.version <= high and m.down is None]
        if missing:
            kind = "down file" if GOLANG.match(missing[0].up.name) else "undo file"
            return f"no {kind} for version {', '.join(m.label for m in missing)}"
        return None

    def history(self, workspace: Workspace, database: Database) -> list[str]:
        return [migration.label for migration in self._migrations(workspace)]

    def close(self) -> None:
        """Nothing runs between commands."""


def _edited(recorded: dict[str, str], files: dict[str, Path], summed: Callable[[Path], str]) -> tuple[Edited, ...]:
    """Applied migrations whose file now differs from the one applied (Flyway's validate), from the
    history's version: checksum, and each version's file by label."""
    return tuple(
        Edited(
            files[version].name,
            (f"{files[version].name}: checksum {applied[:12]} when applied, {summed(files[version])[:12]} now",),
        )
        for version, applied in recorded.items()
        if version in files and summed(files[version]) != applied
    )


@functools.lru_cache(maxsize=16)
def _recording(table: str) -> tuple[sqlalchemy.TextClause, sqlalchemy.TextClause]:
    """The statements that add a version to the history table and take one out, made once per
    table: a step walk records three files per migration."""
    insert = (
        f"INSERT INTO {table} (version, description, checksum, applied_at) "
        "VALUES (:version, :description, :checksum, :applied_at)"
    )
    return sqlalchemy.text(insert), sqlalchemy.text(f"DELETE FROM {table} WHERE version = :version")


def _versions(recorded: Iterable[str]) -> list[tuple[int, ...]]:
    return sorted(parse_version(version) for version in recorded)


def _data_version(connection: sqlalchemy.Connection) -> int | None:
    """SQLite's count of commits by other connections, read outside any transaction (the driver
    autocommits); None on a server."""
    if connection.dialect.name != "sqlite":
        return None
    return connection.connection.driver_connection.execute("PRAGMA data_version").fetchone()[0]


def _unchanged(connection: sqlalchemy.Connection, known: Known | None) -> Known | None:
    """`known`, unless another connection committed since it was."""
    if known is None or _data_version(connection) != known.data_version:
        return None
    return known


def _search_first(dialect: sqlalchemy.Dialect, schema: str, dbapi_connection: object, _record: object) -> None:
    """Like Flyway: the schema first on search_path, then what the login searched already."""
    cursor = dbapi_connection.cursor()
    cursor.execute(
        "SELECT set_config('search_path', %s || ', ' || current_setting('search_path'), false)",
        (dialect.identifier_preparer.quote(schema),),
    )
    cursor.close()
    dbapi_connection.commit()
