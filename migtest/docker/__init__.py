"""The Docker engine as migtest uses it: one network per run, labelled containers, sure cleanup.

Every container, network and volume a run creates carries the label `migtest.run=<run id>`, so
`remove_run` (and `migtest cleanup` for a run that was killed) finds all of it.

When migtest itself runs in a container (a GitHub Docker action, `docker run` with the socket
mounted), the containers it starts are siblings: it joins its own container to the run's network
and reaches them by name. Otherwise it publishes their ports on 127.0.0.1. An engine elsewhere
(DOCKER_HOST=tcp://docker:2375, GitLab's docker:dind service) runs its containers on its own
host: their ports are published there on every interface and reached at DOCKER_HOST's host name.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from migtest.errors import ConfigError, StepFailed
from migtest.results.evidence import shorten
from migtest.run.folders import new_run_id

RUN_LABEL = "migtest.run"
LOG_TAIL = 40
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Address:
    host: str
    port: int


def connect():
    """A client of the engine DOCKER_HOST names (default: the local socket), or exit 2 saying so."""
    import docker  # the SDK is only needed by runs that use containers

    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        raise ConfigError(
            f"the Docker engine at {where} is not reachable ({exc}); start it or set DOCKER_HOST"
        ) from exc
    return client


class DockerEngine:
    """One run's use of the engine. With `keep`, what the run made stays for inspection; without
    `init` (`app.init: false`) its containers start without Docker's init, for engines that have
    none (some Podman setups), their images' entrypoints as PID 1."""

    def __init__(
        self,
        run_id: str | None = None,
        *,
        keep: bool = False,
        interrupted: threading.Event | None = None,
        init: bool = True,
    ) -> None:
        self.run_id = run_id or new_run_id()
        self.labels = {RUN_LABEL: self.run_id}
        self.keep = keep
        self.init = init
        self.client = connect()
        self._network = None
        self._joined = False
        self._network_lock = threading.Lock()
        self.interrupted = interrupted or threading.Event()  # set when the run is torn down: waits end at once
        self.remote_host = remote_host()
        self.own_container = None if self.remote_host else _own_container(self.client)

    @property
    def network(self):
        """The run's network, made on first use; migtest's own container joins it."""
        with self._network_lock:  # scenarios in parallel threads ask at once
            if self._network is None:
                self._network = self.client.networks.create(f"migtest-{self.run_id}", labels=self.labels)
            if self.own_container is not None and not self._joined:  # until joined, no caller may use it
                self._network.connect(self.own_container)
                self._joined = True
        return self._network

    def require_image(self, name: str, key: str) -> None:
        import docker

        try:
            self.client.images.get(name)
        except docker.errors.ImageNotFound:
            try:
                self.client.images.pull(name)
            except docker.errors.DockerException as exc:
                raise ConfigError(
                    f"image '{name}' is not on this Docker engine and could not be pulled ({exc})", key=key
                ) from exc

    def start(self, image: str, role: str, *, environment: dict[str, str], port: int):
        """Start a container on the run's network; its port is published when needed."""
        container = self.create(image, role, environment=environment, port=port)
        self.run_container(container, image)
        return container

    def create(
        self,
        image: str,
        role: str,
        *,
        environment: dict[str, str],
        port: int | None = None,
        command: list[str] | None = None,
        volumes: dict[str, str] | None = None,
        network=None,
        aliases: list[str] | None = None,
    ):
        """A container on the run's network (or `network`, reachable there by `aliases`), not
        started yet (files can be put in first). `volumes` maps a volume name to the folder it is
        mounted at. It runs under Docker's init (tini) as PID 1 unless the run says not, which
        passes SIGTERM on: a shell-form CMD or an app installing no handler would ignore it as
        PID 1, and every stop would wait out the whole grace before SIGKILL."""
        import docker

        name = f"migtest-{self.run_id}-{role}"
        ports = None
        if self.own_container is None and port is not None:
            ports = {f"{port}/tcp": ("0.0.0.0" if self.remote_host else "127.0.0.1", None)}
        network_name = (network or self.network).name
        endpoints = {network_name: self.client.api.create_endpoint_config(aliases=aliases)} if aliases else None
        try:
            return self.client.containers.create(
                image,
                command=command,
                init=self.init,
                name=name,
                environment=environment,
                labels=self.labels,
                network=network_name,
                networking_config=endpoints,
                ports=ports,
                volumes={volume: {"bind": path, "mode": "rw"} for volume, path in (volumes or {}).items()},
            )
        except docker.errors.APIError as exc:
            raise StepFailed(f"cannot create a container of {image}: {exc.explanation or exc}") from exc

    @staticmethod
    def run_container(container, image: str) -> None:
        import docker

        try:
            container.start()
        except docker.errors.APIError as exc:
            raise StepFailed(f"cannot start a container of {image}: {exc.explanation or exc}") from exc

    def private_network(self, role: str):
        """A network of the run for a few containers only (an app and its companions, whose names
        must not meet another scenario's); migtest's own container joins it, to reach them."""
        network = self.client.networks.create(f"migtest-{self.run_id}-{role}", labels=self.labels)
        if self.own_container is not None:
            network.connect(self.own_container)
        return network

    def remove_network(self, network) -> None:
        """Remove a private network once its containers are gone (kept with `keep`)."""
        import docker

        if self.keep:
            return
        if self.own_container is not None:
            with contextlib.suppress(docker.errors.APIError):
                network.disconnect(self.own_container, force=True)
        with contextlib.suppress(docker.errors.APIError):  # still in use: remove_run takes it at the end
            network.remove()

    def volume(self, role: str) -> str:
        """A new named volume of the run (removed with it)."""
        return self.client.volumes.create(name=f"migtest-{self.run_id}-{role}", labels=self.labels).name

    def build(self, context: Path, dockerfile: str, args: dict[str, str], tag: str, key: str) -> str:
        """Build an image; a failing build is the user's to fix: exit 2 with the end of its log."""
        import docker

        if not (context / dockerfile).is_file():
            raise ConfigError(f"no {dockerfile} in {context}", key=key)
        try:
            self.client.images.build(
                path=str(context), dockerfile=dockerfile, buildargs=args, tag=tag, labels=self.labels, rm=True
            )
        except docker.errors.BuildError as exc:
            log = "".join(str(entry.get("stream") or entry.get("error") or "") for entry in exc.build_log)
            raise ConfigError(f"building {tag} failed: {exc.msg}\n{shorten(log)}", key=key) from exc
        except docker.errors.APIError as exc:
            raise ConfigError(f"building {tag} failed: {exc.explanation or exc}", key=key) from exc
        return tag

    def address(self, container, port: int, what: str) -> Address:
        """Where migtest reaches the container's port. A container that exited right after it
        started has none: that exit (`what` names the container) is the error then."""
        if self.own_container is not None:
            return Address(container.name, port)
        container.reload()
        bindings = (container.attrs["NetworkSettings"]["Ports"] or {}).get(f"{port}/tcp")
        if not bindings:
            self._fail_if_exited(container, what)
            raise StepFailed(f"{container.name} has no published port {port}: it is not running")
        return Address(self.remote_host or "127.0.0.1", int(bindings[0]["HostPort"]))

    def wait_until_ready(
        self, container, ready: Callable[[], bool], *, timeout: float, what: str, condition: str = ""
    ) -> float:
        """Poll `ready` until it holds; fail at once when the container exits. Returns the seconds
        taken. `condition` says what is waited for, in the error when it never holds."""
        started = time.monotonic()
        while True:
            if self.interrupted.is_set():
                raise StepFailed(f"{what}: interrupted")
            self._fail_if_exited(container, what)
            try:
                if ready():
                    return time.monotonic() - started
            except StepFailed:  # it may have exited since: that is the error to report
                self._fail_if_exited(container, what)
                raise
            if time.monotonic() - started > timeout:
                waited = f" (waited for {condition})" if condition else ""
                raise StepFailed(f"{what}: not ready after {timeout:.0f}s{waited}", self.logs(container))
            time.sleep(POLL_SECONDS)

    def _fail_if_exited(self, container, what: str) -> None:
        container.reload()
        if container.status in ("exited", "dead"):
            code = container.attrs["State"]["ExitCode"]
            raise StepFailed(f"{what}: the container exited with code {code} before it was ready", self.logs(container))

    @staticmethod
    def logs(container) -> str:
        return shorten(container.logs(tail=LOG_TAIL).decode(errors="replace"))

    def remove_run(self) -> None:
        if not self.keep:
            remove_labelled(self.client, {RUN_LABEL: self.run_id}, self.own_container)


