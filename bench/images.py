"""migtest on container images against the way home-grown suites test them, on examples/docker-app.

Runs, one after the other on the same Docker engine, the upgrade chain 1 -> 2 -> 3 -> 4 plus the
skip 1 -> 4 of the example app (SQLite on a volume, four items seeded through the API):
  fixed    the seed suite's way: per scenario a volume, start the older release, sleep 3 s, POST
           the items, stop it, start the newer release, sleep 5 s, GET the items, stop; one
           scenario at a time, nothing compared but the item count;
  migtest  `migtest run` on the same matrix: readiness polled, schema, rows, content,
           idempotency, API and previous-release checks, scenarios in parallel (--jobs).

Prints both wall times and their ratio. With --stop, instead: seconds per start and stop of the
app as migtest does it (copy the SQLite file in, start, wait until ready, stop, copy it back), for
release 1 as it is (its app ends on SIGTERM: the floor) and started by a shell-form CMD (/bin/sh as
PID 1 ignores SIGTERM), each against its readiness time; best of --rounds.

The images are built as the tests build them (a Debian base made with debootstrap, no registry
needed). Usage: python bench/images.py [--jobs N] | --stop [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import docker
import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import machine

from migtest.config import AppConfig, Version
from migtest.databases.sqlite import SqliteServer
from migtest.docker import DockerEngine
from migtest.docker.app import ImageRunner
from migtest.sources import Workspace

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "docker-app"
BASE = "migtest-test/app-base:1"
RELEASES = ["1", "2", "3", "4"]
PAIRS = [("1", "2"), ("2", "3"), ("3", "4"), ("1", "4")]
ITEMS = ["lamp", "desk", "chair", "shelf"]
STARTUP_WAIT, UPGRADE_WAIT = 3, 5  # the seed suite's fixed sleeps
LABELS = {"migtest.bench": "1"}


def image(release: str) -> str:
    machine.ensure_image(BASE, EXAMPLE / "base", args={"DEBIAN": machine.BASE_IMAGE})
    return machine.ensure_image(f"migtest-test/app:{release}", EXAMPLE, args={"BASE": BASE, "RELEASE": release})


def shell_form_image() -> str:
    return machine.ensure_image("migtest-test/shell-form-app:1", machine.IMAGES / "shell-form-app", {"APP": image("1")})


def start_stop(runner: ImageRunner, tag: str, folder: Path) -> tuple[float, float]:
    """Seconds of one start and stop of the app as migtest runs it, and its readiness time within."""
    workspace = Workspace(Version(name="1", image=tag), folder, folder, image=tag)
    database = SqliteServer(folder).create(f"stop-{time.monotonic_ns()}")
    started = time.perf_counter()
    with runner.app_running(workspace, database, f"start {tag}") as app:
        ready = app.ready_seconds
    return time.perf_counter() - started, ready


def stop_figures(rounds: int, folder: Path) -> None:
    apps: dict[str, Callable[[], str]] = {"ends on SIGTERM": lambda: image("1"), "shell-form CMD": shell_form_image}
    docker_engine = DockerEngine()
    runner = ImageRunner(AppConfig(health="http://{host}:{port}/health", ready_timeout=60), docker_engine)
    try:
        best = {name: min(start_stop(runner, tag(), folder) for _ in range(rounds)) for name, tag in apps.items()}
    finally:
        docker_engine.remove_run()
    floor = best["ends on SIGTERM"][0]
    print(f"one start + stop of examples/docker-app release 1 as migtest runs it, best of {rounds}")
    for name, (total, ready) in best.items():
        beyond = f"ready after {ready:4.2f}s, {total - ready:5.2f}s more"
        print(f"  {name:16} {total:5.2f}s ({beyond})  {total / floor:5.2f}x")


def fixed_waits(client: docker.DockerClient) -> float:
    started = time.perf_counter()
    for older, newer in PAIRS:
        volume = client.volumes.create(labels=LABELS)
        try:
            app = start(client, older, volume.name, STARTUP_WAIT)
            for name in ITEMS:
                requests.post(f"{app[1]}/items", json={"name": name}, timeout=10).raise_for_status()
            app[0].remove(force=True)
            app = start(client, newer, volume.name, UPGRADE_WAIT)
            count = len(requests.get(f"{app[1]}/items", timeout=10).json()["items"])
            print(f"  fixed   {older} -> {newer}: {count} item(s) on the first page")
            app[0].remove(force=True)
        finally:
            volume.remove(force=True)
    return time.perf_counter() - started


def start(client: docker.DockerClient, release: str, volume: str, wait: float):
    container = client.containers.run(
        image(release),
        detach=True,
        labels=LABELS,
        volumes={volume: {"bind": "/data", "mode": "rw"}},
        ports={"8000/tcp": ("127.0.0.1", None)},
    )
    time.sleep(wait)  # what the seed suite does; the point of the comparison
    container.reload()
    port = container.attrs["NetworkSettings"]["Ports"]["8000/tcp"][0]["HostPort"]
    return container, f"http://127.0.0.1:{port}"


def migtest_matrix(folder: Path, jobs: int) -> float:
    config = {
        "migrations": {"tool": "on-start", "table": "alembic_version"},
        "app": {"health": "http://{host}:{port}/health", "ready_timeout": 60},
        "versions": [{"name": release, "image": image(release)} for release in RELEASES],
        "matrix": {"fresh": False, "upgrade": "chain", "skip": [["1", "4"]], "downgrade": "none"},
        "seed": {"api": [{"path": "/items", "json": {"name": name}} for name in ITEMS]},
        "verify": {"api": [{"path": "/items", "items": "items", "next": "next"}]},
    }
    path = folder / "migtest.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    started = time.perf_counter()
    command = [sys.executable, "-m", "migtest", "run", "-c", str(path), "--jobs", str(jobs)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"migtest run failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--stop", action="store_true", help="seconds per start and stop of an app ignoring SIGTERM")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.stop:
        with machine.docker_engine(), tempfile.TemporaryDirectory(prefix="migtest-bench-") as workdir:
            stop_figures(args.rounds, Path(workdir))
        return
    with machine.docker_engine(), tempfile.TemporaryDirectory(prefix="migtest-bench-") as workdir:
        for release in RELEASES:
            image(release)
        fixed = fixed_waits(docker.from_env())
        ours = migtest_matrix(Path(workdir), args.jobs)
    print(f"example image matrix, {len(PAIRS)} upgrade scenarios")
    print(f"  fixed 3 s + 5 s waits, one at a time  {fixed:6.1f}s")
    print(f"  migtest run --jobs {args.jobs:<2}, every check    {ours:6.1f}s")
    print(f"  ratio migtest / fixed waits           {ours / fixed:6.2f}x")


if __name__ == "__main__":
    main()
