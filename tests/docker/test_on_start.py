"""Versions that are container images, run on the real Docker engine: the app migrates its
SQLite database (on a volume) when it starts, is seeded and verified through its REST API.

The images are releases of examples/docker-app (see test_example_app.py for what each does):
1-4 are compatible upgrades, 5 renames a column that 4 then cannot read, `broken` fails its
migration once the table holds data, `crash` exits 3 before migrating.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from started import Started

from migtest.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE

SEEDS = [{"path": "/items", "json": {"name": name}} for name in ("lamp {version}", "desk", "chair", "shelf")]
VERIFY = [{"path": "/items", "items": "items", "next": "next"}]
UPGRADE = "python3 -m app.migrate upgrade {target}"
DOWNGRADE = "python3 -m app.migrate downgrade {target}"


def write_config(folder: Path, releases: list[str], app_image, **sections: Any) -> Path:
    """A migtest.yml whose versions are the example app's release images."""
    settings: dict[str, Any] = {
        "migrations": {"tool": "on-start", "table": "alembic_version", "downgrade": DOWNGRADE},
        "app": {"health": "http://{host}:{port}/health", "ready_timeout": 60},
        "versions": [{"name": release, "image": app_image(release)} for release in releases],
        "seed": {"api": SEEDS},
        "verify": {"api": VERIFY},
    }
    for name, value in sections.items():
        settings[name] = {**settings.get(name, {}), **value} if isinstance(value, dict) else value
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "migtest.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


def junit_failures(outcome) -> str:
    return (outcome.report_dir / "junit.xml").read_text()


def test_good_releases_pass_on_a_sqlite_volume_and_leave_nothing(tmp_path, app_image, run_migtest, leftovers):
    config = write_config(tmp_path, ["1", "2", "3", "4"], app_image)

    outcome = run_migtest(config, "--jobs", "4")

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.results["totals"] == {"passed": 10, "failed": 0, "skipped": 0}
    upgrade = {check["name"]: check for check in outcome.scenario("upgrade-3-to-4")["checks"]}
    assert upgrade["rows"]["summary"] == "all 4 row(s) kept"
    assert upgrade["api: GET /items"]["summary"] == "all 4 expected object(s) found among 4 item(s)"
    assert upgrade["migration"]["summary"] == "ended at revision r4_description"
    assert upgrade["previous-release"]["summary"] == "3 still serves the migrated database (1 listing(s) read)"
    figures = {phase["name"]: phase["figures"] for phase in outcome.scenario("upgrade-3-to-4")["phases"]}
    assert set(figures["upgrade"]) == {"ready_seconds", "peak_memory_mib", "cpu_seconds"}, figures
    assert 0 < figures["upgrade"]["ready_seconds"] < 60 and figures["upgrade"]["peak_memory_mib"] > 1
    assert "| upgrade 3 -> 4 | verify app 4 |" in (outcome.report_dir / "summary.md").read_text()
    images = [(phase["name"], phase["detail"]) for phase in outcome.results["startup"][1:]]
    assert images == [(f"image {version}", app_image(version)) for version in ("1", "2", "3", "4")]
    downgrade = {check["name"]: check["status"] for check in outcome.scenario("downgrade-2-to-1")["checks"]}
    assert downgrade["downgrade"] == downgrade["api: GET /items"] == "passed"
    assert leftovers() == {}


def test_broken_release_fails_migration_with_the_container_log_in_junit(tmp_path, app_image, run_migtest, leftovers):
    config = write_config(tmp_path, ["1", "broken"], app_image, matrix={"downgrade": "none", "fresh": False})

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_FAILED, outcome.output
    migration = outcome.check("upgrade-1-to-broken", "migration")
    assert migration["status"] == "failed"
    assert migration["summary"] == (
        "start broken (migtest-test/app:broken): the container exited with code 1 before it was ready"
    )
    assert "CREATE UNIQUE INDEX ix_items_sku ON items (sku)" in migration["evidence"][0]
    assert outcome.failed_checks("upgrade-1-to-broken") == {"migration"}
    junit = junit_failures(outcome)
    assert 'failure type="migration"' in junit and "ix_items_sku" in junit
    assert leftovers() == {}


