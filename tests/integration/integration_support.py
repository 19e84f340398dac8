"""Fixture projects and assertions shared by the integration tests.

The projects in tests/fixtures are correct; a negative test copies one, adds the one faulty
migration (and release) it is about, runs it and asserts, with `failed`, exactly which checks
caught it, so the fault and the evidence expected of migtest sit side by side.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy
import yaml

from migtest.cli import EXIT_FAILED
from migtest.databases import Database, DatabaseServer
from migtest.docker import RUN_LABEL

FIXTURES = Path(__file__).parent.parent / "fixtures"
REVISION = '''"""{message}"""

import sqlalchemy as sa
from alembic import op

revision = {revision!r}
down_revision = {down_revision!r}


def upgrade():
{upgrade}


def downgrade():
{downgrade}
'''


@dataclass
class FixtureProject:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "migtest.yml"

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    def settings(self) -> dict[str, Any]:
        return yaml.safe_load(self.config.read_text())

    def configure(self, **sections: Any) -> None:
        """Replace top-level sections of migtest.yml (`None` removes one)."""
        data = {**self.settings(), **sections}
        self.config.write_text(yaml.safe_dump({k: v for k, v in data.items() if v is not None}, sort_keys=False))

    def add_version(self, name: str, revision: str, seed: str = "") -> None:
        """Release one more version (oldest first), with the seed file migtest requires for it."""
        self.configure(versions=[*self.settings()["versions"], {"name": name, "revision": revision}])
        self.write(f"seeds/{name}.sql", seed)

    def revision(self, revision: str, down_revision: str | None, upgrade: str, downgrade: str = "pass") -> Path:
        """An Alembic revision file whose upgrade()/downgrade() bodies are the given code."""
        body = {"upgrade": upgrade, "downgrade": downgrade}
        text = REVISION.format(
            message=f"revision {revision}",
            revision=revision,
            down_revision=down_revision,
            **{k: textwrap.indent(textwrap.dedent(v).strip(), "    ") for k, v in body.items()},
        )
        return self.write(f"migrations/versions/{revision}.py", text)


def copy_fixture(name: str, target: Path) -> FixtureProject:
    shutil.copytree(FIXTURES / name, target, ignore=shutil.ignore_patterns("__pycache__"))
    return FixtureProject(target)


def failed(outcome: Any, scenario: str, *checks: str) -> dict[str, dict[str, Any]]:
    """Assert the run exited 1 because exactly these checks of the scenario failed (so another
    check failing by accident is noticed); return the scenario's checks by name."""
    assert outcome.exit_code == EXIT_FAILED, outcome.output
    assert outcome.failed_checks(scenario) == set(checks), outcome.output
    return {check["name"]: check for check in outcome.scenario(scenario)["checks"]}


def driver_error(evidence: str) -> str:
    """The traceback line naming the database's error: SQLAlchemy's class is the same on every
    engine, the driver's message after it is not."""
    return next(line for line in evidence.splitlines() if line.startswith("sqlalchemy.exc."))


def engine_of(database_config: dict[str, str] | None) -> str:
    """The engine a test marked `engines` runs on (no database config: the project's SQLite)."""
    return database_config["engine"] if database_config else "sqlite"


def statuses(outcome: Any, scenario: str) -> dict[str, str]:
    """The checks' statuses by name, but `locks`: measured on the servers only, it has tests of its
    own (test_lock_checks.py), and leaving it out keeps each test's expectations alike on every engine."""
    return {
        check["name"]: check["status"] for check in outcome.scenario(scenario)["checks"] if check["name"] != "locks"
    }


def run_by_this_python(project: FixtureProject, options: str = "") -> None:
    """Point the commands of tests/fixtures/django-like (`python app.py ...`) at this interpreter
    (it has SQLAlchemy and the drivers), each given `options`."""
    settings = project.settings()["migrations"]
    commands = {
        key: f"{value.replace('python ', f'{sys.executable} ', 1)} {options}".rstrip()
        for key, value in settings.items()
        if key != "tool"
    }
    project.configure(migrations={"tool": settings["tool"], **commands})


def scratch_folder(tmp_path: Path) -> Path:
    """The run's TMPDIR: what it leaves there is what it left."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    return scratch


@contextmanager
def made_database(server: DatabaseServer, name: str) -> Iterator[Database]:
    """A new database of `server` for the block; then it is dropped and the server closed."""
    database = server.create(name)
    try:
        yield database
    finally:
        server.drop(database)
        server.close()


def run_databases(url: str, run_id: str) -> list[str]:
    """The databases of this run (`migtest_<run id>_…`) still on the server."""
    postgres = url.startswith("postgresql://")
    engine = sqlalchemy.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://").replace("mysql://", "mysql+pymysql://")
    )
    try:
        with engine.connect() as connection:
            listing = "SELECT datname FROM pg_database" if postgres else "SHOW DATABASES"
            names = connection.exec_driver_sql(listing).scalars().all()
    finally:
        engine.dispose()
    return [name for name in names if name.startswith(f"migtest_{run_id}_")]


def cleanup(scratch: Path, *args: str, docker_host: str | None = None) -> str:
    """`migtest cleanup ARGS` with this TMPDIR (and DOCKER_HOST), run beside it; what it printed."""
    env = {"TMPDIR": str(scratch), **({"DOCKER_HOST": docker_host} if docker_host else {})}
    done = subprocess.run(
        [sys.executable, "-m", "migtest", "cleanup", *args],
        capture_output=True,
        text=True,
        cwd=scratch.parent,  # no migtest.yml there
        env={**os.environ, **env},
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def run_objects(client, run_id: str) -> list[str]:
    """The containers, networks and volumes of this run still on the Docker engine."""
    selector = {"label": f"{RUN_LABEL}={run_id}"}
    found = [*client.containers.list(all=True, filters=selector), *client.networks.list(filters=selector)]
    return [thing.name for thing in [*found, *client.volumes.list(filters=selector)]]
