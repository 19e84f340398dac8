"""What tells that a container is ready: a line of its log, an HTTP health URL, a TCP port.

Each is polled by DockerEngine.wait_until_ready; all that are given must hold. A TCP port is
probed through the address migtest reaches the container at: a published port is answered by
Docker's proxy even while nothing listens inside, and the proxy then closes the connection at
once, so a connection that stays open (or that the service greets) is what counts as ready.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from typing import Any

import requests

from migtest.docker import Address

HEALTH_TIMEOUT = 2
CONNECT_TIMEOUT = 2
CLOSED_WITHIN = 0.3  # seconds a proxied connection to a port nobody listens on takes to be closed


@dataclass(frozen=True)
class Readiness:
    log: str | None = None
    health: str | None = None
    status: int = 200
    tcp: Address | None = None

    def holds(self, container: Any) -> bool:
        if self.log and not re.search(self.log, container.logs().decode(errors="replace"), re.M):
            return False
        if self.tcp is not None and not _accepts(self.tcp):
            return False
        return self.health is None or _answers(self.health, self.status)

    def describe(self) -> str:
        """What is waited for, for the error when it never comes."""
        parts = [f"a log line matching {self.log!r}"] if self.log else []
        parts += [f"{self.tcp.host}:{self.tcp.port} to accept connections"] if self.tcp else []
        parts += [f"GET {self.health} to answer {self.status}"] if self.health else []
        return " and ".join(parts) or "the container to run"


def _answers(url: str, status: int) -> bool:
    try:
        return requests.get(url, timeout=HEALTH_TIMEOUT).status_code == status
    except requests.exceptions.RequestException:
        return False


def _accepts(address: Address) -> bool:
    try:
        with socket.create_connection((address.host, address.port), timeout=CONNECT_TIMEOUT) as connection:
            connection.settimeout(CLOSED_WITHIN)
            try:
                return connection.recv(1) != b""  # greeted; b"": closed by the proxy
            except TimeoutError:
                return True  # held open: something listens
    except OSError:
        return False
