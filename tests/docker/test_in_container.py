"""migtest itself in a container with the engine's socket mounted, the way a GitHub Docker action
or `docker run -v /var/run/docker.sock:/var/run/docker.sock` runs it: the app containers are its
siblings, so it joins its own container to the run's network and reaches them by name, publishing
no port (a port published on the host's 127.0.0.1 is not even reachable from inside a container).

Also: a container given its own hostname is still found (its /etc/hostname mount names its id);
on the host's network it cannot join the run's network and uses published ports instead; SIGTERM
to it (PID 1 there) removes everything. What the run's containers were is read from the engine's
events as they start (the run removes them), told from other runs' by a marker in their
environment.

The image is the repository's Dockerfile (see the migtest_image fixture); the project folder with
migtest.yml is bind-mounted at /work, where the reports land too.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import yaml

from migtest.cli import EXIT_OK
from migtest.docker import RUN_LABEL, remove_labelled

TEST_LABEL = "migtest.test"
MARKER = "MIGTEST_TEST_MARKER"
RUN_TIMEOUT = 120
APPEAR_TIMEOUT = 60
SEEDS = [{"path": "/items", "json": {"name": name}} for name in ("lamp {version}", "desk", "chair")]


def write_config(folder: Path, releases: list[str], app_image: Callable[[str], str]) -> str:
    """migtest.yml for the example app's release images, as test_on_start.py writes it; returns the
    marker its app containers carry in their environment, to tell them from other runs' on the engine."""
    marker = f"{MARKER}={secrets.token_hex(4)}"
    settings = {
        "migrations": {
            "tool": "on-start",
            "table": "alembic_version",
            "downgrade": "python3 -m app.migrate downgrade {target}",
        },
        "app": {
            "env": {"DATABASE_URL": "{database_url}", MARKER: marker.split("=")[1]},
            "health": "http://{host}:{port}/health",
            "ready_timeout": 60,
        },
        "versions": [{"name": release, "image": app_image(release)} for release in releases],
        "seed": {"api": SEEDS},
        "verify": {"api": [{"path": "/items", "items": "items", "next": "next"}]},
    }
    (folder / "migtest.yml").write_text(yaml.safe_dump(settings, sort_keys=False))
    return marker


class Observed:
    """The engine's events while migtest runs: the containers of migtest runs as they started,
    inspected at once (the run removes them), and which container joined which network."""

    def __init__(self) -> None:
        self.events = docker.from_env()
        self.inspector = docker.from_env()
        self.containers: list[dict[str, Any]] = []
        self.joined: list[tuple[str, str]] = []  # (container id, network name)
        self._stream = self.events.events(
            since=int(time.time()) - 1,
            decode=True,
            filters={"type": ["container", "network"], "event": ["start", "connect"]},
        )
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        with contextlib.suppress(Exception):  # the stream ends with an error when closed
            for event in self._stream:
                attributes = event.get("Actor", {}).get("Attributes", {})
                if event.get("Type") == "network":
                    self.joined.append((attributes.get("container", ""), attributes.get("name", "")))
                elif RUN_LABEL in attributes:
                    with contextlib.suppress(docker.errors.NotFound):
                        self.containers.append(self.inspector.api.inspect_container(event["id"]))

    def networks_joined(self, container) -> set[str]:
        return {name for joiner, name in list(self.joined) if joiner == container.id and name.startswith("migtest-")}

    def close(self) -> None:
        self._stream.close()
        self._thread.join(timeout=10)
        self.events.close()
        self.inspector.close()


@dataclass
class InContainer:
    container: Any
    observed: Observed

    def run_id(self) -> str | None:
        """The id of the migtest run in the container, from the run network it joined (None before)."""
        networks = self.observed.networks_joined(self.container)
        assert len(networks) <= 1, networks
        return networks.pop().removeprefix("migtest-") if networks else None

    def logs(self) -> str:
        return self.container.logs().decode(errors="replace")