def test_crashing_release_fails_fast(tmp_path, app_image, run_migtest):
    config = write_config(
        tmp_path, ["1", "crash"], app_image, matrix={"fresh": False, "downgrade": "none"}, app={"ready_timeout": 600}
    )

    started = time.monotonic()
    outcome = run_migtest(config, "--only", "upgrade-*")

    assert time.monotonic() - started < 300, "waited for the readiness timeout, not the crash"
    migration = outcome.check("upgrade-1-to-crash", "migration")
    assert (
        migration["summary"]
        == "start crash (migtest-test/app:crash): the container exited with code 3 before it was ready"
    )
    assert "RuntimeError: release crash: missing SECRET_KEY" in migration["evidence"][0]
    assert outcome.check("upgrade-1-to-crash", "app")["summary"] == "not run: the migration did not complete"


def test_previous_release_that_cannot_read_the_new_schema(tmp_path, app_image, run_migtest):
    renamed = {"renamed": {"items": {"name": "title"}}}
    verify = {"api": [{**VERIFY[0], "versions": ["4"]}]}
    config = write_config(
        tmp_path, ["4", "5"], app_image, matrix={"fresh": False, "downgrade": "none"}, checks=renamed, verify=verify
    )

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_FAILED, outcome.output
    assert outcome.failed_checks("upgrade-4-to-5") == {"previous-release"}
    check = outcome.check("upgrade-4-to-5", "previous-release")
    assert check["summary"] == "4 against the migrated database: GET /items: expected status 200, got 500"

    config.write_text(config.read_text().replace("ready_timeout: 60", "ready_timeout: 60\n  previous_release: warn"))
    warned = run_migtest(config)
    assert warned.exit_code == EXIT_OK, warned.output
    assert warned.check("upgrade-4-to-5", "previous-release")["status"] == "warned"
    assert "### Warnings" in (warned.report_dir / "summary.md").read_text()


def test_api_checks_fail_on_missing_objects_and_refused_seeds(tmp_path, app_image, run_migtest):
    verify = {"api": [{"path": "/items", "items": "items", "next": "next", "contains": [{"name": "ghost"}]}]}
    seeds = {"api": [*SEEDS, {"path": "/items", "json": {"price_cents": 5}, "versions": ["2"]}]}
    config = write_config(tmp_path, ["1", "2"], app_image, matrix={"fresh": False}, verify=verify, seed=seeds)

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_FAILED, outcome.output
    missing = outcome.check("upgrade-1-to-2", "api: GET /items")
    assert missing["summary"] == "1 of 1 expected object(s) missing among 4 item(s)"
    [evidence] = missing["evidence"]
    assert evidence.splitlines()[0] == '{"name": "ghost"}'
    assert evidence.splitlines()[1].startswith("nearest item read (0 of 1 key(s) equal): ")
    assert evidence.splitlines()[2].startswith('  name: expected "ghost", read "lamp')
    seed = outcome.check("downgrade-2-to-1", "seed")
    assert seed["summary"] == "seeding 2 failed: POST /items: expected status 201, got 400"
    assert "name" in seed["evidence"][0]


def test_command_migrator_runs_in_throwaway_containers_of_the_image(tmp_path, app_image, run_migtest, leftovers):
    migrations = {
        "tool": "command",
        "upgrade": UPGRADE,
        "downgrade": DOWNGRADE,
        "current": "python3 -m app.migrate current",
    }
    versions = [
        {"name": name, "image": app_image(name), "revision": revision}
        for name, revision in (("1", "r1_items"), ("3", "r3_tags"))
    ]
    config = write_config(
        tmp_path,
        [],
        app_image,
        migrations=migrations,
        versions=versions,
        seed={"api": []},
        verify={"api": []},
        checks={"ignore_tables": ["alembic_version"]},
    )
    config.write_text(config.read_text().replace("  table: alembic_version\n", ""))

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check("upgrade-1-to-3", "migration")["summary"] == "ended at revision r3_tags"
    assert outcome.check("downgrade-3-to-1", "downgrade")["status"] == "passed"
    assert leftovers() == {}


def test_missing_image_is_named(tmp_path, app_image, run_migtest, leftovers):
    config = write_config(tmp_path, ["1"], app_image)
    config.write_text(config.read_text().replace("migtest-test/app:1", "migtest-test/app:no-such-release"))

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert (
        "key 'versions[0].image': image 'migtest-test/app:no-such-release' is not on this Docker engine"
        in outcome.output
    )
    assert leftovers() == {}


