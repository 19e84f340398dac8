"""Server engines the way users meet them: an existing server by URL or a server container migtest
starts from an image; a clear exit 2 for every login or engine problem; nothing left behind and
no password shown, on a real PostgreSQL 15 and MariaDB 10.11."""

from __future__ import annotations

import signal
import time

import machine
import pytest
import sqlalchemy
from held import start_held_shop
from integration_support import cleanup, run_objects, scratch_folder
from machine import PASSWORD

from migtest.cli import EXIT_OK, EXIT_USAGE

SERVERS = ["postgres", "mariadb"]
FAILING_REVISION = """
import os
print("connecting to", os.environ["DATABASE_URL"])
raise RuntimeError("cannot migrate " + op.get_bind().engine.url.render_as_string(hide_password=False))
"""


def admin(url: str) -> sqlalchemy.Engine:
    url = url.replace("postgresql://", "postgresql+psycopg://").replace("mysql://", "mysql+pymysql://")
    return sqlalchemy.create_engine(url, poolclass=sqlalchemy.NullPool, isolation_level="AUTOCOMMIT")


def databases(url: str) -> set[str]:
    engine = admin(url)
    query = "SELECT datname FROM pg_database" if url.startswith("postgresql") else "SHOW DATABASES"
    with engine.connect() as connection:
        names = set(connection.exec_driver_sql(query).scalars())
    engine.dispose()
    return names


@pytest.fixture
def server(request):
    return request.getfixturevalue(f"{request.param}_host")


def with_url(url: str, **parts: object) -> str:
    return sqlalchemy.engine.make_url(url).set(**parts).render_as_string(hide_password=False)


# -- url mode --------------------------------------------------------------------------------


@pytest.mark.parametrize("server", SERVERS, indirect=True)
def test_url_mode_touches_no_other_database(server, fixture_project, run_migtest):
    engine = admin(server.url)
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE DATABASE keep_me")
    before = databases(server.url)
    project = fixture_project("alembic-base")
    project.revision("0003", "0002", "op.drop_column('users', 'nickname')")
    project.add_version("2.0", "0003", "INSERT INTO users (id, name, nickname) VALUES (9, 'x', 'y');")
    project.configure(database={"engine": server.engine, "url": server.url})

    outcome = run_migtest(project.config)

    assert outcome.exit_code == 1, outcome.output
    assert databases(server.url) == before
    with engine.connect() as connection:
        connection.exec_driver_sql("DROP DATABASE keep_me")
    engine.dispose()


@pytest.mark.parametrize("server", SERVERS, indirect=True)
def test_refused_login_is_a_usage_error_without_the_password(server, fixture_project, run_migtest):
    project = fixture_project("alembic-base")
    wrong = "Wr0ng-Secret"
    project.configure(database={"engine": server.engine, "url": with_url(server.url, password=wrong)})

    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "key 'database.url': cannot log in to" in outcome.output
    assert wrong not in outcome.output


@pytest.mark.parametrize("server", SERVERS, indirect=True)
def test_unreachable_server_is_a_usage_error(server, fixture_project, run_migtest):
    project = fixture_project("alembic-base")
    project.configure(database={"engine": server.engine, "url": with_url(server.url, port=machine.free_port())})

    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "cannot log in to" in outcome.output
    assert PASSWORD not in outcome.output


LIMITED_USER = {
    "postgres": ["CREATE ROLE limited LOGIN PASSWORD 'limited-pw' NOCREATEDB"],
    "mariadb": [
        "CREATE USER IF NOT EXISTS 'limited'@'127.0.0.1' IDENTIFIED BY 'limited-pw'",
        "GRANT SELECT ON *.* TO 'limited'@'127.0.0.1'",
    ],
}


@pytest.mark.parametrize("server", SERVERS, indirect=True)
def test_login_without_the_privilege_to_create_databases(server, fixture_project, run_migtest):
    engine = admin(server.url)
    with engine.connect() as connection:
        for statement in LIMITED_USER[server.engine]:
            connection.exec_driver_sql(statement)
    project = fixture_project("alembic-base")
    url = with_url(server.url, username="limited", password="limited-pw")
    project.configure(database={"engine": server.engine, "url": url})
    try:
        outcome = run_migtest(project.config)
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql(
                "DROP ROLE limited" if server.engine == "postgres" else "DROP USER 'limited'@'127.0.0.1'"
            )
        engine.dispose()

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "as limited may not create databases" in outcome.output