def remove_labelled(
    client, labels: dict[str, str | None], own_container=None, spare_runs: Collection[str] = ()
) -> list[str]:
    """Remove every container, network, volume and built image carrying these labels, except those
    of the runs in `spare_runs` (still alive); returns what went."""
    import docker

    selector = {"label": [f"{key}={value}" if value else key for key, value in labels.items()]}

    def doomed(found: list, labels_of) -> list:
        return [item for item in found if (labels_of(item) or {}).get(RUN_LABEL) not in spare_runs]

    removed = []
    for container in doomed(client.containers.list(all=True, filters=selector), lambda c: c.labels):
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True, v=True)
            removed.append(f"container {container.name}")
    for network in doomed(client.networks.list(filters=selector), lambda n: n.attrs.get("Labels")):
        if own_container is not None:
            with contextlib.suppress(docker.errors.APIError):
                network.disconnect(own_container, force=True)
        with contextlib.suppress(docker.errors.NotFound):
            network.remove()
            removed.append(f"network {network.name}")
    for volume in doomed(client.volumes.list(filters=selector), lambda v: v.attrs.get("Labels")):
        with contextlib.suppress(docker.errors.NotFound):
            volume.remove(force=True)
            removed.append(f"volume {volume.name}")
    for image in doomed(client.images.list(filters=selector), lambda i: i.labels):
        with contextlib.suppress(docker.errors.APIError):
            client.images.remove(image.id, force=True)
            removed.append(f"image {', '.join(image.tags) or image.short_id}")
    return removed


