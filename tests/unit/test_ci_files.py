"""action.yml and the CI files the README shows, checked against the schemas GitHub and GitLab
publish (check-jsonschema ships them), and against what migtest reads and writes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from migtest.reports.codequality import FILE_NAME

REPOSITORY = Path(__file__).parent.parent.parent
ACTION_INPUTS = {
    "command": "run",
    "config": "migtest.yml",
    "working_directory": ".",
    "database_url": "",
    "report_dir": "",
    "jobs": "",
    "scenarios": "",
    "merge_dirs": "",
    "fail_on_failure": "true",
    "comment": "false",
    "comment_name": "",
    "token": "${{ github.token }}",
}


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("action.yml", "vendor.github-actions"),
        (".github/workflows/release.yml", "vendor.github-workflows"),
        ("examples/ci/github-workflow.yml", "vendor.github-workflows"),
        ("examples/ci/gitlab-ci.yml", "vendor.gitlab-ci"),
    ],
)
def test_file_is_valid_against_the_published_schema(path, schema):
    check = subprocess.run(
        [Path(sys.executable).with_name("check-jsonschema"), "--builtin-schema", schema, path],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_action_inputs_are_snake_case_with_their_defaults_and_outputs_are_declared():
    action = yaml.safe_load((REPOSITORY / "action.yml").read_text())
    assert {name: spec.get("default") for name, spec in action["inputs"].items()} == ACTION_INPUTS
    assert all(re.fullmatch(r"[a-z_]+", name) for name in action["inputs"])  # INPUT_* names a shell can read
    reports = {"html", "results", "junit", "summary", "code_quality"}
    assert set(action["outputs"]) == {"passed", "failed", "matrix", *reports}
    assert action["runs"]["using"] == "docker"  # its image: test_release_image.py


def test_workflow_uses_only_the_actions_inputs():
    workflow = yaml.safe_load((REPOSITORY / "examples/ci/github-workflow.yml").read_text())
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    ours = [step for step in steps if step["uses"].startswith("org/migration-test-action")]
    assert len(ours) == 3
    assert all(set(step.get("with", {})) <= set(ACTION_INPUTS) for step in ours)


def test_gitlab_job_reports_what_migtest_writes():
    job = yaml.safe_load((REPOSITORY / "examples/ci/gitlab-ci.yml").read_text())["migtest"]
    assert job["artifacts"]["reports"] == {
        "junit": "migtest-results/junit.xml",
        "codequality": f"migtest-results/{FILE_NAME}",
    }
    assert job["variables"]["DOCKER_HOST"] == "tcp://docker:2375"
