"""The pytest plugin used the way a team uses it: a small project with migtest.yml and its own
test file, run by pytest (`-p migtest`) in a subprocess. Each test gets an empty database of its
own, migrates it with migrate_to, writes and reads rows; a wrong expectation fails that test
only; every database is dropped afterwards."""

from __future__ import annotations

import subprocess
import sys

import pytest

from migtest.config import DatabaseConfig
from migtest.databases import open_server

TESTS = """
import pytest


def test_nickname_is_added_empty_and_rolled_back(migtest):
    migtest.migrate_to("0001")
    migtest.insert("users", [{"id": 1, "name": "Ada", "email": "ada@x.io"}, {"id": 2, "name": "Bob"}])
    migtest.migrate_to("0002")
    assert migtest.one("users", id=1)["nickname"] is None
    assert [row["name"] for row in migtest.rows("users")] == ["Ada", "Bob"]
    migtest.execute("UPDATE users SET nickname = :nick WHERE id = 2", {"nick": "bobby"})
    migtest.migrate_to("0001")
    assert "nickname" not in migtest.one("users", id=2)
    migtest.migrate_to("base")
    with pytest.raises(LookupError):
        migtest.rows("users")


def test_each_test_starts_from_an_empty_database(migtest):
    migtest.migrate_to("head")
    assert migtest.rows("users") == []
    migtest.insert("users", {"id": 1, "name": "Grace"})


def test_a_wrong_expectation_fails(migtest):
    migtest.migrate_to("head")
    migtest.insert("users", {"id": 7, "name": "Ada"})
    assert migtest.one("users", id=7)["name"] == "Grace"


def test_an_unknown_revision_fails(migtest):
    migtest.migrate_to("0009")
"""


def run_pytest(project) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "migtest", "-p", "no:cacheprovider", "-q", "test_migrations.py"],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.engines
def test_plugin_gives_each_test_a_fresh_database(fixture_project, database_config, tmp_path):
    project = fixture_project("alembic-base")
    project.write("test_migrations.py", TESTS)
    if database_config is not None:
        project.configure(database=database_config)

    done = run_pytest(project)

    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "2 failed, 2 passed" in output
    assert "FAILED test_migrations.py::test_a_wrong_expectation_fails - AssertionError" in output
    assert "no migration '0009' in the history: base, 0001, 0002" in output
    if database_config is not None:  # nothing left on the server
        server = open_server(DatabaseConfig(**database_config), tmp_path)
        postgres = server.admin.dialect.name == "postgresql"
        query = "SELECT datname FROM pg_database" if postgres else "SELECT schema_name FROM information_schema.schemata"
        with server.admin.connect() as connection:
            names = [name for (name,) in connection.exec_driver_sql(query)]
        server.close()
        assert not [name for name in names if "pytest" in name], names


def test_plugin_refuses_a_project_of_images_at_the_fixture(fixture_project):
    project = fixture_project("alembic-base")
    project.write("test_migrations.py", TESTS)
    project.configure(database={"engine": "postgres", "image": "postgres:15"})

    done = run_pytest(project)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "4 errors" in done.stdout
    assert "migtest: the pytest plugin needs SQLite or database.url; it starts no containers" in done.stdout
