"""Rolling deploy (check `rolling-deploy`): release 2 of tests/images/rolling-app, already serving
on PostgreSQL, is probed while release 3 migrates on start. Release 3 renames a column that 2
reads and adds it back before it is ready, waiting in between until 2 has failed once: 2 fails
during the migration only, which the previous-release check after it cannot see."""

from __future__ import annotations

import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

import machine
import pytest
import yaml
from started import Started

from migtest.cli import EXIT_FAILED, EXIT_OK
from migtest.docker import RUN_LABEL

UPGRADE = "upgrade-2-to-3"
CHECK = "python3 /app.py check {database_dsn}"


@pytest.fixture(scope="session")
def rolling_image(app_image) -> Any:
    base = app_image("1").replace("app:1", "app-base:1")  # built for the example app's release 1
    return lambda release: machine.ensure_image(
        f"migtest-test/rolling-app:{release}", machine.IMAGES / "rolling-app", args={"BASE": base, "RELEASE": release}
    )


def running_images(run_id: str) -> set[str]:
    """The images of the run's containers running now."""
    listing = subprocess.run(
        ["docker", "ps", "--filter", f"label={RUN_LABEL}={run_id}", "--format", "{{.Image}}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(listing.stdout.split())


def write_config(
    folder: Path, releases: list[str], rolling_image, server_image, seed: str = "name", **sections: Any
) -> Path:
    """`seed`: the column the items' names are inserted into (release 3 on: title and name)."""
    settings: dict[str, Any] = {
        "migrations": {"tool": "on-start", "table": "app_version"},
        "database": {"engine": "postgres", "image": server_image("postgres")},
        "app": {
            "env": {"DATABASE_URL": "{database_dsn}"},
            "health": "http://{host}:{port}/health",
            "ready_timeout": 60,
        },
        "versions": [{"name": release, "image": rolling_image(release)} for release in releases],
        "matrix": {"fresh": False, "downgrade": "none"},
        "seed": {"sql": "seed.sql"},
        "verify": {"api": [{"path": "/items", "items": "items", "contains": [{"name": "lamp"}]}]},
    }
    for name, value in sections.items():
        settings[name] = {**settings.get(name, {}), **value}
    (folder / "seed.sql").write_text(f"INSERT INTO items ({seed}) VALUES ('lamp'), ('desk');\n")
    path = folder / "migtest.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


def test_a_release_broken_only_while_the_migration_runs(tmp_path, rolling_image, server_image, run_migtest, leftovers):
    config = write_config(tmp_path, ["1", "2", "3"], rolling_image, server_image)

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check(UPGRADE, "previous-release")["status"] == "passed", "2 serves the migrated database"
    rolling = outcome.check(UPGRADE, "rolling-deploy")
    assert rolling["status"] == "warned", rolling
    assert rolling["summary"].startswith("2 failed ")
    assert "GET /items: expected status 200, got 500" in rolling["summary"]
    assert 'column \\"name\\" does not exist' in rolling["evidence"][1], rolling["evidence"]
    assert rolling["evidence"][0].startswith("each round: GET app.health, GET /items (")
    assert "rolling-deploy" not in {check["name"] for check in outcome.scenario("upgrade-1-to-2")["checks"]}
    assert leftovers() == {}

    # 2's app now answers its health check only: its verify.command is what fails
    verify = {"command": CHECK, "api": [{"path": "/items", "items": "items", "versions": ["3"]}]}
    config = write_config(
        tmp_path, ["1", "2", "3"], rolling_image, server_image, checks={"rolling": "fail"}, verify=verify
    )
    failed = run_migtest(config, "--only", UPGRADE)

    assert failed.exit_code == EXIT_FAILED, failed.output
    assert failed.failed_checks(UPGRADE) == {"rolling-deploy"}
    rolling = failed.check(UPGRADE, "rolling-deploy")
    assert f"verify.command (rolling deploy) in {rolling_image('2')}: exited with code 1" in rolling["summary"]
    assert rolling["evidence"][0].startswith("each round: GET app.health, verify.command (")
    assert 'column "name" does not exist' in rolling["evidence"][1]
    assert leftovers() == {}
    assert "migtest-rolling" not in {thread.name for thread in threading.enumerate()}


def test_a_harmless_migration_gives_no_failure(tmp_path, rolling_image, server_image, run_migtest, leftovers):
    config = write_config(
        tmp_path, ["1", "2"], rolling_image, server_image, checks={"rolling": "fail"}, verify={"command": CHECK}
    )

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    rolling = outcome.check("upgrade-1-to-2", "rolling-deploy")
    assert rolling["status"] == "passed"
    assert rolling["summary"].startswith("1 answered all ") and "probe(s) during the " in rolling["summary"]
    assert rolling["evidence"][0].startswith("each round: GET app.health, GET /items, verify.command; slowest ")
    phases = [phase["name"] for phase in outcome.scenario("upgrade-1-to-2")["phases"]]
    assert phases.index("rolling deploy: 1 ready") == phases.index("upgrade") - 1
    assert leftovers() == {}


def test_an_interrupt_inside_the_window_leaves_nothing(tmp_path, rolling_image, server_image, leftovers):
    """Release 4's migration never ends: the run is signalled while 3 is probed beside it."""
    config = write_config(tmp_path, ["3", "4"], rolling_image, server_image, seed="title")
    run = Started("run", "-c", config, "--progress", "plain")
    both = {rolling_image("3"), rolling_image("4")}
    run.wait_until(lambda: both <= running_images(run.run_id), "release 4 migrating beside release 3, serving")
    run.send(signal.SIGTERM)
    code, output = run.finish()
    assert code == 130, output
    assert leftovers(run.run_id) == {}
