"""Snapshots of a database made the way a team makes one of production: by the real pg_dump,
mysqldump and sqlite3 of this machine (tests/machine.py finds them), for `seed.restore`'s tests and
bench/restore.py."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import alembic.command
import alembic.config
import machine
import sqlalchemy
from sqlalchemy.engine import make_url

from migtest.config import DatabaseConfig
from migtest.databases import Database, open_server

# The rows of the "production" database, one of them holding what a dump must carry through as it is.
ROWS = 400
# What a dump must carry through as it is: COPY escapes tabs, newlines and backslashes; mysqldump quotes.
AWKWARD = "tab\there, line\nbreak, back\\slash, 'quote', Zoë"

# The forms a snapshot takes, with the file name suffix each has.
SUFFIXES = {"file": ".db", "dump": ".sql", "plain": ".sql", "custom": ".dump", "mysqldump": ".sql"}


def make_snapshot(database_url: str, form: str, target: Path) -> None:
    """A snapshot of the database in `form`: a SQLite file copied or `.dump`ed, pg_dump plain or
    custom format (without owners and grants, as for a copy taken elsewhere), or mysqldump."""
    url = make_url(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if form == "file":
        shutil.copyfile(url.database, target)
        return
    if form == "dump":
        with target.open("w") as out:
            subprocess.run([_program("sqlite3"), url.database, ".dump"], stdout=out, check=True)
        return
    if form == "mysqldump":
        login = [f"--host={url.host}", f"--port={url.port}", f"--user={url.username}", "--protocol=TCP"]
        argv = [_program("mysqldump"), *login, f"--result-file={target}", url.database]
        subprocess.run(argv, env={**os.environ, "MYSQL_PWD": url.password}, check=True, capture_output=True)
        return
    login = {"PGHOST": url.host, "PGPORT": str(url.port), "PGUSER": url.username, "PGPASSWORD": url.password}
    options = ["-Fc"] if form == "custom" else []
    argv = [_program("pg_dump"), *options, "--no-owner", "--no-privileges", "-f", str(target), url.database]
    subprocess.run(argv, env={**os.environ, **login}, check=True, capture_output=True)


def _program(name: str) -> str:
    found = machine._find(name)
    if found is None:
        machine.unavailable(f"{name} is not installed")
    return found


@contextmanager
def production(tmp_path: Path, database_config: dict[str, str] | None, project: Path) -> Iterator[Database]:
    """A database at release 1.0 (revision 0001) holding ROWS users, one of them AWKWARD."""
    server = open_server(DatabaseConfig(**(database_config or {})), tmp_path / "production")
    try:
        database = server.create("production")
        settings = alembic.config.Config(str(project / "alembic.ini"))
        settings.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
        alembic.command.upgrade(settings, "0001")
        rows = [{"id": n, "name": f"user {n}", "email": f"u{n}@example.com"} for n in range(1, ROWS)]
        rows.append({"id": ROWS, "name": AWKWARD, "email": None})
        engine = database.connect()
        try:
            with engine.begin() as connection:
                insert = "INSERT INTO users (id, name, email) VALUES (:id, :name, :email)"
                connection.execute(sqlalchemy.text(insert), rows)
        finally:
            engine.dispose()
        yield database
    finally:
        server.close()
