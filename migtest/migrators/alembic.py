"""Alembic: upgrade/downgrade through Alembic's own command API, each scenario's commands in a
clean interpreter forked from a long-lived worker of the version's Python, by way of a zygote per
release tree that has read its revision files (see alembic_driver.py).

A worker runs one command at a time, so each interpreter has a pool of idle workers: a command
takes one (the one whose child serves its scenario, if idle; or starts one when none is idle) and
gives it back, and scenarios run in parallel.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy

from migtest.config import MigrationsConfig
from migtest.databases import Database
from migtest.errors import ConfigError, StepFailed
from migtest.migrators import MigrationRun, revision_edits
from migtest.results.evidence import shorten
from migtest.run.once import Once
from migtest.run.process import GRACE_SECONDS, LIMIT_KEY, failed
from migtest.sources import Workspace

DRIVER = Path(__file__).with_name("alembic_driver.py")
# Runs the driver from its file under a name of its own, as a module whose bytecode is cached in
# __pycache__ (`-c` with its text would compile all of it at every start, 11-18 ms of CPU), and
# without this folder on sys.path (its alembic.py would shadow Alembic).
BOOT = (
    "import gc; gc.disable(); import importlib.util, sys; "
    "spec = importlib.util.spec_from_file_location('migtest_alembic_driver', sys.argv.pop()); "
    "spec.loader.exec_module(importlib.util.module_from_spec(spec))"
)
RESOLVED_PREFIX = "MIGTEST-RESOLVED:"
FILE_PREFIX = "MIGTEST-FILE:"


class _Worker:
    """One long-lived driver process for one Python interpreter."""

    def __init__(self, python: str) -> None:
        self.python = python
        self.scenario: str | None = None  # of its last command, whose child may serve the next
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the worker; close() closes it
        self.process = subprocess.Popen(
            [python, "-c", BOOT, str(DRIVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            start_new_session=True,
        )

    def call(self, request: dict[str, object], what: str, timeout: float) -> int:
        assert self.process.stdin and self.process.stdout
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            raise self._died(what) from None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            self.kill()
            self.close()
            raise StepFailed(f"{what}: still running after {timeout:g}s ({LIMIT_KEY})")
        reply = self.process.stdout.readline()
        if not reply:
            raise self._died(what)
        return json.loads(reply)["code"]

    def _died(self, what: str) -> StepFailed:
        self.process.wait()
        self.stderr.seek(0)
        output = self.stderr.read().decode(errors="replace")
        return StepFailed(f"{what}: Alembic could not start under {self.python}", shorten(output))

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """Stop the worker and the command it runs; safe while another thread waits on its reply."""
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def close(self) -> None:
        """End the worker: at the end of its requests it ends its zygotes and their children and
        waits for them, so that nothing is left and their CPU counts as its own (in the rusage of
        its waiting parent); killed with them if it is still there after the grace."""
        with contextlib.suppress(BrokenPipeError):
            if self.process.stdin:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        self.stderr.close()


# Asks a version's interpreter where a package is, without importing it (only its parents, for a
# dotted name); exit code 3: not installed there.
FIND_PACKAGE = """
import importlib.util, os, sys
try:
    spec = importlib.util.find_spec(sys.argv[1])
except ImportError:
    spec = None
if spec is None or not (spec.submodule_search_locations or spec.origin):
    sys.exit(3)
