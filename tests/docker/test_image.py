"""The migtest image (the repository's Dockerfile, as the release workflow builds it) holds what a
run needs and no more: `git` alone for versions given as `ref:`, without the Debian package's
Perl, curl and manuals; no pip; under 250 MB on a base trimmed as python:3.12-slim's is."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from test_in_container import RUN_TIMEOUT, migtest_in_container

from migtest.cli import EXIT_OK

FIXTURES = Path(__file__).parent.parent / "fixtures"
MAX_SIZE = 250_000_000


def test_versions_given_as_git_refs_are_read_in_the_image(tmp_path, client, migtest_image, git_history):
    released = tmp_path / "released"
    shutil.copytree(FIXTURES / "golang-migrate", released)
    for path in released.glob("migrations/3_*"):
        path.unlink()
    repository = git_history([("r2", released), ("r3", FIXTURES / "golang-migrate")])
    config = yaml.safe_load((repository / "migtest.yml").read_text())
    config["versions"] = [{"name": "2", "ref": "r2", "revision": "2"}, {"name": "3", "ref": "r3", "revision": "3"}]
    config["matrix"] = {"fresh": False, "downgrade": "none"}
    (repository / "migtest.yml").write_text(yaml.safe_dump(config, sort_keys=False))

    with migtest_in_container(client, migtest_image, repository, "run") as migtest:
        code = migtest.container.wait(timeout=RUN_TIMEOUT)["StatusCode"]
        output = migtest.logs()

    assert code == EXIT_OK, output
    results = json.loads((repository / "migtest-results" / "results.json").read_text())
    assert [(s["id"], s["status"]) for s in results["scenarios"]] == [("upgrade-2-to-3", "passed")]


# what installs and what only reaches remotes, which the image had before
NOT_RUN = [
    "/opt/migtest/bin/pip",
    "/usr/lib/git-core/git-remote-http",
    "/usr/share/perl5/Error.pm",
    "/usr/share/doc/git",
]


def test_the_image_is_under_250_mb_without_what_only_installs(client, migtest_image):
    image = client.images.get(migtest_image)
    present = client.containers.run(
        migtest_image,
        ["-c", 'for p in "$@"; do [ ! -e "$p" ] || echo "$p"; done', "sh", *NOT_RUN],
        entrypoint="sh",
        remove=True,
    )

    assert image.attrs["Size"] < MAX_SIZE, f"{image.attrs['Size'] / 1e6:.0f} MB"
    assert present.decode().split() == []
