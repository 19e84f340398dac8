"""Shared test helpers: run the real CLI in-process and read what it reported, on every engine.

A test marked `engines` runs once per engine (SQLite, then PostgreSQL and MariaDB servers started
on this machine for the session); `run_migtest` points the project's migtest.yml at it.
"""

from __future__ import annotations

import functools
import json
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import machine
import pytest
import yaml

from migtest import masking
from migtest.cli import main
from migtest.docker import RUN_LABEL, DockerEngine

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).parent.parent / "examples"
ENGINES = ("sqlite", "postgres", "mariadb")


def pytest_configure(config: pytest.Config) -> None:
    """A suite started in the background of a shell without job control (`sh -c '... &'`, some CI
    wrappers) inherits SIGINT ignored, and so would every migtest it starts: its interrupt tests
    would then test the shell, not migtest. Ctrl-C acts as usual again, for this process and its
    children; a test that needs SIGINT ignored sets it itself."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the Docker engine runs on one xdist worker (`--dist loadgroup`): they
    count what is labelled on the engine before and after, so another worker's run would show."""
    for item in items:
        if "docker_engine" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("docker"))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail rather than run Docker tests on both workers: xdist groups by rewriting node ids,
    which some pytest releases ignore (9.2 with xdist 3.8), and nothing else would say so."""
    grouped = item.get_closest_marker("xdist_group")
    if getattr(item.config.option, "loadgroup", False) and grouped and "@" not in item.nodeid:
        pytest.fail(f"xdist_group did not take effect with pytest {pytest.__version__}: pin a release where it does")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("engines") and "database_config" in metafunc.fixturenames:
        metafunc.parametrize("database_config", ENGINES, indirect=True)


@pytest.fixture(autouse=True)
def no_secrets_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with nothing masked, as each migtest process does, so it sees (and its
    GitHub output announces) what its own run registered."""
    monkeypatch.setattr(masking, "_secrets", set())


@pytest.fixture(scope="session")
def postgres_host() -> Iterator[machine.HostServer]:
    with machine.host_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def mariadb_host() -> Iterator[machine.HostServer]:
    # The suite's own server, set up as an admin who wants lock measurement would: with the
    # metadata_lock_info plugin (migtest installs it only on servers it starts).
    with machine.host_mariadb("--plugin-load-add=metadata_lock_info") as server:
        yield server


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[None]:
    with machine.docker_engine():
        yield


@pytest.fixture(scope="session")
def server_image(docker_engine: None) -> Callable[[str], str]:
    """The locally built image of a database server (tests/images/<engine>), built once per change."""
    tags = {"postgres": "migtest-test/postgres:15", "mariadb": "migtest-test/mariadb:10.11"}
    return lambda engine: machine.ensure_image(tags[engine], machine.IMAGES / engine)


@pytest.fixture
def database_config(request: pytest.FixtureRequest) -> dict[str, str] | None:
    """The `database:` section for the engine under test; None keeps the project's own (SQLite)."""
    engine = getattr(request, "param", "sqlite")
    if engine == "sqlite":
        return None
    server = request.getfixturevalue(f"{engine}_host")
    return {"engine": server.engine, "url": server.url}


def use_database(config: Path, database: dict[str, str]) -> None:
    settings = yaml.safe_load(config.read_text())
    config.write_text(yaml.safe_dump({**settings, "database": database}, sort_keys=False))


@dataclass
class Outcome:
    exit_code: int
    output: str
    results: dict[str, Any] | None
    report_dir: Path

    def scenario(self, scenario_id: str) -> dict[str, Any]:
        assert self.results is not None, self.output
        for scenario in self.results["scenarios"]:
            if scenario["id"] == scenario_id:
                return scenario
        raise AssertionError(f"no scenario {scenario_id} in {[s['id'] for s in self.results['scenarios']]}")

    def check(self, scenario_id: str, name: str) -> dict[str, Any]:
        for check in self.scenario(scenario_id)["checks"]:
            if check["name"] == name:
                return check
        raise AssertionError(f"no check {name} in {self.scenario(scenario_id)['checks']}")

    def failed_checks(self, scenario_id: str) -> set[str]:
        return {c["name"] for c in self.scenario(scenario_id)["checks"] if c["status"] in ("failed", "error")}


