"""The example app (examples/docker-app) behaves as its releases promise, in real containers.

Each release's image migrates the database on a named volume at /data when it starts, then prints
its ready line and serves on :8000 (published on 127.0.0.1). These images are the fixtures of the
"container images as versions" feature, so what they do is pinned down here: upgrades keep the
data, releases 1-4 are backward compatible, 5 is not, `broken` fails its migration (exit 1),
`crash` dies before migrating (exit 3), and a newer image's downgrade command rolls the schema back.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import docker
import pytest
import requests

LABELS = {"migtest.test": "1"}
TIMEOUT = 60.0


@dataclass
class App:
    """A running release, ready to serve."""

    release: str
    container: Any
    url: str

    def get(self, path: str) -> requests.Response:
        return requests.get(self.url + path, timeout=10)

    def post(self, path: str, body: Any) -> requests.Response:
        return requests.post(self.url + path, json=body, timeout=10)


def ready_line(release: str) -> str:
    return f"ready: release {release} serving on :8000"


def logs(container, stdout: bool = True, stderr: bool = True) -> str:
    return container.logs(stdout=stdout, stderr=stderr).decode(errors="replace")


class Lab:
    """Containers and volumes of one test, all labelled and removed at the end."""

    def __init__(self, image: Callable[[str], str]) -> None:
        self.client = docker.from_env()
        self.image = image
        self.prefix = f"migtest-test-app-{secrets.token_hex(4)}"
        self.containers: list[Any] = []
        self.volumes: list[Any] = []

    def volume(self) -> str:
        volume = self.client.volumes.create(f"{self.prefix}-{len(self.volumes)}", labels=LABELS)
        self.volumes.append(volume)
        return volume.name

    def run(self, release: str, volume: str | None = None, command: list[str] | None = None):
        """Start a container of the release (its own command unless given one); don't wait."""
        container = self.client.containers.run(
            self.image(release),
            command,
            detach=True,
            name=f"{self.prefix}-c{len(self.containers)}-{release}",
            labels=LABELS,
            volumes={volume: {"bind": "/data", "mode": "rw"}} if volume else None,
            ports={"8000/tcp": ("127.0.0.1", None)},
        )
        self.containers.append(container)
        return container

    def serve(self, release: str, volume: str) -> App:
        """Start the release on the volume and wait for its ready line; fail at once if it exits."""
        container = self.run(release, volume)
        deadline = time.monotonic() + TIMEOUT
        while ready_line(release) not in logs(container, stderr=False):
            container.reload()
            if container.status in ("exited", "dead"):
                pytest.fail(f"release {release} exited before it was ready:\n{logs(container)}")
            if time.monotonic() > deadline:
                pytest.fail(f"release {release} not ready after {TIMEOUT:.0f}s:\n{logs(container)}")
            time.sleep(0.05)
        container.reload()
        port = container.ports["8000/tcp"][0]["HostPort"]
        return App(release, container, f"http://127.0.0.1:{port}")

    def stop(self, app: App) -> None:
        """Stop the app as `docker stop` does: SIGTERM, SIGKILL after 10 s."""
        app.container.stop(timeout=10)

    def exit_code(self, container, timeout: float = TIMEOUT) -> int:
        return container.wait(timeout=timeout)["StatusCode"]

    def remove_all(self) -> None:
        for thing in [*self.containers, *self.volumes]:
            with contextlib.suppress(docker.errors.NotFound):
                thing.remove(force=True)


@pytest.fixture
def lab(app_image) -> Iterator[Lab]:
    lab = Lab(app_image)
    try:
        yield lab
    finally:
        lab.remove_all()


def all_items(app: App) -> tuple[list[dict[str, Any]], list[int]]:
    """Every item, following `next` from the first page; and the size of each page."""
    path, items, sizes = "/items", [], []
    while path is not None:
        response = app.get(path)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        sizes.append(len(page["items"]))
        path = page["next"]
    return items, sizes


