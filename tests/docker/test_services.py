"""`app.services`: companions the app only starts beside, started on the app's own network before
it, reachable by name, ready first, and removed with it, also when one never becomes ready.

The app (tests/images/companion) exits at start unless http://companion:8080/ answers; the
companion is python3's http.server from the same image."""

from __future__ import annotations

import re
import signal
from pathlib import Path
from typing import Any

import machine
import pytest
import yaml
from started import Started

from migtest.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from migtest.docker import RUN_LABEL

IMAGE = "migtest-test/companion:1"
COMPANION = {  # its port comes from its env
    "name": "companion",
    "image": IMAGE,
    "env": {"COMPANION_PORT": 8080},
    "command": "sh -c 'exec python3 -m http.server $COMPANION_PORT --directory /'",
}


@pytest.fixture(scope="session")
def companion_image(docker_engine: None) -> str:
    return machine.ensure_image(IMAGE, machine.IMAGES / "companion", args={"DEBIAN": machine.BASE_IMAGE})


def write_config(folder: Path, services: list[dict[str, Any]] | None) -> Path:
    app: dict[str, Any] = {
        "health": "http://{host}:{port}/health",
        "ready_timeout": 60,
        "env": {"DATABASE_URL": "{database_url}", "COMPANION_URL": "http://companion:8080/"},
    }
    if services is not None:
        app["services"] = services
    settings = {
        "migrations": {"tool": "on-start"},
        "app": app,
        "versions": [{"name": "1", "image": IMAGE}, {"name": "2", "image": IMAGE}],
        "matrix": {"downgrade": "none"},
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "migtest.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


def test_app_starts_beside_its_ready_companion_and_nothing_is_left(tmp_path, companion_image, run_migtest, leftovers):
    config = write_config(tmp_path, [{**COMPANION, "port": 8080}])

    outcome = run_migtest(config, "--jobs", "2")

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.results["totals"] == {"passed": 3, "failed": 0, "skipped": 0}
    assert outcome.check("upgrade-1-to-2", "app")["summary"].startswith("2 ready on the migrated database")
    assert leftovers() == {}


def test_without_its_companion_the_app_does_not_start(tmp_path, companion_image, run_migtest, leftovers):
    config = write_config(tmp_path, None)

    outcome = run_migtest(config, "--only", "fresh-1")

    assert outcome.exit_code == EXIT_FAILED, outcome.output
    migration = outcome.check("fresh-1", "migration")
    assert "cannot reach my companion at http://companion:8080/" in migration["evidence"][0]
    assert leftovers() == {}


def test_companion_readiness_by_log_and_health(tmp_path, companion_image, run_migtest, leftovers):
    by_log = {**COMPANION, "ready_log": r"Serving HTTP on \S+ port 8080"}
    by_health = {**COMPANION, "name": "peer", "port": 8080, "health": "http://{host}:{port}/etc/hostname"}
    config = write_config(tmp_path, [by_log, by_health])

    outcome = run_migtest(config, "--only", "fresh-1")

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert leftovers() == {}


def test_companion_never_ready_fails_saying_what_it_waited_for_and_leaves_nothing(
    tmp_path, companion_image, run_migtest, leftovers
):
    silent = {**COMPANION, "ready_log": "never printed", "ready_timeout": 2}
    config = write_config(tmp_path, [silent])

    outcome = run_migtest(config, "--only", "fresh-1")

    assert outcome.exit_code == EXIT_FAILED, outcome.output
    migration = outcome.check("fresh-1", "migration")
    assert migration["summary"] == (
        f"service 'companion' ({IMAGE}): not ready after 2s (waited for a log line matching 'never printed')"
    )
    assert "Serving HTTP on" in migration["evidence"][0], "the companion's log is the evidence"
    assert leftovers() == {}

    config = write_config(tmp_path, [{**COMPANION, "port": 9999, "ready_timeout": 2}])  # it listens on 8080
    closed = run_migtest(config, "--only", "fresh-1")
    summary = closed.check("fresh-1", "migration")["summary"]
    assert re.fullmatch(
        rf"service 'companion' \({IMAGE}\): not ready after 2s \(waited for \S+:\d+ to accept connections\)", summary
    )
    assert leftovers() == {}

    config = write_config(tmp_path, [{**COMPANION, "command": "python3 -c 'raise SystemExit(4)'", "port": 8080}])
    exited = run_migtest(config, "--only", "fresh-1")
    assert exited.check("fresh-1", "migration")["summary"] == (
        f"service 'companion' ({IMAGE}): the container exited with code 4 before it was ready"
    )
    assert leftovers() == {}


def test_service_keys_are_checked(tmp_path, companion_image, run_migtest):
    config = write_config(tmp_path, [{"name": "companion", "image": IMAGE}])
    outcome = run_migtest(config)
    assert outcome.exit_code == EXIT_USAGE
    assert f"{config}:" in outcome.output
    assert "key 'app.services[0]': needs 'port' (a TCP port), 'health'" in outcome.output

    config = write_config(tmp_path, [{**COMPANION, "port": 8080, "image": "migtest-test/no-such-companion:0"}])
    outcome = run_migtest(config)
    assert outcome.exit_code == EXIT_USAGE
    assert "key 'app.services[0].image': image 'migtest-test/no-such-companion:0' is not on this" in outcome.output


def test_sigterm_while_a_companion_starts_removes_it_and_its_network(tmp_path, companion_image, client):
    """The run is found by its companion (only these tests start this image): other test
    sessions may share the engine."""
    config = write_config(tmp_path, [{**COMPANION, "ready_log": "never printed", "ready_timeout": 600}])
    migtest = Started("run", "-c", config, "--only", "fresh-1")
    run = migtest.run_id
    selector = {"label": f"{RUN_LABEL}={run}"}

    def companion_started() -> bool:
        found = client.containers.list(filters={**selector, "ancestor": IMAGE})
        return any(container.name.endswith("-companion") for container in found)

    migtest.wait_until(companion_started, "the companion starting", timeout=120)
    migtest.send(signal.SIGTERM)
    code, output = migtest.finish()

    assert code == 130, output
    assert client.containers.list(all=True, filters=selector) == []
    assert client.networks.list(filters=selector) == []
    assert client.volumes.list(filters=selector) == []
