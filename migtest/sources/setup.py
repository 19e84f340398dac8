"""Per-version `setup:` commands: run once into a cache folder keyed by version and command."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from migtest.config import Version
from migtest.errors import ConfigError
from migtest.run.naming import safe_name
from migtest.run.process import split_command, stream

DONE_MARKER = ".migtest-setup-done"
SETUP_TIMEOUT = 1800
LOCK_POLL = 0.5


def env_dir(version: Version, cache_dir: Path) -> Path:
    assert version.setup
    digest = hashlib.sha256(f"{version.name}\0{version.ref}\0{version.setup}".encode()).hexdigest()[:16]
    return cache_dir / f"{safe_name(version.name)}-{digest}"


def cached(version: Version, cache_dir: Path) -> bool:
    """A previous run completed this setup (a folder without the marker is an interrupted one)."""
    return (env_dir(version, cache_dir) / DONE_MARKER).is_file()


def prepare(version: Version, project: Path, cache_dir: Path, on_line: Callable[[str], None]) -> Path:
    """Run the version's setup command into its folder, each output line to `on_line` as it
    comes; StepFailed (the folder removed) if it fails or is interrupted."""
    folder = env_dir(version, cache_dir)
    with _locked(folder.with_name(folder.name + ".lock"), f"the setup of version {version.name}"):
        if (folder / DONE_MARKER).is_file():  # another run finished it while this one waited
            return folder
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        assert version.setup
        argv = split_command(version.setup, {"env": str(folder), "version": version.name, "project": str(project)})
        try:
            stream(argv, cwd=folder, what=f"setup of version {version.name}", timeout=SETUP_TIMEOUT, on_line=on_line)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        (folder / DONE_MARKER).write_text(version.setup)
    return folder


@contextlib.contextmanager
def _locked(path: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on `path`, so two runs sharing the cache build a folder once; the
    second waits (as long as a setup may take, saying what for) and then reuses it. The lock goes
    with the process holding it, so a killed run never leaves it taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        deadline = time.monotonic() + SETUP_TIMEOUT
        announced = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ConfigError(
                        f"another migtest run still holds {path} after {SETUP_TIMEOUT}s; is it stuck?"
                    ) from None
                if not announced:
                    print(f"waiting for another migtest run to finish {what} ({path})", file=sys.stderr, flush=True)
                    announced = True
                time.sleep(LOCK_POLL)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
