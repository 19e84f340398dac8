"""Scenarios run in parallel (--jobs) report exactly what a run with one job reports, in plan order;
--no-reuse (each scenario installs its from-release itself) reaches the same verdicts.

The project is alembic-base plus a faulty release 2.0 (it drops a column holding data, and its
downgrade restores nothing), so the run has passing and failing scenarios to tell apart.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from migtest.cli import EXIT_USAGE, main
from migtest.config import load_config
from migtest.databases.sqlite import SqliteServer
from migtest.migrators import UPGRADE
from migtest.migrators.alembic import DRIVER, AlembicMigrator
from migtest.sources import Workspace

HEADER = re.compile(r"\[(\d+)/(\d+)\] (.+)")
VERDICT = re.compile(r"(PASSED|FAILED|SKIPPED): (.+) \(\d+\.\ds\)")
SECONDS = re.compile(r"\d+\.\d+s\b")
DROP_NICKNAME = """
with op.batch_alter_table("users") as batch:
    batch.drop_column("nickname")
"""


@pytest.fixture
def faulty_release(fixture_project):
    project = fixture_project("alembic-base")
    project.revision("0003", "0002", DROP_NICKNAME)
    project.add_version("2.0", "0003")
    return project


def verdicts(outcome: Any) -> list[tuple[str, str, dict[str, str]]]:
    assert outcome.results is not None, outcome.output
    return [(s["id"], s["status"], {c["name"]: c["status"] for c in s["checks"]}) for s in outcome.results["scenarios"]]


def blocks(output: str) -> list[tuple[str, list[str]]]:
    """The console's scenario blocks, (title, lines without timings), failing if two interleave.
    The fresh-install lines of a release are left out: whichever scenario needs it first builds it."""
    found: list[tuple[str, list[str]]] = []
    title, lines = None, []
    for line in output.splitlines():
        if header := HEADER.fullmatch(line):
            assert title is None, f"the block of '{title}' is interrupted by '{line}'"
            title, lines = header[3], [f"[{header[1]}/{header[2]}]"]
        elif verdict := VERDICT.fullmatch(line):
            assert verdict[2] == title, f"'{line}' ends the block of '{title}'"
            found.append((title, [*lines, verdict[1]]))
            title = None
        elif title is not None and "(fresh, reused for the run)" not in line:
            lines.append(SECONDS.sub("_s", line))
    assert title is None, f"the block of '{title}' never ends"
    return found


def test_parallel_run_reports_like_one_job_in_plan_order(faulty_release, run_migtest):
    planned = json.loads(run_migtest(faulty_release.config, "--format", "json", command="plan").output)
    one_job = run_migtest(faulty_release.config, "--jobs", "1")
    parallel = run_migtest(faulty_release.config, "--jobs", "3")

    assert parallel.exit_code == one_job.exit_code == 1, parallel.output
    assert [scenario_id for scenario_id, _, _ in verdicts(parallel)] == [s["id"] for s in planned["scenarios"]]
    assert verdicts(parallel) == verdicts(one_job)
    assert {status for _, status, _ in verdicts(parallel)} == {"passed", "failed"}
    assert blocks(parallel.output) == blocks(one_job.output)
    assert len(blocks(parallel.output)) == len(planned["scenarios"])


def test_no_reuse_installs_every_scenario_and_reaches_the_same_verdicts(faulty_release, run_migtest):
    reused = run_migtest(faulty_release.config)
    rebuilt = run_migtest(faulty_release.config, "--no-reuse")

    assert verdicts(rebuilt) == verdicts(reused)
    phases = {s["id"]: [p["name"] for p in s["phases"]] for s in rebuilt.results["scenarios"]}
    assert not any("provision" in names for names in phases.values())
    assert "install 1.0" in phases["upgrade-1.0-to-1.1"] and "install 2.0" in phases["downgrade-2.0-to-1.1"]


def test_jobs_must_be_at_least_one(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["run", "--jobs", "0"])
    assert stopped.value.code == EXIT_USAGE
    assert "argument --jobs: expected a whole number of at least 1, got '0'" in capsys.readouterr().err


# Put ahead of env.py: each command waits (bounded) until the three others of its round of four
# run too, so that they run side by side whatever the scheduling; were one worker to serve them in
# turn, the first would wait alone and fail, saying so.
SIDE_BY_SIDE = """
import pathlib
import time
import uuid

_arrivals, _me = pathlib.Path(ARRIVALS), uuid.uuid4().hex
with open(_arrivals, "a") as _mark:
    _mark.write(_me + "\\n")
_round_end = (_arrivals.read_text().split().index(_me) // 4 + 1) * 4
_deadline = time.monotonic() + 120
while len(_arrivals.read_text().split()) < _round_end:
    if time.monotonic() > _deadline or _arrivals.with_suffix(".failed").exists():  # the others need not wait
        _arrivals.with_suffix(".failed").touch()
        raise RuntimeError(f"{len(_arrivals.read_text().split())} of {_round_end} commands ran side by side")
    time.sleep(0.01)
"""


def test_alembic_workers_serve_threads_side_by_side_and_close(fixture_project, tmp_path):
    project = fixture_project("alembic-base")
    env = project.root / "migrations" / "env.py"
    env.write_text(SIDE_BY_SIDE.replace("ARRIVALS", repr(str(tmp_path / "arrivals"))) + env.read_text())
    config = load_config(str(project.config))
    workspace = Workspace(config.version("1.1"), config.root, config.root)
    server = SqliteServer(tmp_path)
    migrator = AlembicMigrator(config.migrations)
    try:
        for round_ in range(2):
            databases = [server.create(f"round{round_}-{n}") for n in range(4)]
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda database: migrator.migrate(workspace, database, UPGRADE, "0002"), databases))
            assert [migrator.current(workspace, database) for database in databases] == ["0002"] * 4
            assert len(workers()) == 4, "a worker per command running, the idle ones reused in the next round"
    finally:
        migrator.close()
        server.close()
    assert workers() == []


def workers() -> list[str]:
    """This process's Alembic workers."""
    found = subprocess.run(["pgrep", "-P", str(os.getpid()), "-f", str(DRIVER)], capture_output=True, text=True)
    return found.stdout.split()
