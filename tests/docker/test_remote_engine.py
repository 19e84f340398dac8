"""An engine reached over TCP, the way GitLab CI runs migtest: the job's container talks to a
docker:dind service at DOCKER_HOST=tcp://docker:2375, and the containers migtest starts run on
that service's host, not beside migtest's own container. Their ports are published there and
reached at the host name DOCKER_HOST gives.

Emulated here without a registry: a TCP proxy on the bridge network's gateway forwards to this
engine's socket, and the migtest container resolves `docker` to that gateway, so every request
and every published port go over TCP as from a GitLab job.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from collections.abc import Iterator

from test_in_container import assert_passed, run_to_the_end, write_config

ENGINE_SOCKET = "/var/run/docker.sock"


def _pipe(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def _serve(listener: socket.socket) -> None:
    with contextlib.suppress(OSError):  # ends when the listener is closed
        while True:
            client, _ = listener.accept()
            engine = socket.socket(socket.AF_UNIX)
            engine.connect(ENGINE_SOCKET)
            for source, target in ((client, engine), (engine, client)):
                threading.Thread(target=_pipe, args=(source, target), daemon=True).start()


@contextlib.contextmanager
def engine_over_tcp(address: str) -> Iterator[int]:
    """This engine's API on address:<port>, like a dind service's; yields the port."""
    listener = socket.create_server((address, 0))
    threading.Thread(target=_serve, args=(listener,), daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def bridge_gateway(client) -> str:
    """The host's address on the default bridge; an engine that leaves it out of the network's
    IPAM settings (seen on a fresh daemon) uses the subnet's first address."""
    config = client.networks.get("bridge").attrs["IPAM"]["Config"][0]
    return config.get("Gateway") or str(next(ipaddress.ip_network(config["Subnet"]).hosts()))


def test_engine_over_tcp_publishes_ports_on_its_host(tmp_path, client, migtest_image, app_image):
    marker = write_config(tmp_path, ["1", "2"], app_image)
    gateway = bridge_gateway(client)

    with engine_over_tcp(gateway) as port:
        run = run_to_the_end(
            client,
            migtest_image,
            tmp_path,
            marker,
            "run",
            "--only",
            "upgrade-*",
            environment={"DOCKER_HOST": f"tcp://docker:{port}"},
            extra_hosts={"docker": gateway},
        )

    assert_passed(run, "upgrade-1-to-2", "all 3 expected object(s) found among 3 item(s)")
    assert run["joined"] is None  # its own container is not the engine's to join
    apps = [sibling for sibling in run["siblings"] if "-app-" in sibling["Name"]]
    for app in apps:
        assert app["HostConfig"]["PortBindings"] == {"8000/tcp": [{"HostIp": "0.0.0.0", "HostPort": ""}]}
