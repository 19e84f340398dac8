"""What a rolling deploy's probes send to the previous release (migtest/rolling.py): its app's
health check and the first page of each `verify.api` listing, or its `verify.command`.

A request has a short timeout (a user whose page takes longer has given up: a request blocked by a
lock counts as failed); a command keeps the one it has after the migration, capped, since it
starts a process (or a container) each time.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from migtest.config import ApiRead
from migtest.http_api import ApiClient
from migtest.rolling import Probe

REQUEST_TIMEOUT = 5.0  # seconds
COMMAND_TIMEOUT = 60.0  # seconds at most, migrations.timeout when shorter


def app_probes(client: ApiClient, health: str | None, status: int, reads: list[ApiRead]) -> list[Probe]:
    """`client` reaches the previous release's app (with `REQUEST_TIMEOUT`); `health` is its URL."""
    probes = [Probe("GET app.health", partial(client.expect, health, status), REQUEST_TIMEOUT)] if health else []
    return probes + [Probe(f"GET {read.path}", partial(client.read_first, read), REQUEST_TIMEOUT) for read in reads]


def command_probe(run: Callable[[float], str], timeout: float) -> Probe:
    """`run(timeout)` runs `verify.command` as the previous release (StepFailed when it fails)."""
    limit = min(timeout, COMMAND_TIMEOUT)
    return Probe("verify.command", partial(run, limit), limit)
