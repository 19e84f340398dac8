"""`seed.restore`'s pure parts: what a snapshot is from its first bytes, how a SQLite script is cut
into statements as it is read, and how the client programs get the login (the password never on
their command line)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from migtest.config import parse_config
from migtest.errors import ConfigError, StepFailed
from migtest.seeding.restore import (
    MYSQL,
    POSTGRES,
    SQLITE,
    SnapshotRestorer,
    _client_command,
    _names_another_database,
    _statements,
    check_revision,
    read_snapshot,
)

HEADS = {
    b"SQLite format 3\0rest": ("a SQLite database file", SQLITE),
    b"PGDMP\x01\x0e\x00": ("a pg_dump custom-format archive", POSTGRES),
    b"--\n-- PostgreSQL database dump\n--\n": ("a pg_dump plain SQL dump", POSTGRES),
    b"-- MySQL dump 10.13  Distrib 8.0.36\n": ("a mysqldump file", MYSQL),
    b"/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19\n": ("a mysqldump file", MYSQL),
    b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n": ("a sqlite3 .dump script", SQLITE),
    b"INSERT INTO users VALUES (1);\n": ("SQL text", None),
}


@pytest.mark.parametrize(("head", "expected"), HEADS.items())
def test_a_snapshot_is_told_by_its_first_bytes(tmp_path: Path, head: bytes, expected: tuple[str, str | None]):
    path = tmp_path / "snapshot"
    path.write_bytes(head)
    snapshot = read_snapshot(path)
    assert (snapshot.kind, snapshot.family) == expected


@pytest.mark.parametrize(
    ("head", "message"),
    [(b"\x1f\x8b\x08\x00", "gzip-compressed"), (b"x" * 257 + b"ustar\x0000" + b"\0" * 100, "tar archive")],
)
def test_archives_pg_restore_cannot_take_are_refused(tmp_path: Path, head: bytes, message: str):
    path = tmp_path / "snapshot"
    path.write_bytes(head)
    with pytest.raises(StepFailed, match=message):
        read_snapshot(path)


def restorer(tmp_path: Path, engine: str) -> SnapshotRestorer:
    return SnapshotRestorer(tmp_path, "snapshots/{version}.sql", engine, 60.0, "migtest.yml")


@pytest.mark.parametrize(
    ("text", "engine", "message"),
    [
        ("-- PostgreSQL database dump\n", "mariadb", "is a pg_dump plain SQL dump, for PostgreSQL; database.engine is"),
        ("-- MySQL dump 10.13\n", "sqlite", "is a mysqldump file, for MySQL/MariaDB; database.engine is SQLite"),
        ("-- MySQL dump 10.13\nCREATE DATABASE prod;\nUSE `prod`;\n", "mysql", "creates or switches to a database"),
        ("-- PostgreSQL database dump\n\\connect prod\n", "postgres", "creates or switches to a database"),
    ],
)
def test_a_snapshot_for_another_engine_or_database_is_refused(tmp_path: Path, text: str, engine: str, message: str):
    (tmp_path / "snapshots").mkdir()
    (tmp_path / "snapshots" / "1.0.sql").write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)) as error:
        restorer(tmp_path, engine).check(["1.0"])
    assert error.value.key == "seed.restore"


def test_rows_of_a_pg_dump_are_data_whatever_they_say(tmp_path: Path):
    rows = "COPY public.notes (body, id) FROM stdin;\nUSE the back door\t1\n\\connect me\t2\n\\.\n"
    (tmp_path / "1.0.sql").write_text(f"-- PostgreSQL database dump\n{rows}")
    assert not _names_another_database(tmp_path / "1.0.sql")
    (tmp_path / "1.0.sql").write_text(f"-- PostgreSQL database dump\n{rows}\\connect prod\n")
    assert _names_another_database(tmp_path / "1.0.sql")


def test_a_missing_snapshot_names_the_version_and_the_key(tmp_path: Path):
    with pytest.raises(ConfigError, match=re.escape("snapshot of version '1.1' not found")) as error:
        restorer(tmp_path, "sqlite").check(["1.1"])
    assert (error.value.key, error.value.file) == ("seed.restore", "migtest.yml")


def test_a_sqlite_script_is_cut_at_the_semicolons_that_end_statements():
    script = (
        "PRAGMA foreign_keys=OFF;\n"
        "INSERT INTO t VALUES(1,'a;b'); INSERT INTO t VALUES(2,'multi\n"
        "line;');\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = 1; END;\n"
        "-- a comment; with a semicolon\n"
        "INSERT INTO t VALUES(3,'c')"
    )
    assert list(_statements(io.StringIO(script))) == [
        "PRAGMA foreign_keys=OFF;",
        "INSERT INTO t VALUES(1,'a;b');",
        "INSERT INTO t VALUES(2,'multi\nline;');",
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = 1; END;",
        "-- a comment; with a semicolon\nINSERT INTO t VALUES(3,'c')",
    ]


@pytest.mark.parametrize(
    ("program", "url", "variable"),
    [
        ("psql", "postgresql+psycopg://migtest:pa55-word@db.example:5433/migtest_1_x", "PGPASSWORD"),
        ("pg_restore", "postgresql+psycopg://migtest:pa55-word@db.example:5433/migtest_1_x", "PGPASSWORD"),
        ("mysql", "mysql+pymysql://root:pa55-word@db.example:3307/migtest_1_x", "MYSQL_PWD"),
    ],
)
def test_the_password_goes_to_the_client_through_its_environment(program: str, url: str, variable: str):
    argv, environment, _ = _client_command(program, Path("/snapshots/1.0.sql"), make_url(url))
    assert not any("pa55-word" in argument for argument in argv)
    assert environment[variable] == "pa55-word"
    assert "db.example" in " ".join([*argv, *environment.values()])


def test_a_restored_database_at_another_revision_is_reported():
    check_revision(Path("1.0.sql"), "1.0", "0001", "0001")
    expected = "the snapshot 1.0.sql is at revision none, but release 1.0 is at 0001"
    with pytest.raises(StepFailed, match=re.escape(expected)):
        check_revision(Path("1.0.sql"), "1.0", None, "0001")


def test_seed_restore_is_read_from_the_configuration(tmp_path: Path):
    data = {"migrations": {"tool": "sql", "dir": "."}, "versions": [{"name": "1.0", "revision": "1"}]}
    config = parse_config({**data, "seed": {"restore": "snapshots/{version}.dump"}}, tmp_path / "migtest.yml")
    assert config.seed.restore == "snapshots/{version}.dump"
    with pytest.raises(ConfigError, match="must be a non-empty string") as error:
        parse_config({**data, "seed": {"restore": ""}}, tmp_path / "migtest.yml")
    assert error.value.key == "seed.restore"