@contextlib.contextmanager
def migtest_in_container(
    client, image: str, project: Path, *command: str, mounts: dict[Path, str] | None = None, **options: Any
) -> Iterator[InContainer]:
    """The migtest image running `command` on `project` (mounted at /work, or as `mounts` say),
    the engine's socket mounted; removed after, with whatever its run left (assert on what is
    left before the block ends)."""
    observed = Observed()
    container = None
    volumes = {str(path): {"bind": target, "mode": "rw"} for path, target in (mounts or {project: "/work"}).items()}
    try:
        container = client.containers.run(
            image,
            list(command),
            name=f"migtest-test-{secrets.token_hex(4)}",
            labels={TEST_LABEL: "1"},
            volumes={"/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "rw"}, **volumes},
            detach=True,
            **options,
        )
        yield InContainer(container, observed)
    finally:
        observed.close()
        if container is not None:
            run_id = InContainer(container, observed).run_id()
            container.remove(force=True)
            if run_id is not None:
                remove_labelled(client, {RUN_LABEL: run_id})


def remaining(client, run_id: str) -> dict[str, list[str]]:
    """What of the run is still on the engine. Not the leftovers fixture: it counts every migtest
    run's new objects, and other sessions may be running migtest on this engine meanwhile."""
    selector = {"label": f"{RUN_LABEL}={run_id}"}
    found = {
        "container": [c.name for c in client.containers.list(all=True, filters=selector)],
        "network": [n.name for n in client.networks.list(filters=selector)],
        "volume": [v.name for v in client.volumes.list(filters=selector)],
        "image": [i.short_id for i in client.images.list(filters=selector)],
    }
    return {kind: names for kind, names in found.items() if names}


def wait_for(condition: Callable[[], Any], what: str, migtest: InContainer, timeout: float = APPEAR_TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        migtest.container.reload()
        assert migtest.container.status == "running", f"{what}: migtest exited first\n{migtest.logs()}"
        assert time.monotonic() < deadline, f"{what}: not after {timeout:.0f}s\n{migtest.logs()}"
        time.sleep(0.1)
    return found


def run_to_the_end(client, image: str, project: Path, marker: str, *command: str, **options: Any) -> dict[str, Any]:
    """Run migtest in its container until it exits; what it did, read before the clean-up after a
    failure could hide anything."""
    with migtest_in_container(client, image, project, *command, **options) as migtest:
        code = migtest.container.wait(timeout=RUN_TIMEOUT)["StatusCode"]
        output = migtest.logs()
        siblings = [c for c in migtest.observed.containers if marker in (c["Config"]["Env"] or [])]
        assert siblings, output
        run_id = siblings[0]["Config"]["Labels"][RUN_LABEL]
        migtest.container.reload()
        results = project / "migtest-results" / "results.json"
        return {
            "code": code,
            "output": output,
            "run_id": run_id,
            "joined": migtest.run_id(),
            "still_on": {
                name for name in migtest.container.attrs["NetworkSettings"]["Networks"] if name.startswith("migtest-")
            },
            "left": remaining(client, run_id),
            "siblings": siblings,
            "results": json.loads(results.read_text()) if results.exists() else None,
        }


def assert_passed(run: dict[str, Any], scenario_id: str, expected: str) -> None:
    """The run passed, its app containers at least twice ready and read, and it left nothing."""
    assert run["code"] == EXIT_OK and run["results"] is not None, run["output"]
    upgrade = next(scenario for scenario in run["results"]["scenarios"] if scenario["id"] == scenario_id)
    checks = {check["name"]: check for check in upgrade["checks"]}
    assert checks["app"]["status"] == "passed", checks["app"]
    assert checks["api: GET /items"]["summary"] == expected
    assert len([c for c in run["siblings"] if "-app-" in c["Name"]]) >= 2, [c["Name"] for c in run["siblings"]]
    assert run["still_on"] == set(), "migtest's container did not leave the run's network"
    assert run["left"] == {}, run["output"]


def assert_reached_by_name(run: dict[str, Any]) -> None:
    """migtest joined its own container to the run's network, and every container of the run was
    on that network only, with no port published: health checks and API requests went by name."""
    network = f"migtest-{run['run_id']}"
    assert run["joined"] == run["run_id"], run["output"]
    for sibling in run["siblings"]:
        assert not sibling["HostConfig"]["PortBindings"], (sibling["Name"], sibling["HostConfig"]["PortBindings"])
        assert list(sibling["NetworkSettings"]["Networks"]) == [network], sibling["Name"]


def test_run_in_a_container_reaches_sibling_apps_by_name(tmp_path, client, migtest_image, app_image):
    marker = write_config(tmp_path, ["1", "2"], app_image)

    run = run_to_the_end(client, migtest_image, tmp_path, marker, "run", "--jobs", "2")

    assert_passed(run, "upgrade-1-to-2", "all 3 expected object(s) found among 3 item(s)")
    assert run["results"]["totals"] == {"passed": 4, "failed": 0, "skipped": 0}
    assert_reached_by_name(run)


def test_a_container_with_its_own_hostname_is_found_too(tmp_path, client, migtest_image, app_image):
    """With `--hostname` (compose's `hostname:`) the hostname no longer names the container."""
    marker = write_config(tmp_path, ["1", "2"], app_image)

    run = run_to_the_end(client, migtest_image, tmp_path, marker, "run", "--only", "upgrade-*", hostname="migtest-ci")

    assert_passed(run, "upgrade-1-to-2", "all 3 expected object(s) found among 3 item(s)")
    assert_reached_by_name(run)


def test_on_the_host_network_published_ports_are_used(tmp_path, client, migtest_image, app_image):
    """`--network host`: the container cannot join another network, and needs not."""
    marker = write_config(tmp_path, ["1", "2"], app_image)

    run = run_to_the_end(client, migtest_image, tmp_path, marker, "run", "--only", "upgrade-*", network_mode="host")

    assert_passed(run, "upgrade-1-to-2", "all 3 expected object(s) found among 3 item(s)")
    assert run["joined"] is None
    for sibling in run["siblings"]:
        if "-app-" in sibling["Name"]:
            assert sibling["HostConfig"]["PortBindings"] == {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}


def test_sigterm_to_the_migtest_container_leaves_nothing(tmp_path, client, migtest_image, app_image):
    """migtest is PID 1 of its container (`docker stop`, a cancelled CI job): the kernel delivers it
    only the signals it handles, and SIGTERM unwinds the run like Ctrl-C."""
    write_config(tmp_path, ["1", "2", "3"], app_image)

    with migtest_in_container(client, migtest_image, tmp_path, "run", "--jobs", "1") as migtest:
        run_id = wait_for(migtest.run_id, "the run's network", migtest)
        running = {"label": f"{RUN_LABEL}={run_id}", "status": "running"}
        wait_for(
            lambda: [c for c in client.containers.list(filters=running) if "-app-" in c.name],
            "a first app container",
            migtest,
        )
        migtest.container.kill(signal="SIGTERM")
        code = migtest.container.wait(timeout=RUN_TIMEOUT)["StatusCode"]
        output = migtest.logs()
        left = remaining(client, run_id)  # before the clean-up after a failure could hide anything

    assert code == 130, output
    assert "interrupted; everything it created was removed" in output
    assert left == {}, output
