"""Every wait has an end: `migrations.timeout` cuts a runaway migration, seed or command (on the
server too, for the SQL migtest runs itself), and `database.connect_timeout` a server that
accepts a connection and never answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
from integration_support import engine_of, failed

from migtest.cli import EXIT_USAGE
from migtest.databases.mysql import MysqlServer
from migtest.databases.postgres import PostgresServer
from migtest.errors import StepFailed
from migtest.run.process import run

UPGRADE_1_1 = "upgrade-1.1-to-2.0"
# A statement that never ends on its own, per engine (SQLite: counting an endless recursion).
RUNAWAY = {
    "sqlite": "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n;",
    "postgres": "SELECT pg_sleep(300);",
    "mariadb": "SELECT SLEEP(300);",
}
# How the server lists what it is running: the runaway statement must not be among it afterwards.
RUNNING = {
    "postgres": "SELECT query FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(300)%%' AND state = 'active'",
    "mariadb": "SELECT info FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP(300)%%'",
}


def server_running(database_config: dict[str, str] | None) -> list[str]:
    if database_config is None:
        return []
    server = PostgresServer if database_config["engine"] == "postgres" else MysqlServer
    engine = sqlalchemy.create_engine(server.driver_url(database_config["url"]), poolclass=sqlalchemy.NullPool)
    try:
        with engine.connect() as connection:
            return list(connection.exec_driver_sql(RUNNING[database_config["engine"]]).scalars())
    finally:
        engine.dispose()


@pytest.mark.engines
def test_a_runaway_sql_migration_is_cancelled_on_the_server(fixture_project, run_migtest, database_config):
    project = fixture_project("flyway-base")
    project.write("migrations/V3__runaway.sql", RUNAWAY[engine_of(database_config)])
    project.add_version("2.0", "3")
    project.configure(migrations={**project.settings()["migrations"], "timeout": 3})

    outcome = run_migtest(project.config, "--only", UPGRADE_1_1)

    migration = failed(outcome, UPGRADE_1_1, "migration")["migration"]
    assert migration["summary"] == "migration V3__runaway.sql: still running after 3s (migrations.timeout)"
    assert server_running(database_config) == []


@pytest.mark.engines
def test_a_runaway_seed_file_is_cut_by_the_same_limit(fixture_project, run_migtest, database_config):
    project = fixture_project("flyway-base")
    project.write("seeds/1.1.sql", RUNAWAY[engine_of(database_config)])
    project.configure(migrations={**project.settings()["migrations"], "timeout": 3})

    outcome = run_migtest(project.config, "--only", "upgrade-1.0-to-1.1", "--only", "fresh-1.1")

    seed = failed(outcome, "fresh-1.1", "seed")["seed"]
    assert seed["summary"] == "seeding 1.1 failed: seed 1.1.sql: still running after 3s (migrations.timeout)"
    assert server_running(database_config) == []


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel completes them from the backlog) and never
    says a word, as a hung server or a wrong port behind a proxy does."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


@pytest.mark.parametrize("engine,scheme", [("postgres", "postgresql"), ("mysql", "mysql")])
def test_a_server_that_never_answers_is_given_up_on(fixture_project, run_migtest, silent_server, engine, scheme):
    project = fixture_project("flyway-base")
    project.configure(
        database={"engine": engine, "url": f"{scheme}://u:p@127.0.0.1:{silent_server}/db", "connect_timeout": 2}
    )

    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "key 'database.url': cannot log in to" in outcome.output
    assert "waited at most 2s for its answer (database.connect_timeout)" in outcome.output


@pytest.mark.parametrize(
    "script",
    ["sleep 300 & echo $!; sleep 300", "trap '' TERM; sleep 300 & echo $!; sleep 300"],
    ids=["stops-on-sigterm", "ignores-sigterm"],
)
def test_a_timed_out_command_ends_with_everything_it_started(tmp_path, script):
    # The command prints the pid of what it started in the background, then waits in the foreground;
    # a group that ignores SIGTERM (the trap is inherited) is killed after the grace.
    with pytest.raises(StepFailed) as failure:
        run(["sh", "-c", script], cwd=tmp_path, what="upgrade command", timeout=5)

    assert str(failure.value) == "upgrade command: still running after 5s (migrations.timeout)"
    background = int(failure.value.output.split()[0])
    assert not alive(background), "the command's background sleep outlived its timeout"


def alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting for its (new) parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_command_migration_that_runs_too_long_names_the_scenario_and_the_limit(fixture_project, run_migtest):
    project = fixture_project("command-steps")
    settings = project.settings()["migrations"]
    # Fresh installs run the project's own command; upgrading a database hangs.
    upgrade = {"install": settings["upgrade"], "upgrade": "sleep 300", "timeout": 10}
    project.configure(migrations={**settings, **upgrade})

    outcome = run_migtest(project.config, "--only", "upgrade-1.0-to-1.1")

    migration = failed(outcome, "upgrade-1.0-to-1.1", "migration")["migration"]
    assert migration["summary"] == "upgrade command: still running after 10s (migrations.timeout)"
    assert "upgrade 1.0 -> 1.1" in outcome.output


def test_an_alembic_migration_that_runs_too_long_is_stopped(fixture_project, run_migtest):
    # The limit also covers installing 1.1, the run's first Alembic command, which starts the
    # worker: about 1 s, 1.3 s on a loaded machine; 10 s leave it room on a busier one.
    project = fixture_project("alembic-base")
    project.revision("0003", "0002", "import time\ntime.sleep(300)")
    project.add_version("2.0", "0003")
    project.configure(migrations={**project.settings()["migrations"], "timeout": 10})

    outcome = run_migtest(project.config, "--only", "upgrade-1.1-to-2.0")

    migration = failed(outcome, "upgrade-1.1-to-2.0", "migration")["migration"]
    assert migration["summary"] == "alembic upgrade 0003: still running after 10s (migrations.timeout)"


@pytest.mark.parametrize(
    ("section", "check", "summary"),
    [
        ({"seed": {"command": "sleep 300"}}, "seed", "seeding 1.0 failed: seed command: still running after 3s"),
        (
            {"verify": {"command": "sleep 300", "target": True, "previous_release": "off"}},
            "verify-command",
            "1.1 on the migrated database: verify.command: still running after 3s",
        ),
    ],
    ids=["seed.command", "verify.command"],
)
def test_seed_and_verify_commands_take_the_same_limit(fixture_project, run_migtest, section, check, summary):
    project = fixture_project("flyway-base")
    project.configure(migrations={**project.settings()["migrations"], "timeout": 3}, **section)

    outcome = run_migtest(project.config, "--only", "upgrade-1.0-to-1.1")

    assert failed(outcome, "upgrade-1.0-to-1.1", check)[check]["summary"] == f"{summary} (migrations.timeout)"
