"""Stopping apps that ignore SIGTERM, on the real Docker engine: a shell-form CMD leaves /bin/sh as
PID 1, which ignores SIGTERM, so without an init every stop waits out the grace and ends in SIGKILL
(exit code 137). Under Docker's init the signal reaches it and it ends at once (exit code 143,
128 + SIGTERM), also when the image's own entrypoint is an init (tini, dumb-init).

The images are tests/images/shell-form-app over release 1 of examples/docker-app."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import docker
import machine
import pytest
import yaml

from migtest.cli import EXIT_OK, EXIT_USAGE
from migtest.docker import RUN_LABEL

CONTEXT = machine.IMAGES / "shell-form-app"
SIGTERM_EXIT = 128 + 15


@pytest.fixture(scope="session")
def shell_form_images(app_image) -> dict[str, str]:
    """Release 1 started by a shell-form CMD, as it is and with tini or dumb-init as its entrypoint."""
    args = {"APP": app_image("1")}
    images = {"sh": machine.ensure_image("migtest-test/shell-form-app:1", CONTEXT, args)}
    for init in ("tini", "dumb-init"):
        tag = f"migtest-test/shell-form-app:{init}"
        images[init] = machine.ensure_image(tag, CONTEXT, {**args, "INIT": init}, dockerfile="with-init.Dockerfile")
    return images


def write_config(folder: Path, images: dict[str, str], **app: object) -> Path:
    settings = {
        "migrations": {"tool": "on-start", "table": "alembic_version"},
        "app": {"health": "http://{host}:{port}/health", "ready_log": "^ready: ", "ready_timeout": 60, **app},
        "versions": [{"name": name, "image": image} for name, image in images.items()],
        "matrix": {"fresh": True, "upgrade": "none", "downgrade": "none"},
        "verify": {"api": [{"path": "/items", "items": "items", "next": "next"}]},
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "migtest.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


@contextlib.contextmanager
def exits(client: docker.DockerClient) -> Iterator[dict[str, int]]:
    """The exit code of each app container of migtest that ends meanwhile, by name, from the
    engine's live `die` events (its buffer of past events is too short on a shared engine)."""
    stream = client.events(filters={"event": "die", "label": RUN_LABEL}, decode=True)
    ended: dict[str, int] = {}

    def read() -> None:
        with contextlib.suppress(Exception):  # the stream closed under it
            for event in stream:
                container = event["Actor"]["Attributes"]
                if "-app-" in container["name"]:
                    ended[container["name"]] = int(container["exitCode"])

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield ended
    finally:
        stream.close()
        reader.join(timeout=10)


def test_apps_ignoring_sigterm_are_ended_by_it_through_init(
    tmp_path, shell_form_images, run_migtest, leftovers, client
):
    config = write_config(tmp_path, shell_form_images)
    starts = 2 * len(shell_form_images)  # per version: its fresh install, then its verification

    with exits(client) as ended:
        outcome = run_migtest(config)
        run_id = re.search(r"^run id (\w+):", outcome.output, re.M).group(1)

        def runs() -> dict[str, int]:
            return {name: code for name, code in ended.items() if name.startswith(f"migtest-{run_id}-")}

        machine.wait_for(lambda: len(runs()) >= starts, f"{starts} app containers' die events", timeout=30)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert len(runs()) == starts, runs()
    assert set(runs().values()) == {SIGTERM_EXIT}, runs()  # 137: killed after the whole grace
    assert {outcome.check(f"fresh-{name}", "app")["status"] for name in shell_form_images} == {"passed"}
    assert leftovers() == {}


@pytest.mark.parametrize("value", [0, 2.5, "soon", -1])
def test_a_bad_stop_timeout_is_exit_2_naming_the_key(tmp_path, shell_form_images, run_migtest, leftovers, value):
    config = write_config(tmp_path, {"sh": shell_form_images["sh"]}, stop_timeout=value)

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "app.stop_timeout" in outcome.output and "whole number" in outcome.output, outcome.output
    assert leftovers() == {}
