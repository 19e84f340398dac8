"""`migtest cleanup` after `kill -9`: the run's databases on a `database.url` server and its
temporary folder go (as its Docker objects did), found by the run id every run prints first;
without `--run`, only runs whose process has ended are cleaned."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from held import Hold, start_held_shop
from integration_support import cleanup, run_databases, scratch_folder
from started import Started

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