@pytest.fixture
def run_migtest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database_config: dict[str, str] | None
) -> Callable[..., Outcome]:
    """Run `migtest <command> -c CONFIG [args]` in-process, reports in a temporary folder."""

    def run(config: Path, *args: str, command: str = "run") -> Outcome:
        if database_config is not None:
            use_database(config, database_config)
        report_dir = tmp_path / "report"
        reports = command in ("run", "steps")
        extra = ["--report-dir", str(report_dir)] if reports else []
        code = main([command, "-c", str(config), *extra, *args])
        captured = capsys.readouterr()
        results_file = report_dir / "results.json"
        results = json.loads(results_file.read_text()) if reports and results_file.exists() else None
        return Outcome(code, captured.out + captured.err, results, report_dir)

    return run


@pytest.fixture
def project(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a fixture (tests/fixtures/NAME) or example (examples/NAME) project to a temporary folder."""

    def copy(name: str) -> Path:
        source = FIXTURES / name if (FIXTURES / name).is_dir() else EXAMPLES / name
        target = tmp_path / "project" / name
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("migtest-results", ".migtest-cache", "*.db"))
        return target

    return copy


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=migtest", "-c", "user.email=migtest@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def git_history(tmp_path: Path) -> Callable[[list[tuple[str, Path]]], Path]:
    """Build a git repository whose commits are the given folders in order, each tagged.

    The working tree ends as the last folder; returns the repository path.
    """

    def build(snapshots: list[tuple[str, Path]]) -> Path:
        repo = tmp_path / "repo"
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        for tag, folder in snapshots:
            for child in repo.iterdir():
                if child.name != ".git":
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            shutil.copytree(folder, repo, dirs_exist_ok=True)
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", f"release {tag}")
            git(repo, "tag", tag)
        return repo

    return build


@pytest.fixture(scope="session")
def app_image(docker_engine: None) -> Callable[[str], str]:
    """The image of a release of examples/docker-app ("1".."5", "broken", "crash"), built once per change."""
    context = EXAMPLES / "docker-app"
    base = "migtest-test/app-base:1"

    @functools.cache
    def build(release: str) -> str:
        machine.ensure_image(base, context / "base", args={"DEBIAN": machine.BASE_IMAGE})
        return machine.ensure_image(f"migtest-test/app:{release}", context, args={"BASE": base, "RELEASE": release})

    return build


def labelled(kind: str, run: str | None = None) -> list[str]:
    label = f"{RUN_LABEL}={run}" if run else RUN_LABEL
    listing = subprocess.run(
        ["docker", kind, "ls", *(["-a"] if kind == "container" else []), "-q", "--filter", f"label={label}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return listing.stdout.split()


def labelled_objects(runs: list[str] | None = None) -> dict[str, set[str]]:
    kinds = ("container", "network", "volume", "image")
    return {kind: {found for run in runs or [None] for found in labelled(kind, run)} for kind in kinds}


@pytest.fixture
def leftovers(docker_engine: None, monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, list[str]]]:
    """What migtest left on the engine since the test began (a run killed earlier may have left
    more). Other test sessions may share the engine: only what the test's own runs left counts,
    known by their run ids (recorded when run in this process, else given)."""
    before = labelled_objects()
    runs: list[str] = []
    made = DockerEngine.__init__

    def recorded(engine: DockerEngine, *args: Any, **kwargs: Any) -> None:
        made(engine, *args, **kwargs)
        runs.append(engine.run_id)

    monkeypatch.setattr(DockerEngine, "__init__", recorded)

    def new(*run_ids: str) -> dict[str, list[str]]:
        """`run_ids`: the runs to look at, for one started as a process of its own."""
        now = labelled_objects(list(run_ids) or runs or None)
        return {kind: sorted(now[kind] - before[kind]) for kind in now if now[kind] - before[kind]}

    return new


@pytest.fixture
def client(docker_engine: None) -> Iterator[docker.DockerClient]:
    client = docker.from_env()
    yield client
    client.close()


@pytest.fixture(scope="session")
def migtest_image(docker_engine: None) -> str:
    """The repository's Dockerfile built on a Debian Python base from wheels made on this machine
    (no index is reachable in builds); rebuilt only when migtest, pyproject.toml or a Dockerfile change."""
    base = machine.ensure_image("migtest-test/migtest-base:2", machine.IMAGES / "migtest-base")
    context = machine.migtest_image_context(Path(__file__).parent.parent)
    return machine.ensure_image("migtest-test/migtest:dev", context, args={"BASE_IMAGE": base, "WHEELS": "wheels"})
