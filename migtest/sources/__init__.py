"""Where a version's code comes from, and the environment its commands run in.

A version's tree is the project at hand (`revision:`) or the project as it was at a git ref
(`ref:`); a `setup:` command prepares a cached environment its commands then run in.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol

from migtest.config import Config, Version
from migtest.config.urls import dsn, url_forms
from migtest.docker import DockerEngine
from migtest.errors import ConfigError, StepFailed
from migtest.results import FAILED, Phase, timed
from migtest.run.once import Once
from migtest.sources import git_ref, image, setup


@dataclass(frozen=True)
class Workspace:
    """A version made runnable: its project tree, and its prepared environment if any."""

    version: Version
    root: Path
    project: Path
    env_dir: Path | None = None
    image: str | None = None  # the version's image, for versions that are one

    def relocate(self, path: Path) -> Path:
        """The same project file (a path in the project at hand) as it is in this version's tree."""
        return self.root / path.relative_to(self.project)

    def environment(self, database_url: str) -> dict[str, str]:
        env = {"DATABASE_URL": database_url, "DATABASE_DSN": dsn(database_url), "MIGTEST_VERSION": self.version.name}
        if self.env_dir is not None:
            env["MIGTEST_ENV"] = str(self.env_dir)
            bins = [str(self.env_dir / sub) for sub in ("bin", ".venv/bin") if (self.env_dir / sub).is_dir()]
            env["PATH"] = os.pathsep.join([*bins, os.environ.get("PATH", "")])
            if bins:
                env["VIRTUAL_ENV"] = str(Path(bins[0]).parent)
        return env

    def placeholders(self, database_url: str, target: str) -> dict[str, str]:
        """`{database_url}` and its other forms (`{database_dsn}`, `{database_url:<driver>}`), and the rest."""
        return {
            **url_forms(database_url),
            "version": self.version.name,
            "target": target,
            "env": str(self.env_dir or ""),
        }


def check_refs(config: Config) -> None:
    """Resolve every `ref:` before anything runs, so a bad one stops the run at once."""
    for index, version in enumerate(config.versions):
        if version.ref:
            try:
                git_ref.resolve(config.root, version.ref)
            except ConfigError as exc:
                raise ConfigError(str(exc), file=str(config.path), key=f"versions[{index}].ref") from exc


class SetupProgress(Protocol):
    """Told of a `setup:` as it runs: its start, each line of its output, its timed phase (a
    cached setup is only finished, in 0 s)."""

    def setup_started(self, version: str) -> None: ...

    def setup_output(self, version: str, line: str) -> None: ...

    def setup_finished(self, phase: Phase) -> None: ...


class Workspaces:
    """Prepares each version once per run and hands out the same workspace afterwards; safe to
    call from several threads (versions naming the same commit share its extracted tree).
    `setups` holds a phase per version's `setup:`, in the order they ran."""

    def __init__(
        self,
        config: Config,
        workdir: Path,
        cache_dir: Path,
        docker: DockerEngine | None = None,
        progress: SetupProgress | None = None,
        *,
        origin: float | None = None,
    ) -> None:
        """`origin`: the run's start (time.perf_counter()), that the setups' start times count from."""
        self.config = config
        self.workdir = workdir
        self.cache_dir = cache_dir
        self.docker = docker
        self.progress = progress or _Unwatched()
        self.setups: list[Phase] = []
        self.images: list[Phase] = []  # each containerized version's image, found or built
        self.origin = time.perf_counter() if origin is None else origin
        self._prepared: Once[str, Workspace] = Once()
        self._checkout = threading.Lock()

    def get(self, name: str) -> Workspace:
        return self._prepared.get(name, lambda: self._prepare(self.config.version(name)))

    def _prepare(self, version: Version) -> Workspace:
        root = self.config.root
        if version.ref:
            with self._checkout:
                root = git_ref.checkout(self.config.root, version.ref, self.workdir / "refs")
        env_dir = self._set_up(version, root) if version.setup else None
        tag = None
        if version.containerized:
            assert self.docker is not None
            with timed(f"image {version.name}", self.origin, self.images) as phase:
                tag = image.prepare(version, self.config.versions.index(version), root, self.docker)
                phase.detail = tag
        return Workspace(version, root, self.config.root, env_dir, tag)

    def _set_up(self, version: Version, root: Path) -> Path:
        """The version's environment, its setup timed as a phase of its own."""
        phase = Phase(f"setup {version.name}", 0.0, detail="cached", start=time.perf_counter() - self.origin)
        try:
            if not setup.cached(version, self.cache_dir):
                phase.detail = ""
                self._run_setup(version, root, phase)
        finally:
            self.setups.append(phase)
            self.progress.setup_finished(phase)
        return setup.env_dir(version, self.cache_dir)

    def _run_setup(self, version: Version, root: Path, phase: Phase) -> None:
        """A failing setup is the user's to fix: exit 2 naming the version's key, with the output's tail."""
        self.progress.setup_started(version.name)
        started = time.perf_counter()
        try:
            setup.prepare(version, root, self.cache_dir, partial(self.progress.setup_output, version.name))
        except StepFailed as exc:
            phase.status, phase.detail = FAILED, str(exc)
            key = f"versions[{self.config.versions.index(version)}].setup"
            output = f"; the end of its output:\n{exc.output}" if exc.output else " without printing anything"
            raise ConfigError(f"{exc}{output}", file=str(self.config.path), key=key) from exc
        except BaseException:
            phase.status, phase.detail = FAILED, "interrupted"
            raise
        finally:
            phase.seconds = time.perf_counter() - started


class _Unwatched:
    """Where nobody follows a setup (tests, tools): it runs all the same."""

    def setup_started(self, version: str) -> None:
        pass

    def setup_output(self, version: str, line: str) -> None:
        pass

    def setup_finished(self, phase: Phase) -> None:
        pass
