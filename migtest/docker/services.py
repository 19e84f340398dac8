"""The app's companions (`app.services`): started for each start of the app, on a network of its
own that the app joins, each reachable there by its name and ready before the next one (and the
app) starts; stopped and removed after the app. They carry the run's label like every container
of the run, so an interrupted or killed run's cleanup finds them too."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from migtest.config import ServiceConfig
from migtest.docker import DockerEngine
from migtest.docker.readiness import Readiness
from migtest.run.process import fill, split_command


@contextlib.contextmanager
def services_running(
    docker: DockerEngine, services: tuple[ServiceConfig, ...], role: str, values: dict[str, str]
) -> Iterator[Any]:
    """The network the services are on, every one of them ready (None without services).
    `values` fills the placeholders of their env and commands ({database_url}, {version})."""
    if not services:
        yield None
        return
    network = docker.private_network(f"{role}-net")
    started: list[Any] = []
    try:
        for service in services:
            container = docker.create(
                service.image,
                f"{role}-{service.name}",
                environment={name: fill(value, values) for name, value in service.env},
                port=service.port,
                command=split_command(service.command, values) if service.command else None,
                network=network,
                aliases=[service.name],
            )
            started.append(container)
            _start(docker, service, container)
        yield network
    finally:
        if not docker.keep:
            for container in reversed(started):
                with contextlib.suppress(Exception):  # already gone: nothing to remove
                    container.remove(force=True, v=True)
            docker.remove_network(network)


def _start(docker: DockerEngine, service: ServiceConfig, container: Any) -> None:
    """Start it and wait until it is ready."""
    what = f"service '{service.name}' ({service.image})"
    docker.run_container(container, service.image)
    address = docker.address(container, service.port, what) if service.port else None
    where = {"host": address.host, "port": str(address.port)} if address else {}
    readiness = Readiness(
        log=service.ready_log,
        health=fill(service.health, where) if service.health else None,
        status=service.health_status,
        tcp=address,
    )
    docker.wait_until_ready(
        container,
        lambda: readiness.holds(container),
        timeout=service.ready_timeout,
        what=what,
        condition=readiness.describe(),
    )