def add_items(app: App, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    created = []
    for body in bodies:
        response = app.post("/items", body)
        assert response.status_code == 201, response.text
        created.append(response.json())
    return created


def seeded(lab: Lab, release: str, bodies: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """A volume on which `release` created its schema and these items, the release stopped."""
    volume = lab.volume()
    app = lab.serve(release, volume)
    created = add_items(app, bodies)
    lab.stop(app)
    return volume, created


SEVEN = [{"name": f"item {n}"} for n in range(1, 8)]
RICH = [
    {"name": "lamp", "price_cents": 1999, "tags": ["home", "light"], "description": "a desk lamp"},
    {"name": "mug", "price_cents": 450, "tags": []},
    {"name": "book", "tags": ["paper"], "description": None},
    {"name": "pen"},
]


def test_release_1_starts_on_an_empty_volume_and_paginates(lab):
    app = lab.serve("1", lab.volume())
    assert logs(app.container, stderr=False).splitlines() == [ready_line("1")]
    assert app.get("/health").json() == {"status": "ok", "release": "1", "revision": "r1_items"}

    created = add_items(app, SEVEN)
    assert [item["name"] for item in created] == [f"item {n}" for n in range(1, 8)]
    assert all(set(item) == {"id", "name"} for item in created)
    assert app.post("/items", {"price_cents": 5}).status_code == 400
    assert app.get(f"/items/{created[2]['id']}").json() == created[2]
    assert app.get("/items/9999").status_code == 404

    items, sizes = all_items(app)
    assert items == created
    assert sizes == [3, 3, 1]
    assert app.get("/items?page=3").json()["next"] is None

    lab.stop(app)
    assert app.container.wait()["StatusCode"] == 0, "SIGTERM is not handled: killed after the grace"


def test_release_4_upgrades_release_1_data_and_release_3_still_runs_on_it(lab):
    volume, created = seeded(lab, "1", SEVEN)

    four = lab.serve("4", volume)
    assert four.get("/health").json() == {"status": "ok", "release": "4", "revision": "r4_description"}
    items, _ = all_items(four)
    assert items == [{**item, "price_cents": 0, "tags": [], "description": None} for item in created]
    [lamp] = add_items(four, RICH[:1])
    assert lamp == {"id": lamp["id"], **RICH[0]}
    lab.stop(four)

    three = lab.serve("3", volume)
    assert three.get("/health").json() == {"status": "ok", "release": "3", "revision": "r4_description"}
    items, sizes = all_items(three)
    assert [item["name"] for item in items] == [*(item["name"] for item in created), "lamp"]
    assert items[-1] == {"id": lamp["id"], "name": "lamp", "price_cents": 1999, "tags": ["home", "light"]}
    assert sizes == [3, 3, 2]


def test_release_5_renames_name_to_title_and_release_4_cannot_read_it(lab):
    volume, created = seeded(lab, "4", RICH)

    five = lab.serve("5", volume)
    assert five.get("/health").json()["revision"] == "r5_title"
    items, _ = all_items(five)
    renamed = [{"title" if key == "name" else key: value for key, value in item.items()} for item in created]
    assert items == renamed
    assert five.post("/items", {"name": "old client"}).status_code == 400
    assert five.post("/items", {"title": "new client"}).status_code == 201
    lab.stop(five)

    four = lab.serve("4", volume)
    assert "newer than release 4 knows: not migrating" in logs(four.container)
    assert four.get("/health").json() == {"status": "ok", "release": "4", "revision": "r5_title"}
    assert four.get("/items").status_code == 500
    assert "no such column: items.name" in logs(four.container)


def test_broken_release_fails_its_migration_and_exits_1(lab):
    volume, _ = seeded(lab, "1", SEVEN[:3])
    container = lab.run("broken", volume)
    assert lab.exit_code(container) == 1
    output = logs(container)
    assert "Traceback (most recent call last)" in output
    assert "[SQL: CREATE UNIQUE INDEX ix_items_sku ON items (sku)]" in output
    assert "UNIQUE constraint failed: items.sku" in output
    assert "ready:" not in output


def test_crash_release_exits_3_at_once(lab):
    container = lab.run("crash")
    assert lab.exit_code(container, timeout=10) == 3
    output = logs(container)
    assert "RuntimeError: release crash: missing SECRET_KEY" in output
    assert "ready:" not in output


def test_newer_image_downgrades_the_schema_for_an_older_release(lab):
    volume, created = seeded(lab, "4", RICH)

    downgrade = lab.run("4", volume, ["python3", "-m", "app.migrate", "downgrade", "r2_price_cents"])
    assert lab.exit_code(downgrade) == 0, logs(downgrade)
    assert logs(downgrade, stderr=False).splitlines()[-1] == "r2_price_cents"
    assert "Running downgrade r3_tags -> r2_price_cents" in logs(downgrade)

    two = lab.serve("2", volume)
    assert two.get("/health").json() == {"status": "ok", "release": "2", "revision": "r2_price_cents"}
    items, _ = all_items(two)
    assert items == [{"id": i["id"], "name": i["name"], "price_cents": i["price_cents"]} for i in created]