print(next(iter(spec.submodule_search_locations or []), None) or os.path.dirname(spec.origin))
"""


class AlembicMigrator:
    def __init__(self, config: MigrationsConfig, scratch: Path | None = None) -> None:
        assert config.config is not None
        self.scratch = scratch  # where the commands' logs go: a killed run's folder, which cleanup removes
        self.ini = config.config
        self.package = config.package
        self.timeout = config.timeout
        self._packages: Once[str, Path] = Once()
        self._trees: Once[tuple[str, str], revision_edits.Tree] = Once()  # by alembic.ini and heads
        self._lock = threading.Lock()
        self._idle: dict[str, list[_Worker]] = {}
        self._busy: set[_Worker] = set()

    def migrate(self, workspace: Workspace, database: Database, direction: str, target: str) -> MigrationRun:
        lines = self._call(workspace, database.url, direction, target)
        resolved, files = _marked(lines, RESOLVED_PREFIX), tuple(map(Path, _marked(lines, FILE_PREFIX)))
        log_text = "\n".join(line for line in lines if not line.startswith((RESOLVED_PREFIX, FILE_PREFIX)))
        return MigrationRun(log_text, (resolved[-1] or "base") if resolved else None, files=files)

    def history(self, workspace: Workspace, database: Database) -> list[str]:
        return list(self._revisions(workspace, database.url, "heads"))

    def with_edits(self, run: MigrationRun, source: Workspace, target: Workspace, applied: str | None) -> MigrationRun:
        """The revisions `source` applied (`applied` and their ancestors in its tree) that `target`'s
        tree ships edited, and those `target` inserted below them: a warning by default, as Alembic
        keeps no checksums and runs on. Versions sharing one tree (`revision:`) have nothing to
        compare."""
        if not applied or applied == "base" or self._ini(source) == self._ini(target):
            return run
        ran = self._tree(source, applied)
        # what the target's history says the database has: it migrated from there, so knows `applied`
        counted = self._tree(target, applied)
        edited = revision_edits.edited(ran, self._tree(target, "heads")) + revision_edits.inserted(ran, counted)
        return dataclasses.replace(run, edited=edited, edited_default="warn")

    def _tree(self, workspace: Workspace, heads: str) -> revision_edits.Tree:
        """The files of `heads` and their ancestors in the workspace's tree, listed once per run
        (listing them reads no database: the URL is a placeholder)."""

        def listed() -> revision_edits.Tree:
            files = self._revisions(workspace, "sqlite://", heads)
            roots = (workspace.root, *([workspace.env_dir] if workspace.env_dir else []))
            return revision_edits.Tree(workspace.version.name, files, roots)

        return self._trees.get((str(self._ini(workspace)), heads), listed)

    def _revisions(self, workspace: Workspace, url: str, heads: str) -> dict[str, Path]:
        """Each revision of `heads` and their ancestors, oldest first, with its file."""
        lines = self._call(workspace, url, "history", heads)
        return dict(zip(_marked(lines, RESOLVED_PREFIX), map(Path, _marked(lines, FILE_PREFIX)), strict=True))

    def _call(self, workspace: Workspace, url: str, direction: str, target: str) -> list[str]:
        """One request to a worker of the version's interpreter; the lines it printed."""
        ini = self._ini(workspace)
        what = f"alembic {direction} {target}"
        with tempfile.NamedTemporaryFile(prefix="migtest-alembic-", suffix=".log", dir=self.scratch) as log:
            request = {
                "ini": str(ini),
                "direction": direction,
                "target": target,
                "url": url,
                "cwd": str(ini.parent),
                "env": workspace.environment(url),
                "log": log.name,
                "prefix": RESOLVED_PREFIX,
                "file_prefix": FILE_PREFIX,
            }
            # Commands share a child only within a scenario: an env.py may cache its URL at import.
            request["scenario"] = json.dumps([request[name] for name in ("ini", "url", "cwd", "env")], sort_keys=True)
            with self._worker(self._python(workspace), request["scenario"]) as worker:
                code = worker.call(request, what, self.timeout)
            output = Path(log.name).read_text(errors="replace")
        if code != 0:
            raise failed(f"{what}: exited with code {code}", output, workspace.root)
        return output.splitlines()

    def _ini(self, workspace: Workspace) -> Path:
        """alembic.ini (or the script folder) in the version's tree, or inside `migrations.package`
        as the version's environment has it installed."""
        if self.package is None:
            return workspace.relocate(self.ini)
        python = self._python(workspace)
        ini = self._packages.get(python, lambda: self._package_folder(workspace, python)) / self.ini
        if not ini.exists():
            raise ConfigError(
                f"version {workspace.version.name}: package '{self.package}' has no {self.ini} "
                f"(looked in {ini.parent})",
                key="migrations.config",
            )
        return ini

    def _package_folder(self, workspace: Workspace, python: str) -> Path:
        assert self.package is not None
        found = subprocess.run(
            [python, "-c", FIND_PACKAGE, self.package],
            cwd=workspace.env_dir or tempfile.gettempdir(),  # not the project: a folder there would shadow it
            capture_output=True,
            text=True,
            timeout=self.timeout,
            check=False,
        )
        if found.returncode != 0 or not found.stdout.strip():
            detail = found.stderr.strip().splitlines()[-1:] if found.returncode != 3 else []
            raise ConfigError(
                f"version {workspace.version.name}: package '{self.package}' is not installed for {python}"
                + "".join(f" ({line})" for line in detail),
                key="migrations.package",
            )
        return Path(found.stdout.strip().splitlines()[-1])

    def current(self, workspace: Workspace, database: Database) -> str | None:
        with database.connection() as connection:
            if not sqlalchemy.inspect(connection).has_table("alembic_version"):
                return "base"
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()
            return " ".join(sorted(rows)) or "base"

    def downgrade_blocker(self, workspace: Workspace, source: str, target: str) -> str | None:
        return None

    def close(self) -> None:
        """Close the idle workers and kill the busy ones (their callers close them when the
        command returns), so an interrupted run ends its running commands at once."""
        with self._lock:
            idle = [worker for workers in self._idle.values() for worker in workers]
            busy = list(self._busy)
            self._idle.clear()
        for worker in busy:
            worker.kill()
        for worker in idle:
            worker.close()

    @contextlib.contextmanager
    def _worker(self, python: str, scenario: str) -> Iterator[_Worker]:
        """An idle worker of this interpreter, the one whose child serves `scenario` if any (its
        commands then run in that child), or a new one; given back afterwards if it still runs."""
        with self._lock:
            idle = self._idle.setdefault(python, [])
            serving = [worker for worker in idle if worker.scenario == scenario]
            if idle:
                worker = (serving or idle)[-1]
                idle.remove(worker)
            else:
                worker = _Worker(python)
            worker.scenario = scenario
            self._busy.add(worker)
        try:
            yield worker
        finally:
            with self._lock:
                self._busy.discard(worker)
                kept = worker.alive
                if kept:
                    self._idle.setdefault(python, []).append(worker)
            if not kept:
                worker.close()

    @staticmethod
    def _python(workspace: Workspace) -> str:
        if workspace.env_dir is not None:
            for candidate in ("bin/python", ".venv/bin/python"):
                if (workspace.env_dir / candidate).is_file():
                    return str(workspace.env_dir / candidate)
        return sys.executable


def _marked(lines: list[str], prefix: str) -> list[str]:
    """What the driver printed after `prefix` (a revision, a file), in order."""
    return [line.removeprefix(prefix) for line in lines if line.startswith(prefix)]
