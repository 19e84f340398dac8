"""`migtest cleanup` after `kill -9`: the run's databases on a `database.url` server and its
temporary folder go (as its Docker objects did), found by the run id every run prints first;
without `--run`, only runs whose process has ended are cleaned."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import tempfile
from pathlib import Path

import docker
import pytest
from held import Hold, start_held_shop
from integration_support import cleanup, run_databases, scratch_folder
from started import Started

import migtest.docker as docker_module
from migtest.commands.cleanup import clean
from migtest.docker import RUN_LABEL

NO_DOCKER = "unix:///nonexistent/docker.sock"  # other test sessions' containers share the engine


def shop_run(config: Path, scratch: Path, url: str, name: str) -> tuple[Started, Hold]:
    """The alembic-shop example run on the server, held mid-run (its hold folder named `name`)."""
    return start_held_shop(
        config.parent,
        config.parent.parent / name,
        "run",
        "-c",
        config,
        "--jobs",
        "1",
        "--database-url",
        url,
        env={"TMPDIR": str(scratch)},
    )


def killed_mid_run(config: Path, scratch: Path, url: str) -> str:
    """kill -9 of the run and of the migration it was running, as a CI job's whole process tree."""
    run, hold = shop_run(config, scratch, url, "killed")
    run.process.kill()
    hold.kill_holder()
    run.finish()
    return run.run_id


@pytest.mark.parametrize("server", ["postgres_host", "mariadb_host"])
def test_cleanup_of_a_killed_run_removes_its_databases_and_folder(project, tmp_path, request, server):
    url = request.getfixturevalue(server).url
    scratch = scratch_folder(tmp_path)
    run_id = killed_mid_run(project("alembic-shop") / "migtest.yml", scratch, url)
    left = run_databases(url, run_id)
    assert left, "the killed run left no database: nothing to test"
    assert [path.name for path in scratch.iterdir() if path.name.startswith(f"migtest-{run_id}-")]

    output = cleanup(scratch, "--run", run_id, "--database-url", url)

    assert all(f"removed database {name}" in output for name in left), output
    assert run_databases(url, run_id) == []
    assert not [path for path in scratch.iterdir() if path.name.startswith(f"migtest-{run_id}-")], output


def test_cleanup_without_run_leaves_runs_still_alive(project, tmp_path, postgres_host):
    scratch = scratch_folder(tmp_path)
    config = project("alembic-shop") / "migtest.yml"
    killed = killed_mid_run(config, scratch, postgres_host.url)
    alive, _ = shop_run(config, scratch, postgres_host.url, "alive")

    output = cleanup(scratch, "--database-url", postgres_host.url, docker_host=NO_DOCKER)

    assert run_databases(postgres_host.url, killed) == [], output
    assert run_databases(postgres_host.url, alive.run_id), output
    assert [path.name.split("-")[1] for path in scratch.iterdir()] == [alive.run_id], output
    alive.send(signal.SIGTERM)
    code, run_output = alive.finish()
    assert code == 130, run_output
    assert run_databases(postgres_host.url, alive.run_id) == []


def test_cleanup_without_run_spares_the_docker_objects_of_runs_still_alive(tmp_path, client, monkeypatch):
    """On a runner shared by jobs, a cleanup in one job must not pull containers from under
    another job's run; a run whose process ended, and one this machine has no folder of, go.
    Only this test's volumes are looked at (its own label), so other sessions' runs are safe."""
    scratch = scratch_folder(tmp_path)
    runs = {"alive": secrets.token_hex(4), "ended": secrets.token_hex(4), "unknown": secrets.token_hex(4)}
    (scratch / f"migtest-{runs['alive']}-{os.getpid()}-x").mkdir()
    (scratch / f"migtest-{runs['ended']}-{ended_pid()}-x").mkdir()
    mine = {"migtest.test": secrets.token_hex(4)}
    for run in runs.values():
        client.volumes.create(f"migtest-test-{run}", labels={RUN_LABEL: run, **mine})
    selected = docker_module.remove_labelled
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(docker_module, "remove_labelled", lambda c, labels, **kw: selected(c, labels | mine, **kw))
    try:
        removed = clean(None, None, None)

        left = [
            volume.name for volume in client.volumes.list(filters={"label": f"migtest.test={mine['migtest.test']}"})
        ]
        assert left == [f"migtest-test-{runs['alive']}"], removed
        assert [path.name.split("-")[1] for path in scratch.iterdir()] == [runs["alive"]], removed
    finally:
        for run in runs.values():
            with contextlib.suppress(docker.errors.NotFound):
                client.volumes.get(f"migtest-test-{run}").remove(force=True)


def ended_pid() -> int:
    """The pid of a process that has ended (and, just reaped, is not reused yet)."""
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid
