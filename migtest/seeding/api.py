"""`seed.api`: requests to the from-release's app, started on the scenario's database for them.

Any status other than the one expected stops the scenario with the response body as evidence;
what was sent, and the values captured from the responses, are kept per database for `verify.api`
entries that look for the seeded objects (or name a captured value in their path).
"""

from __future__ import annotations

import threading
from typing import Any

from migtest.config import ApiRequest
from migtest.databases import Database
from migtest.docker.app import ImageRunner
from migtest.http_api import ApiClient, Exchange
from migtest.sources import Workspace


class ApiSeeder:
    def __init__(self, requests: tuple[ApiRequest, ...], images: ImageRunner) -> None:
        self.requests = requests
        self.images = images
        self.captures = frozenset(name for request in requests for name, _ in request.capture)
        self._sent: dict[str, list[tuple[ApiRequest, Exchange]]] = {}
        self._captured: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def seed(self, workspace: Workspace, database: Database) -> str:
        name = workspace.version.name
        applicable = [request for request in self.requests if request.applies_to(name)]
        if not applicable:
            return f"no seed.api request applies to {name}"
        exchanges = []
        with self.images.app_running(workspace, database, f"start {name} to seed it") as app:
            values = {"version": name}
            with ApiClient.connect(app.base_url, self.images.app, values, self.captures) as client:
                for request in applicable:
                    exchanges.append((request, client.send(request)))
                captured = {key: value for key, value in client.values.items() if key in self.captures}
        with self._lock:
            self._sent[database.name] = exchanges
            self._captured[database.name] = captured
        return f"{len(exchanges)} API request(s) to {name}"

    def sent(self, database: Database, version: str) -> list[Exchange]:
        """What seeding this database sent by requests that also apply to `version`, the release
        verified: an object seeded only where a feature exists is not looked for where it does not."""
        with self._lock:
            return [exchange for request, exchange in self._sent.get(database.name, []) if request.applies_to(version)]

    def captured(self, database: Database) -> dict[str, Any]:
        """The values seeding this database captured, by name."""
        with self._lock:
            return dict(self._captured.get(database.name, {}))
