"""The GitHub Action run the way GitHub runs a Docker container action: the repository's image
(Dockerfile and entrypoint.py, built from a local base and host-built wheels), no arguments, the
inputs as INPUT_* variables, the workspace mounted at /github/workspace as the working directory,
the runner's file commands folder mounted for GITHUB_STEP_SUMMARY and GITHUB_OUTPUT, the engine's
socket mounted and the container on a network of its own (GitHub's github_network_*). The project
is the example app's release images, so migtest in its container drives sibling containers.
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_in_container import RUN_TIMEOUT, migtest_in_container, remaining, write_config

from migtest.cli import EXIT_FAILED, EXIT_OK

WORKSPACE, FILE_COMMANDS = "/github/workspace", "/github/file_commands"
# GitHub passes every input action.yml declares, those not given with their defaults
ACTION = yaml.safe_load((Path(__file__).parent.parent.parent / "action.yml").read_text())
DEFAULT_INPUTS = {name: spec["default"] for name, spec in ACTION["inputs"].items()}


@pytest.fixture
def github_network(client):
    network = client.networks.create(f"github_network_{secrets.token_hex(6)}")
    yield network.name
    network.remove()


def run_action(client, image: str, network: str, repository: Path, **inputs: str) -> dict[str, Any]:
    """The action's container from start to exit, and what it left for the runner to read."""
    commands = repository.parent / "file_commands"
    commands.mkdir(exist_ok=True)
    summary, output = commands / "step_summary_1", commands / "set_output_1"
    summary.write_text("")
    output.write_text("")
    environment = {
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_WORKSPACE": WORKSPACE,
        "GITHUB_STEP_SUMMARY": f"{FILE_COMMANDS}/{summary.name}",
        "GITHUB_OUTPUT": f"{FILE_COMMANDS}/{output.name}",
        **{f"INPUT_{name.upper()}": value for name, value in (DEFAULT_INPUTS | inputs).items()},
    }
    mounts = {repository: WORKSPACE, commands: FILE_COMMANDS}
    with migtest_in_container(
        client, image, repository, mounts=mounts, environment=environment, working_dir=WORKSPACE, network=network
    ) as action:
        code = action.container.wait(timeout=RUN_TIMEOUT)["StatusCode"]
        run_id = action.run_id()
        log = action.logs()
        return {
            "code": code,
            "log": log,
            "summary": summary.read_text(),
            "outputs": read_outputs(output),
            "annotations": [line for line in log.splitlines() if line.startswith(("::error ", "::warning "))],
            "left": remaining(client, run_id) if run_id else {},
        }


def read_outputs(path: Path) -> dict[str, str]:
    """The runner's reading of $GITHUB_OUTPUT: name<<delimiter blocks."""
    blocks = re.findall(r"^(\w+)<<(\S+)\n(.*?)\n\2$", path.read_text(), re.MULTILINE | re.DOTALL)
    return {name: value for name, _delimiter, value in blocks}


def test_passing_project_sets_outputs_and_summary(tmp_path, client, migtest_image, app_image, github_network):
    repository = tmp_path / "repository"
    (repository / "service").mkdir(parents=True)
    write_config(repository / "service", ["1", "2"], app_image)

    run = run_action(client, migtest_image, github_network, repository, working_directory="service", jobs="2")

    assert run["code"] == EXIT_OK, run["log"]
    assert run["outputs"] == {
        "passed": "4",
        "failed": "0",
        "html": "service/migtest-results/report.html",
        "results": "service/migtest-results/results.json",
        "junit": "service/migtest-results/junit.xml",
        "summary": "service/migtest-results/summary.md",
        "code_quality": "service/migtest-results/gl-code-quality-report.json",
    }
    results = json.loads((repository / run["outputs"]["results"]).read_text())  # the path works on the host
    assert results["totals"] == {"passed": 4, "failed": 0, "skipped": 0}
    assert run["summary"].startswith("## migtest: ✅ every migration held\n")
    assert "| **1** | ✅" in run["summary"] and "| upgrade 1 -> 2 | verify app 2 |" in run["summary"]
    assert run["annotations"] == []
    assert run["log"].count("::group::") == 4
    assert run["left"] == {}


def test_failing_project_annotates_and_fails_the_step(tmp_path, client, migtest_image, app_image, github_network):
    repository = tmp_path / "repository"
    repository.mkdir()
    write_config(repository, ["1", "broken"], app_image)
    entry = next(
        n for n, line in enumerate((repository / "migtest.yml").read_text().splitlines(), 1) if "broken" in line
    )

    run = run_action(client, migtest_image, github_network, repository, scenarios="upgrade-1-to-broken, fresh-1")

    assert run["code"] == EXIT_FAILED, run["log"]
    assert run["outputs"]["passed"] == "1" and run["outputs"]["failed"] == "1"
    # the migrations ran inside the image: the annotation points at the version in migtest.yml
    (error,) = run["annotations"]
    assert error.startswith(
        f"::error file=migtest.yml,line={entry},title=migtest migration::upgrade 1 -> broken: start broken "
    )
    assert "ix_items_sku" in error  # the container's log, on one line
    assert "\n" not in error
    assert "### Failures" in run["summary"] and "CREATE UNIQUE INDEX ix_items_sku" in run["summary"]
    # the app's log is echoed with workflow commands stopped
    token = re.search(r"^::stop-commands::(\w{32})$", run["log"], re.MULTILINE)[1]
    stopped = run["log"].split(f"::stop-commands::{token}")[2].split(f"::{token}::")[0]
    assert "ix_items_sku" in stopped
    assert run["left"] == {}


def test_fail_on_failure_false_passes_the_step_and_bad_input_exits_2(
    tmp_path, client, migtest_image, app_image, github_network
):
    repository = tmp_path / "repository"
    repository.mkdir()
    write_config(repository, ["1", "broken"], app_image)

    run = run_action(client, migtest_image, github_network, repository, scenarios="upgrade-*", fail_on_failure="false")
    assert run["code"] == EXIT_OK, run["log"]
    assert run["outputs"]["failed"] == "1"
    assert "::notice title=migtest::checks failed; the step passes since fail_on_failure is false" in run["log"]

    run = run_action(client, migtest_image, github_network, repository, jobs="many")
    assert run["code"] == 2
    assert (
        "::error title=migtest: bad input::key 'jobs': must be a whole number of at least 1, got 'many'" in run["log"]
    )


def test_plan_sets_the_matrix_output(tmp_path, client, migtest_image, app_image, github_network):
    repository = tmp_path / "repository"
    repository.mkdir()
    write_config(repository, ["1", "2"], app_image)

    run = run_action(client, migtest_image, github_network, repository, command="plan", scenarios="upgrade fresh-*")

    assert run["code"] == EXIT_OK, run["log"]
    assert json.loads(run["outputs"]["matrix"]) == {"scenario": ["fresh-1", "fresh-2", "upgrade-1-to-2"]}
