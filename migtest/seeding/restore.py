"""`seed.restore`: a snapshot of a release's database (a sanitised copy of production), restored
into an empty database with the engine's own tools, before any other seeding.

A snapshot holds the schema, the data and the migration tool's history table, so the restored
database is at the release's revision without running a migration; the runner compares that
revision with the release's fresh install. The format is told by the file's first bytes:

- a SQLite database file: copied with SQLite's backup API (the snapshot is opened read-only);
- a pg_dump custom-format archive (`PGDMP`): `pg_restore`, without owners and grants;
- SQL text: `psql` on PostgreSQL (pg_dump's plain format, `COPY ... FROM stdin` included),
  `mysql` (or `mariadb`) on MySQL and MariaDB, on SQLite statement by statement in Python.

Each runs in one transaction where the engine allows (MySQL commits DDL as it goes) and stops at
the first error. The client programs get the password through PGPASSWORD / MYSQL_PWD, never on
their command line.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import URL, make_url

from migtest.config.userfiles import found
from migtest.databases import Database
from migtest.errors import ConfigError, StepFailed
from migtest.run.process import run

KEY = "seed.restore"
POSTGRES, MYSQL, SQLITE = "PostgreSQL", "MySQL/MariaDB", "SQLite"
# What pg_restore says of a custom archive made by a newer pg_dump than itself.
NEWER_ARCHIVE = re.compile(r"unsupported version \(([\d.]+)\) in file header")
FAMILIES = {"postgres": POSTGRES, "mysql": MYSQL, "mariadb": MYSQL, "sqlite": SQLITE}
HEAD_BYTES = 4096
# Lines by which a dump would write into another database than the one migtest made for it (as
# dumps write them: in capitals), and pg_dump's rows, which are data whatever they say.
OTHER_DATABASE = re.compile(rb"^\s*(?:CREATE\s+DATABASE|USE\s|\\c(?:onnect)?\s)")
COPY_ROWS = re.compile(rb"^COPY\s.*\sFROM\s+stdin;\s*$")
# A SQLite script's own transaction statements: migtest runs the whole script in one of its own.
TRANSACTION = re.compile(r"^\s*(?:BEGIN(?:\s+\w+)?(?:\s+TRANSACTION)?|COMMIT|END)(?:\s+TRANSACTION)?\s*;\s*$", re.I)


@dataclass(frozen=True)
class Snapshot:
    """A snapshot file and how it is restored: `kind` names its format, `family` the engine it is
    for (None: plain SQL, for whichever engine runs it), `programs` the client that restores it
    (the first one found on PATH)."""

    path: Path
    kind: str
    family: str | None
    programs: tuple[str, ...] = ()
    database_file: bool = False


def read_snapshot(path: Path) -> Snapshot:
    """What the file is, from its first bytes (a dump's own header names its engine)."""
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    if head.startswith(b"SQLite format 3\0"):
        return Snapshot(path, "a SQLite database file", SQLITE, database_file=True)
    if head.startswith(b"PGDMP"):
        return Snapshot(path, "a pg_dump custom-format archive", POSTGRES, ("pg_restore",))
    if len(head) > 262 and head[257:262] == b"ustar":
        raise StepFailed("a tar archive (pg_dump -Ft?): give a custom-format (pg_dump -Fc) or a plain SQL dump")
    if head.startswith(b"\x1f\x8b"):
        raise StepFailed("a gzip-compressed file: give it uncompressed, or a pg_dump custom-format archive (-Fc)")
    text = head.decode("utf-8", errors="replace")
    if "PostgreSQL database dump" in text:
        return Snapshot(path, "a pg_dump plain SQL dump", POSTGRES, ("psql",))
    if re.search(r"^-- (?:MySQL|MariaDB) dump", text, re.MULTILINE):
        return Snapshot(path, "a mysqldump file", MYSQL, ("mysql", "mariadb"))
    if text.startswith("PRAGMA foreign_keys=OFF;"):
        return Snapshot(path, "a sqlite3 .dump script", SQLITE)
    return Snapshot(path, "SQL text", None)


class SnapshotRestorer:
    """The snapshots of the releases scenarios start from, checked before any scenario runs."""

    def __init__(self, root: Path, pattern: str, engine: str, timeout: float, config_file: str) -> None:
        self.root = root
        self.pattern = pattern
        self.family = FAMILIES[engine]
        self.timeout = timeout
        self.config_file = config_file
        self.snapshots: dict[str, tuple[Snapshot, str | None]] = {}  # version: snapshot, client program

    def path(self, version: str) -> Path:
        return self.root / self.pattern.replace("{version}", version)

    def check(self, versions: Iterable[str]) -> None:
        """Each version's snapshot exists, is for this engine, writes into no other database, and
        its client program is installed; else a ConfigError naming the file and what to do."""
        for version in versions:
            path = self.path(version)
            if not found(path, directory=False):
                raise self._error(f"snapshot of version '{version}' not found: {path}")
            try:
                snapshot = read_snapshot(path)
            except (OSError, StepFailed) as exc:
                raise self._error(f"{path}: {getattr(exc, 'strerror', None) or exc}") from exc
            if snapshot.family not in (None, self.family):
                raise self._error(f"{path} is {snapshot.kind}, for {snapshot.family}; database.engine is {self.family}")
            program = self._program(snapshot)
            if program and program != "pg_restore" and _names_another_database(path):
                raise self._error(
                    f"{path} creates or switches to a database of its own (CREATE DATABASE, USE or \\connect); "
                    "dump without it (pg_dump without -C, mysqldump without --databases)"
                )
            self.snapshots[version] = (snapshot, program)

    def _program(self, snapshot: Snapshot) -> str | None:
        """The client program the snapshot needs on this engine (None: migtest restores it itself)."""
        programs = snapshot.programs or {POSTGRES: ("psql",), MYSQL: ("mysql", "mariadb")}.get(self.family, ())
        if not programs:
            return None
        for program in programs:
            if shutil.which(program):
                return program
        names = " or ".join(programs)
        raise self._error(f"restoring {snapshot.path.name} ({snapshot.kind}) needs {names}, not found on PATH")

    def _error(self, message: str) -> ConfigError:
        return ConfigError(message, file=self.config_file, key=KEY)

    def restore(self, version: str, database: Database) -> str:
        """Restore the version's snapshot into the (empty) database; a one-line description."""
        if version not in self.snapshots:  # a run that did not check its scenarios' releases first
            self.check([version])
        snapshot, program = self.snapshots[version]
        url = make_url(database.url)
        if program is None:
            _restore_sqlite(snapshot, Path(url.database or ""))
        else:
            argv, environment, stdin = _client_command(program, snapshot.path, url)
            what = f"{program} {snapshot.path.name}"
            try:
                run(argv, cwd=self.root, env=environment, what=what, timeout=self.timeout, stdin=stdin)
            except StepFailed as exc:
                if newer := NEWER_ARCHIVE.search(exc.output):
                    raise StepFailed(
                        f"{what}: the archive (format {newer[1]}) is from a newer pg_dump than this pg_restore "
                        "reads: install the client of the production server's major version, or give the "
                        "snapshot as plain SQL (pg_dump -Fp)",
                        exc.output,
                    ) from exc
                raise
        return f"{snapshot.path.name}: {snapshot.kind} restored"


def check_revision(snapshot: Path, version: str, restored: str | None, release: str | None) -> None:
    """The restored database must be at the revision a fresh install of its release reaches."""
    if restored == release:
        return
    raise StepFailed(
        f"the snapshot {snapshot.name} is at revision {restored or 'none'}, but release {version} is at "
        f"{release or 'none'}: restore a snapshot taken at that release, with the migration tool's history table"
    )


def _names_another_database(path: Path) -> bool:
    copying = False
    with path.open("rb") as lines:
        for line in lines:
            if copying:
                copying = line.rstrip(b"\r\n") != b"\\."
            elif COPY_ROWS.match(line):
                copying = True
            elif OTHER_DATABASE.match(line):
                return True
    return False


def _client_command(program: str, path: Path, url: URL) -> tuple[list[str], dict[str, str], Path | None]:
    """The client's arguments, environment (the password goes there) and input file, if it
    reads the snapshot from its input (mysql: `source` inside --execute would go on after errors)."""
    if program in ("psql", "pg_restore"):
        environment = {
            "PGHOST": url.host or "",
            "PGPORT": str(url.port or 5432),
            "PGUSER": url.username or "",
            "PGPASSWORD": url.password or "",
            "PGDATABASE": url.database or "",
        }
        if program == "psql":
            quiet = ["-X", "-q", f"--output={os.devnull}"]  # the output of the dump's SELECTs is no evidence
            argv = ["psql", *quiet, "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", str(path)]
        else:
            options = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
            argv = ["pg_restore", *options, f"--dbname={url.database}", str(path)]
        return argv, environment, None
    login = [f"--host={url.host}", f"--port={url.port or 3306}", f"--user={url.username}", "--protocol=TCP"]
    options = ["--batch", "--default-character-set=utf8mb4", f"--database={url.database}"]
    return [program, *login, *options], {"MYSQL_PWD": url.password or ""}, path


def _restore_sqlite(snapshot: Snapshot, target: Path) -> None:
    """A database file is copied page by page; a script runs in one transaction, read as it goes."""
    if snapshot.database_file:
        source = sqlite3.connect(f"file:{quote(str(snapshot.path.resolve()))}?mode=ro", uri=True)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        except sqlite3.Error as exc:
            raise StepFailed(f"copying {snapshot.path.name} failed: {exc}") from exc
        finally:
            source.close()
            destination.close()
        return
    connection = sqlite3.connect(target, isolation_level=None)
    try:
        connection.execute("BEGIN")
        with snapshot.path.open(encoding="utf-8") as lines:
            for number, statement in enumerate(_statements(lines), 1):
                if TRANSACTION.match(statement):
                    continue
                try:
                    connection.execute(statement)
                except sqlite3.Error as exc:
                    raise StepFailed(f"{snapshot.path.name}: statement {number} failed: {exc}", statement) from exc
        connection.execute("COMMIT")
    except UnicodeDecodeError as exc:
        raise StepFailed(f"{snapshot.path.name} is not UTF-8 text: {exc}") from exc
    finally:
        connection.close()


def _statements(lines: Iterable[str]) -> Iterator[str]:
    """Complete SQL statements, in order, as the lines come: a `;` inside a string or a comment
    does not end one (sqlite3.complete_statement decides)."""
    pending = ""
    for line in lines:
        pending += line
        start = 0
        while (end := pending.find(";", start)) >= 0:
            if sqlite3.complete_statement(pending[: end + 1]):
                yield pending[: end + 1].strip()
                pending, start = pending[end + 1 :], 0
            else:
                start = end + 1
    if pending.strip():
        yield pending.strip()
