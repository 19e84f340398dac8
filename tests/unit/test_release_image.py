"""action.yml runs the image the release workflow pushes for pyproject.toml's version. The
workflow's own step that names the image runs here (in bash, as on the runner, on copies of the
repository's files), and its outputs fill in the tags build-push-action pushes."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).parent.parent.parent
WORKFLOW = yaml.safe_load((REPOSITORY / ".github/workflows/release.yml").read_text())
STEPS = WORKFLOW["jobs"]["image"]["steps"]
VERSION = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]["version"]


def action_image() -> str:
    return yaml.safe_load((REPOSITORY / "action.yml").read_text())["runs"]["image"].removeprefix("docker://")


def step(uses: str | None = None, id: str | None = None) -> dict:
    return next(s for s in STEPS if (uses and s.get("uses", "").startswith(uses)) or (id and s.get("id") == id))


def name_the_image(tmp_path: Path, tag: str, owner: str, action: str | None = None) -> subprocess.CompletedProcess:
    """The `image` step as the runner runs it (`bash --noprofile --norc -eo pipefail`), in a
    checkout holding pyproject.toml and action.yml (or the `action` text given)."""
    (tmp_path / "pyproject.toml").write_bytes((REPOSITORY / "pyproject.toml").read_bytes())
    (tmp_path / "action.yml").write_text(action or (REPOSITORY / "action.yml").read_text())
    environment = {"GITHUB_REF_NAME": tag, "GITHUB_REPOSITORY_OWNER": owner, "GITHUB_OUTPUT": str(tmp_path / "out")}
    (tmp_path / "out").write_text("")
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step(id="image")["run"]],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", **environment},
        capture_output=True,
        text=True,
        timeout=30,
    )


def pushed_tags(outputs_file: Path) -> set[str]:
    """build-push-action's `tags`, with the image step's outputs put in."""
    outputs = dict(line.split("=", 1) for line in outputs_file.read_text().splitlines())
    tags = step(uses="docker/build-push-action")["with"]["tags"]
    filled = re.sub(r"\$\{\{ steps\.image\.outputs\.(\w+) \}\}", lambda match: outputs[match[1]], tags)
    return set(filled.split())


def test_the_action_runs_the_image_the_release_pushes_for_the_packages_version(tmp_path):
    match = re.fullmatch(r"ghcr\.io/([a-z0-9-]+)/migtest:(.+)", action_image())
    assert match, action_image()
    owner, version = match.groups()
    assert version == VERSION

    named = name_the_image(tmp_path, f"v{VERSION}", owner.upper())  # ghcr.io wants it lowercase

    assert named.returncode == 0, named.stdout + named.stderr
    assert pushed_tags(tmp_path / "out") == {action_image(), f"ghcr.io/{owner}/migtest:{VERSION.split('.')[0]}"}


def test_the_release_builds_the_repositorys_dockerfile_for_both_architectures_on_a_version_tag():
    build = step(uses="docker/build-push-action")["with"]
    assert (build["context"], build["platforms"], build["push"]) == (".", "linux/amd64,linux/arm64", True)
    assert "file" not in build  # the Dockerfile at the top, which forks may build instead
    assert WORKFLOW[True] == {"push": {"tags": ["v*"]}}  # YAML 1.1 reads the key `on` as true
    assert WORKFLOW["permissions"]["packages"] == "write"
    for action in ("docker/setup-qemu-action", "docker/setup-buildx-action", "docker/login-action"):
        assert STEPS.index(step(uses=action)) < STEPS.index(step(uses="docker/build-push-action"))
    assert step(uses="docker/login-action")["with"]["registry"] == "ghcr.io"


def test_a_tag_other_than_the_packages_version_publishes_nothing(tmp_path):
    named = name_the_image(tmp_path, "v99.0.0", "org")

    assert named.returncode == 1
    assert f"::error::the tag v99.0.0 is not v + pyproject.toml's version ({VERSION})" in named.stdout
    assert (tmp_path / "out").read_text() == ""


def test_an_action_naming_another_image_publishes_nothing(tmp_path):
    stale = (REPOSITORY / "action.yml").read_text().replace(action_image(), "ghcr.io/org/migtest:0.0.9")

    named = name_the_image(tmp_path, f"v{VERSION}", "org", action=stale)

    assert named.returncode == 1
    assert f"::error file=action.yml::runs.image must be docker://ghcr.io/org/migtest:{VERSION}" in named.stdout