@pytest.mark.parametrize("server", SERVERS, indirect=True)
def test_password_is_masked_in_output_and_every_report(server, fixture_project, run_migtest, monkeypatch):
    """The password reaches migtest through the environment (`${VAR}` in the URL) and a failing
    migration prints the full URL: neither output nor reports may show it."""
    monkeypatch.setenv("MIGTEST_TEST_URL", server.url)
    project = fixture_project("alembic-base")
    project.revision("0003", "0002", FAILING_REVISION)
    project.add_version("2.0", "0003")
    project.configure(database={"engine": server.engine, "url": "${MIGTEST_TEST_URL}"})

    outcome = run_migtest(project.config, "--only", "upgrade-1.1-to-2.0")

    assert outcome.exit_code == 1, outcome.output
    assert PASSWORD not in outcome.output
    for report in outcome.report_dir.iterdir():
        text = report.read_text()
        assert PASSWORD not in text, report.name
    junit = (outcome.report_dir / "junit.xml").read_text()
    assert "connecting to" in junit and "cannot migrate" in junit and ":***@" in junit


def test_missing_environment_variable_names_it(fixture_project, run_migtest, monkeypatch):
    monkeypatch.delenv("MIGTEST_NO_SUCH_URL", raising=False)
    project = fixture_project("alembic-base")
    project.configure(database={"engine": "postgres", "url": "${MIGTEST_NO_SUCH_URL}"})

    outcome = run_migtest(project.config, command="plan")

    assert outcome.exit_code == EXIT_USAGE
    assert "key 'database.url': environment variable MIGTEST_NO_SUCH_URL is not set" in outcome.output


# -- image mode ------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", SERVERS)
def test_server_container_runs_the_matrix_and_is_removed(engine, server_image, fixture_project, run_migtest, leftovers):
    project = fixture_project("alembic-base")
    project.configure(database={"engine": engine, "image": server_image(engine)})

    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.results["totals"] == {"passed": 4, "failed": 0, "skipped": 0}
    (server,) = outcome.results["startup"]  # the container's start and wait, on the report's timeline
    assert server["name"] == f"database server {server_image(engine)}" and server["seconds"] > 0.1
    assert leftovers() == {}


def test_missing_image_is_named(fixture_project, run_migtest, leftovers):
    project = fixture_project("alembic-base")
    project.configure(database={"engine": "postgres", "image": "migtest-test/no-such-image:1"})

    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "key 'database.image': image 'migtest-test/no-such-image:1' is not on this Docker engine" in outcome.output
    assert leftovers() == {}


def test_server_container_that_exits_fails_fast_with_its_log(fixture_project, run_migtest, leftovers):
    image = machine.ensure_image("migtest-test/crashing-server:1", machine.IMAGES / "crashing-server")
    project = fixture_project("alembic-base")
    project.configure(database={"engine": "postgres", "image": image, "ready_timeout": 600})

    started = time.monotonic()
    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "the container exited with code 3 before it was ready" in outcome.output
    assert "FATAL: data directory is corrupt" in outcome.output
    assert time.monotonic() - started < 300, "waited for the readiness timeout, not the exit"
    assert leftovers() == {}


def test_unreachable_docker_engine_is_a_usage_error(fixture_project, run_migtest, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    project = fixture_project("alembic-base")
    project.configure(database={"engine": "postgres", "image": "migtest-test/postgres:15"})

    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert f"the Docker engine at unix://{tmp_path}/no-docker.sock is not reachable" in outcome.output


@pytest.mark.parametrize(
    "signums", [(signal.SIGTERM,), (signal.SIGINT, signal.SIGINT, signal.SIGINT, signal.SIGTERM)], ids=["once", "burst"]
)
def test_signals_mid_run_remove_the_server_container(server_image, project, client, tmp_path, signums):
    scratch = scratch_folder(tmp_path)
    config = project("alembic-shop") / "migtest.yml"
    config.write_text(config.read_text() + f"\ndatabase:\n  engine: postgres\n  image: {server_image('postgres')}\n")
    run, _ = start_held_shop(config.parent, tmp_path / "hold", "run", "-c", config, env={"TMPDIR": str(scratch)})
    assert run_objects(client, run.run_id), run.output
    run.send(*signums)
    code, output = run.finish()
    assert code == 130, output
    assert "Traceback" not in output
    assert run_objects(client, run.run_id) == []
    assert list(scratch.iterdir()) == []


def test_cleanup_after_kill_9_removes_the_server_container_and_folder(server_image, project, client, tmp_path):
    scratch = scratch_folder(tmp_path)
    config = project("alembic-shop") / "migtest.yml"
    config.write_text(config.read_text() + f"\ndatabase:\n  engine: postgres\n  image: {server_image('postgres')}\n")
    run, hold = start_held_shop(config.parent, tmp_path / "hold", "run", "-c", config, env={"TMPDIR": str(scratch)})
    run.process.kill()
    hold.kill_holder()
    run.finish()
    assert run_objects(client, run.run_id) and list(scratch.iterdir()), run.output

    output = cleanup(scratch, "--run", run.run_id, "-c", str(config))

    assert f"removed container migtest-{run.run_id}-database" in output
    assert run_objects(client, run.run_id) == []
    assert list(scratch.iterdir()) == [], output
