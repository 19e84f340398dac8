"""A version's image run against a scenario's database: as the app (on-start, API seeding and
verification) or for one command (the user's migration commands inside the image).

SQLite lives on a named volume mounted at the folder of `app.database_path`. The run's copy of
the file is put into the volume before the container starts and read back after it stopped,
through the Docker API: no bind mounts, which a sibling container could not see.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import posixpath
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import sqlalchemy

from migtest.config import AppConfig
from migtest.config.urls import url_forms
from migtest.databases import Database
from migtest.databases.sqlite import SQLITE_SUFFIXES
from migtest.docker import DockerEngine
from migtest.docker.readiness import Readiness
from migtest.docker.services import services_running
from migtest.docker.stats import StatsSampler
from migtest.errors import StepFailed
from migtest.results.evidence import shorten
from migtest.run.process import LIMIT_KEY, fill
from migtest.sources import Workspace

WAIT_SLICE = 1


@dataclass
class RunningApp:
    base_url: str
    ready_seconds: float
    container: Any
    figures: dict[str, float] = field(default_factory=dict)  # complete once the app has stopped
    health: str | None = None  # app.health at the address migtest reaches the app at

    def log(self) -> str:
        return shorten(self.container.logs().decode(errors="replace"))


class ImageRunner:
    def __init__(self, app: AppConfig, docker: DockerEngine) -> None:
        self.app = app
        self.docker = docker
        self._numbers = itertools.count(1)
        for index, service in enumerate(app.services):  # a missing image stops the run before it starts
            docker.require_image(service.image, key=f"app.services[{index}].image")

    def database_url(self, database: Database) -> str:
        """The database as the container reaches it."""
        if _sqlite_file(database) is not None:
            return f"sqlite:///{self.app.database_path}"
        address = getattr(database.server, "network_address", None)
        if address is None:  # a server reached by URL: the containers reach it the same way
            return database.url
        url = sqlalchemy.engine.make_url(database.url).set(host=address[0], port=address[1])
        return url.render_as_string(hide_password=False)

    def copies(self, database: Database) -> bool:
        """Each container works on a copy of the database (SQLite on its own volume), not on it."""
        return _sqlite_file(database) is not None

    def _values(self, workspace: Workspace, database: Database) -> dict[str, str]:
        return {**url_forms(self.database_url(database)), "version": workspace.version.name}

    def environment(self, workspace: Workspace, database: Database) -> dict[str, str]:
        values = self._values(workspace, database)
        return {name: fill(value, values) for name, value in self.app.env}

    @contextlib.contextmanager
    def app_running(self, workspace: Workspace, database: Database, what: str) -> Iterator[RunningApp]:
        """The version's app, started on the database beside its ready services and ready itself;
        stopped (and the database read back), then its services, when the block ends."""
        role = f"{database.name}-app-{next(self._numbers)}"
        values = self._values(workspace, database)
        with (
            services_running(self.docker, self.app.services, role, values) as network,
            self._attached(workspace, database, role, port=self.app.port, network=network) as container,
        ):
            address = self.docker.address(container, self.app.port, what)
            base_url = f"http://{address.host}:{address.port}"
            where = {"host": address.host, "port": str(address.port)}
            health = fill(self.app.health, where) if self.app.health else None
            readiness = Readiness(self.app.ready_log, health, self.app.health_status)
            sampler = StatsSampler(container).start()
            seconds = self.docker.wait_until_ready(
                container,
                lambda: readiness.holds(container),
                timeout=self.app.ready_timeout,
                what=what,
                condition=readiness.describe(),
            )
            app = RunningApp(base_url, seconds, container, health=health)
            try:
                yield app
            finally:  # sampled while it still runs: _attached stops it
                app.figures = {"ready_seconds": round(seconds, 2), **sampler.figures()}

    def command(self, workspace: Workspace, database: Database, argv: list[str], what: str, *, timeout: float) -> str:
        """Run one command in a throw-away container of the version's image; its output, or StepFailed
        (also when it runs longer than `timeout` seconds: the container is then stopped and removed)."""
        role = f"{database.name}-command-{next(self._numbers)}"
        with self._attached(workspace, database, role, command=argv) as container:
            code = self._exit_code(container, what, timeout)
            output = container.logs().decode(errors="replace")
        if code != 0:
            raise StepFailed(f"{what}: exited with code {code}", shorten(output))
        return output

    def _exit_code(self, container: Any, what: str, timeout: float) -> int:
        """Wait for the command in slices, so that an interrupted run stops it at once."""
        deadline = time.monotonic() + timeout
        while not self.docker.interrupted.is_set():
            try:
                return container.wait(timeout=WAIT_SLICE)["StatusCode"]
            except requests.exceptions.RequestException as exc:
                if time.monotonic() > deadline:
                    log = self.docker.logs(container)
                    raise StepFailed(f"{what}: still running after {timeout:g}s ({LIMIT_KEY})", log) from exc
        raise StepFailed(f"{what}: interrupted")

    @contextlib.contextmanager
    def _attached(
        self,
        workspace: Workspace,
        database: Database,
        name: str,
        *,
        port: int | None = None,
        command=None,
        network=None,
    ) -> Iterator[Any]:
        """A container of the version's image on the database (and on `network` too, its services')."""
        assert workspace.image is not None
        local = _sqlite_file(database)
        folder = posixpath.dirname(self.app.database_path)
        volumes = {self.docker.volume(name): folder} if local is not None else {}
        container = self.docker.create(
            workspace.image,
            name,
            environment=self.environment(workspace, database),
            port=port,
            command=command,
            volumes=volumes,
        )
        try:
            if network is not None:
                network.connect(container)
            if local is not None:
                self._put(container, local)
            self.docker.run_container(container, workspace.image)
            yield container
        finally:
            with contextlib.suppress(Exception):
                container.stop(timeout=self.app.stop_timeout)
            try:
                if local is not None:
                    self._get(container, local)
            finally:
                if not self.docker.keep:
                    container.remove(force=True, v=True)
                    for volume in volumes:
                        self.docker.client.volumes.get(volume).remove(force=True)

    def _put(self, container: Any, local: Path) -> None:
        if not local.exists():
            return
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w") as tar:
            info = tar.gettarinfo(str(local), arcname=posixpath.basename(self.app.database_path))
            info.mode = 0o666
            with local.open("rb") as handle:
                tar.addfile(info, handle)
        container.put_archive(posixpath.dirname(self.app.database_path), archive.getvalue())

    def _get(self, container: Any, local: Path) -> None:
        """Read the database file (and its journal, if the app left one) back into the run's copy."""
        stream, _ = container.get_archive(posixpath.dirname(self.app.database_path))
        base = posixpath.basename(self.app.database_path)
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            members = {posixpath.basename(member.name): member for member in tar.getmembers() if member.isfile()}
            for suffix in SQLITE_SUFFIXES:
                target = Path(f"{local}{suffix}")
                member = members.get(base + suffix)
                if member is None:
                    target.unlink(missing_ok=True)
                    continue
                extracted = tar.extractfile(member)
                assert extracted is not None
                target.write_bytes(extracted.read())


def _sqlite_file(database: Database) -> Path | None:
    url = sqlalchemy.engine.make_url(database.url)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
