"""How app containers start and stop, on the real Docker engine, read from the engine's events.

A shell-form CMD leaves /bin/sh as PID 1, which ignores SIGTERM, so without an init every stop
waits out the grace and ends in SIGKILL (exit code 137). Under Docker's init the signal reaches it
and it ends at once (exit code 143, 128 + SIGTERM), also when the image's own entrypoint is an init
(tini, dumb-init): tests/images/shell-form-app over release 1 of examples/docker-app. With
`app.init: false` (engines without docker-init) the image's entrypoint is PID 1 itself.

A scenario starts a release once where once does: with `on-start`, the start that verifies the
migrated-to release is its upgrade again."""

from __future__ import annotations

import contextlib
import re
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import docker
import machine
import pytest
import yaml

from migtest.cli import EXIT_OK, EXIT_USAGE
from migtest.docker import RUN_LABEL, DockerEngine

CONTEXT = machine.IMAGES / "shell-form-app"
SIGTERM_EXIT = 128 + 15
SIGKILL_EXIT = 128 + 9


@pytest.fixture(scope="session")
def shell_form_images(app_image) -> dict[str, str]:
    """Release 1 started by a shell-form CMD, as it is and with tini or dumb-init as its entrypoint."""
    args = {"APP": app_image("1")}
    images = {"sh": machine.ensure_image("migtest-test/shell-form-app:1", CONTEXT, args)}
    for init in ("tini", "dumb-init"):
        tag = f"migtest-test/shell-form-app:{init}"
        images[init] = machine.ensure_image(tag, CONTEXT, {**args, "INIT": init}, dockerfile="with-init.Dockerfile")
    return images


def write_config(
    folder: Path, images: dict[str, str], matrix: dict | None = None, api: bool = True, **app: object
) -> Path:
    """Fresh installs only by default; `api`: seeded and verified through the app's API."""
    settings: dict[str, Any] = {
        "migrations": {"tool": "on-start", "table": "alembic_version"},
        "app": {"health": "http://{host}:{port}/health", "ready_log": "^ready: ", "ready_timeout": 60, **app},
        "versions": [{"name": name, "image": image} for name, image in images.items()],
        "matrix": matrix or {"fresh": True, "upgrade": "none", "downgrade": "none"},
    }
    if api:
        settings["seed"] = {"api": [{"path": "/items", "json": {"name": "lamp"}}]}
        settings["verify"] = {"api": [{"path": "/items", "items": "items", "next": "next"}]}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "migtest.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


def run_watching_apps(
    client: docker.DockerClient, run_migtest, config: Path, count: int
) -> tuple[Any, dict[str, dict[str, str]]]:
    """Run migtest; with its outcome, the `die` event of each of the run's `count` app containers
    by name (its image and exitCode), read live: the engine keeps too few past events when shared."""
    stream = client.events(filters={"event": "die", "label": RUN_LABEL}, decode=True)
    ended: dict[str, dict[str, str]] = {}

    def read() -> None:
        with contextlib.suppress(Exception):  # the stream closed under it
            for event in stream:
                container = event["Actor"]["Attributes"]
                ended[container["name"]] = container

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        outcome = run_migtest(config)
        run_id = re.search(r"^run id (\w+):", outcome.output, re.M).group(1)

        def apps() -> dict[str, dict[str, str]]:
            return {name: ended[name] for name in list(ended) if re.match(f"migtest-{run_id}-.*-app-", name)}

        machine.wait_for(lambda: len(apps()) >= count, f"the die events of {count} app containers", timeout=30)
        return outcome, apps()
    finally:
        stream.close()
        reader.join(timeout=10)


def test_apps_ignoring_sigterm_are_ended_by_it_through_init(
    tmp_path, shell_form_images, run_migtest, leftovers, client
):
    config = write_config(tmp_path, shell_form_images, api=False)
    starts = 2 * len(shell_form_images)  # per version: its fresh install, then its verification

    outcome, apps = run_watching_apps(client, run_migtest, config, starts)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert len(apps) == starts, apps
    codes = {name: int(app["exitCode"]) for name, app in apps.items()}
    assert set(codes.values()) == {SIGTERM_EXIT}, codes  # 137: killed after the whole grace
    assert {outcome.check(f"fresh-{name}", "app")["status"] for name in shell_form_images} == {"passed"}
    assert leftovers() == {}


def test_the_verification_start_is_the_upgrade_again(tmp_path, app_image, run_migtest, leftovers, client):
    images = {release: app_image(release) for release in ("1", "2")}
    config = write_config(tmp_path, images, matrix={"fresh": False, "upgrade": "chain", "downgrade": "none"})

    outcome, apps = run_watching_apps(client, run_migtest, config, 6)  # 2 fresh installs, 4 in the scenario

    assert outcome.exit_code == EXIT_OK, outcome.output
    started = Counter(app["image"] for name, app in apps.items() if "-upgrade-1-to-2-app-" in name)
    # 1: the seed and the previous-release check; 2: the upgrade, then verification and upgrade again
    assert started == {images["1"]: 2, images["2"]: 2}, apps
    assert outcome.check("upgrade-1-to-2", "idempotent")["summary"] == "running the upgrade again changed nothing"
    phases = {phase["name"]: phase["detail"] for phase in outcome.scenario("upgrade-1-to-2")["phases"]}
    assert "upgrade again" not in phases and "capture again" in phases, phases
    assert "the upgrade again, 1 listing(s) read" in phases["verify app 2"], phases
    assert leftovers() == {}


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        *[("stop_timeout", value, "whole number") for value in (0, 2.5, "soon", -1)],
        *[("init", value, "true or false") for value in ("yes", 1, "false")],
    ],
)
def test_a_bad_app_setting_is_exit_2_naming_the_key(
    tmp_path, shell_form_images, run_migtest, leftovers, key, value, expected
):
    config = write_config(tmp_path, {"sh": shell_form_images["sh"]}, **{key: value})

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert f"app.{key}" in outcome.output and expected in outcome.output, outcome.output
    assert leftovers() == {}


def test_without_init_an_app_ignoring_sigterm_is_killed_after_the_grace(
    tmp_path, shell_form_images, run_migtest, leftovers, client
):
    """`app.init: false`: the shell-form CMD is PID 1 and ignores SIGTERM, so each stop ends in
    SIGKILL once `stop_timeout` is over; the run passes all the same."""
    config = write_config(tmp_path, {"sh": shell_form_images["sh"]}, api=False, init=False, stop_timeout=1)

    outcome, apps = run_watching_apps(client, run_migtest, config, 2)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert {name: int(app["exitCode"]) for name, app in apps.items()} == dict.fromkeys(apps, SIGKILL_EXIT), apps
    assert leftovers() == {}


@pytest.mark.parametrize("init", [True, False])
def test_pid_1_is_dockers_init_unless_the_run_says_not(app_image, leftovers, init):
    engine = DockerEngine(init=init)
    try:
        container = engine.create(app_image("1"), "probe", environment={}, command=["sleep", "600"])
        engine.run_container(container, app_image("1"))
        code, cmdline = container.exec_run(["cat", "/proc/1/cmdline"])
    finally:
        engine.remove_run()

    assert code == 0, cmdline
    pid_1 = cmdline.decode().rstrip("\0").split("\0")
    if init:
        assert pid_1[0].endswith("docker-init") and pid_1[-2:] == ["sleep", "600"], pid_1
    else:
        assert pid_1 == ["sleep", "600"]
    assert leftovers() == {}
