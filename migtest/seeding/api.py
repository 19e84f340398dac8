"""`seed.api`: requests to the from-release's app, started on the scenario's database for them.

Any status other than the one expected stops the scenario with the response body as evidence;
what was sent is kept per database, for `verify.api` entries that look for the seeded objects.
"""

from __future__ import annotations

import threading

from migtest.config import ApiRequest
from migtest.databases import Database
from migtest.docker.app import ImageRunner
from migtest.http_api import Exchange, send
from migtest.sources import Workspace


class ApiSeeder:
    def __init__(self, requests: tuple[ApiRequest, ...], images: ImageRunner) -> None:
        self.requests = requests
        self.images = images
        self._sent: dict[str, list[tuple[ApiRequest, Exchange]]] = {}
        self._lock = threading.Lock()

    def seed(self, workspace: Workspace, database: Database) -> str:
        name = workspace.version.name
        applicable = [request for request in self.requests if request.applies_to(name)]
        if not applicable:
            return f"no seed.api request applies to {name}"
        exchanges = []
        with self.images.app_running(workspace, database, f"start {name} to seed it") as app:
            for request in applicable:
                exchanges.append((request, send(app.base_url, request, {"version": name})))
        with self._lock:
            self._sent[database.name] = exchanges
        return f"{len(exchanges)} API request(s) to {name}"

    def sent(self, database: Database, version: str) -> list[Exchange]:
        """What seeding this database sent by requests that also apply to `version`, the release
        verified: an object seeded only where a feature exists is not looked for where it does not."""
        with self._lock:
            return [exchange for request, exchange in self._sent.get(database.name, []) if request.applies_to(version)]