def remote_host() -> str | None:
    """The host of an engine reached over TCP (DOCKER_HOST=tcp://host:port), where the containers'
    published ports are; None for the local socket."""
    url = urllib.parse.urlsplit(os.environ.get("DOCKER_HOST", ""))
    return url.hostname if url.scheme == "tcp" else None


def _own_container(client):
    """The container migtest runs in, if any: Docker names a container's hostname after its id,
    unless one was given (`--hostname`, compose's `hostname:`); its /etc/hostname, mounted from the
    container's folder on the engine, names the id either way."""
    import docker

    if not Path("/.dockerenv").exists():
        return None
    for name in (_mounted_hostname_id(), socket.gethostname()):
        if name:
            with contextlib.suppress(docker.errors.DockerException):
                container = client.containers.get(name)
                # On the host's network it cannot join the run's network, and needs not: the
                # ports published on 127.0.0.1 are reachable from it.
                if container.attrs["HostConfig"]["NetworkMode"] == "host":
                    return None
                return container
    return None


def _mounted_hostname_id() -> str | None:
    """The id in the source of /etc/hostname: .../containers/<id>/hostname in /proc/self/mountinfo."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            fields = line.split()  # id, parent, device, root (source within the mount), mount point, ...
            if len(fields) > 4 and fields[4] == "/etc/hostname":
                found = re.search(r"/containers/([0-9a-f]{64})/hostname$", fields[3])
                if found:
                    return found.group(1)
    return None