def test_build_at_a_version_is_built_once_and_removed(tmp_path, app_image, run_migtest, leftovers):
    app_image("1")
    context = Path(__file__).parents[2] / "examples" / "docker-app"
    versions = [
        {"name": "1", "build": {"context": str(context), "args": {"BASE": "migtest-test/app-base:1", "RELEASE": "1"}}},
        {"name": "2", "build": {"context": str(context), "args": {"BASE": "migtest-test/app-base:1", "RELEASE": "2"}}},
    ]
    config = write_config(tmp_path, [], app_image, versions=versions, matrix={"downgrade": "none"})

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert leftovers() == {}
    broken = [{**versions[0], "build": {**versions[0]["build"], "dockerfile": "Nope.dockerfile"}}, versions[1]]
    write_config(tmp_path, [], app_image, versions=broken)
    refused = run_migtest(config)
    assert refused.exit_code == EXIT_USAGE, refused.output
    assert f"key 'versions[0].build': no Nope.dockerfile in {context}" in refused.output


def test_versions_named_in_greek_name_valid_containers_and_images(tmp_path, app_image, run_migtest, leftovers):
    """Docker allows only ASCII in container and image names: the image of version alpha is built
    and its containers run under names made of its digest."""
    app_image("1")
    context = Path(__file__).parents[2] / "examples" / "docker-app"
    versions = [
        {"name": "α", "build": {"context": str(context), "args": {"BASE": "migtest-test/app-base:1", "RELEASE": "1"}}},
        {"name": "β", "image": app_image("2")},
    ]
    config = write_config(tmp_path, [], app_image, versions=versions, matrix={"fresh": False, "downgrade": "none"})

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.scenario("upgrade-α-to-β")["status"] == "passed"
    assert leftovers() == {}


def test_keep_leaves_the_run_and_cleanup_removes_it(tmp_path, app_image, run_migtest, leftovers):
    config = write_config(tmp_path, ["1", "2"], app_image, matrix={"fresh": False, "downgrade": "none"})

    outcome = run_migtest(config, "--keep")

    assert outcome.exit_code == EXIT_OK, outcome.output
    kept = leftovers()
    assert kept["container"] and kept["network"] and kept["volume"], kept
    run_id = outcome.output.split("migtest cleanup --run ")[1].split()[0]
    cleaned = subprocess.run(
        [sys.executable, "-m", "migtest", "cleanup", "--run", run_id], capture_output=True, text=True, check=True
    )
    assert f"removed network migtest-{run_id}" in cleaned.stdout
    assert leftovers() == {}


def test_sigterm_mid_scenario_removes_containers_and_volumes(tmp_path, app_image, leftovers):
    config = write_config(tmp_path, ["1", "2", "3"], app_image)
    run = Started("run", "-c", config, "--jobs", "1")
    # Any moment a container of the run exists is mid-scenario; waiting for a later scenario's
    # line first could find the run over on a loaded machine.
    run.wait_until(lambda: bool(leftovers(run.run_id).get("container")), "a container of the run starting")
    run.send(signal.SIGTERM)
    code, output = run.finish()
    assert code == 130, output
    assert leftovers(run.run_id) == {}


@pytest.mark.parametrize("engine", ["postgres"])
def test_on_start_against_a_server_container(engine, tmp_path, app_image, server_image, run_migtest, leftovers):
    database = {"engine": engine, "image": server_image(engine)}
    config = write_config(tmp_path, ["1", "2"], app_image, database=database, matrix={"fresh": False})

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check("upgrade-1-to-2", "api: GET /items")["status"] == "passed"
    assert leftovers() == {}


def test_example_project_passes_as_documented(project, app_image, run_migtest, leftovers):
    """examples/docker-app/migtest.yml as a user runs it, its base image built as its README says
    (--jobs 4 on 2 CPUs: the scenarios mostly wait on their containers)."""
    app_image("1")
    subprocess.run(["docker", "tag", "migtest-test/app-base:1", "migtest-example/app-base:1"], check=True)
    config = project("docker-app") / "migtest.yml"

    outcome = run_migtest(config, "--jobs", "4")

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.results["totals"] == {"passed": 11, "failed": 0, "skipped": 0}
    assert (
        outcome.check("skip-1-to-4", "api: GET /items")["summary"] == "all 2 expected object(s) found among 2 item(s)"
    )
    assert outcome.check("downgrade-4-to-3", "api: GET /items")["status"] == "passed"
    assert leftovers() == {}
