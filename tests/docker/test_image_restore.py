"""`seed.restore` in the migtest image, which carries psql, pg_restore and mariadb (as mysql too):
a pg_dump custom archive and a mysqldump of release 1.0 of tests/fixtures/alembic-base, made by
this machine's clients, are restored by the image's into real servers and upgraded. migtest's
container shares the host's network, where the test servers listen.

An archive from a newer pg_dump than the image's pg_restore (its header says so) fails `seed` with
pg_restore's own reason, without a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from snapshots import AWKWARD, ROWS, make_snapshot, production
from test_in_container import RUN_TIMEOUT, migtest_in_container

from migtest.cli import EXIT_FAILED, EXIT_OK

FIXTURES = Path(__file__).parent.parent / "fixtures"
UPGRADE = "upgrade-1.0-to-1.1"
# A custom archive's header: "PGDMP", then the archive format's major, minor and revision numbers.
FORMAT_MINOR = 6
NEWER_FORMAT = 16  # pg_dump 17's archives are format 1.16; the image's pg_restore 15 reads up to 1.14


def snapshot_project(tmp_path: Path, database_config: dict[str, str], form: str, snapshot: str) -> Path:
    """alembic-base on the test's server, seeded by restoring its 1.0 snapshot, checked for its rows."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "alembic-base", project, ignore=shutil.ignore_patterns("__pycache__"))
    with production(tmp_path, database_config, project) as database:
        make_snapshot(database.url, form, project / "snapshots" / snapshot)
    settings = yaml.safe_load((project / "migtest.yml").read_text())
    settings["database"] = database_config
    settings["seed"] = {"restore": f"snapshots/{{version}}{Path(snapshot).suffix}"}
    settings["checks"] = {
        "sql": [
            {"name": "every row restored", "query": "SELECT count(*) FROM users", "expect": [[ROWS]]},
            {"name": "values as dumped", "query": f"SELECT name FROM users WHERE id = {ROWS}", "expect": [[AWKWARD]]},
        ]
    }
    (project / "migtest.yml").write_text(yaml.safe_dump(settings, sort_keys=False))
    return project


def run_in_image(client, image: str, project: Path) -> tuple[int, str, dict[str, Any]]:
    """The upgrade scenario run by the image on the host's network; its exit code, output and checks."""
    with migtest_in_container(client, image, project, "run", "--only", UPGRADE, network_mode="host") as migtest:
        code = migtest.container.wait(timeout=RUN_TIMEOUT)["StatusCode"]
        output = migtest.logs()
    results = json.loads((project / "migtest-results" / "results.json").read_text())
    scenario = next(s for s in results["scenarios"] if s["id"] == UPGRADE)
    return code, output, {check["name"]: check for check in scenario["checks"]}


@pytest.mark.parametrize(
    ("database_config", "form", "snapshot"),
    [("postgres", "custom", "1.0.dump"), ("mariadb", "mysqldump", "1.0.sql")],
    indirect=["database_config"],
)
def test_the_image_restores_server_snapshots(tmp_path, client, migtest_image, database_config, form, snapshot):
    project = snapshot_project(tmp_path, database_config, form, snapshot)

    code, output, checks = run_in_image(client, migtest_image, project)

    assert code == EXIT_OK, output
    assert checks["sql: every row restored"]["status"] == checks["sql: values as dumped"]["status"] == "passed"


@pytest.mark.parametrize("database_config", ["postgres"], indirect=True)
def test_an_archive_newer_than_the_images_pg_restore_fails_seed_with_its_reason(
    tmp_path, client, migtest_image, database_config
):
    project = snapshot_project(tmp_path, database_config, "custom", "1.0.dump")
    archive = project / "snapshots" / "1.0.dump"
    header = bytearray(archive.read_bytes())
    header[FORMAT_MINOR] = NEWER_FORMAT
    archive.write_bytes(bytes(header))

    code, output, checks = run_in_image(client, migtest_image, project)

    assert code == EXIT_FAILED, output
    assert "Traceback" not in output
    assert checks["seed"]["status"] == "failed", checks["seed"]
    assert f"the archive (format 1.{NEWER_FORMAT}) is from a newer pg_dump" in checks["seed"]["summary"]
    assert f"unsupported version (1.{NEWER_FORMAT}) in file header" in "".join(checks["seed"]["evidence"])
