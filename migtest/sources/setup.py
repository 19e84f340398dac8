"""Per-version `setup:` commands: run once into a cache folder keyed by version and command."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from migtest.config import Version
from migtest.errors import ConfigError, StepFailed
from migtest.plan import safe_name
from migtest.process import run, split_command

DONE_MARKER = ".migtest-setup-done"
SETUP_TIMEOUT = 1800
LOCK_POLL = 0.5


def prepare(version: Version, project: Path, cache_dir: Path) -> Path:
    """Return the version's environment folder, running its setup command unless cached."""
    assert version.setup
    digest = hashlib.sha256(f"{version.name}\0{version.ref}\0{version.setup}".encode()).hexdigest()[:16]
    env_dir = cache_dir / f"{safe_name(version.name)}-{digest}"
    if (env_dir / DONE_MARKER).is_file():
        return env_dir
    with _locked(env_dir.with_name(env_dir.name + ".lock"), f"the setup of version {version.name}"):
        if not (env_dir / DONE_MARKER).is_file():  # another run may have finished it meanwhile
            _run_setup(version, project, env_dir)
    return env_dir


def _run_setup(version: Version, project: Path, env_dir: Path) -> None:
    shutil.rmtree(env_dir, ignore_errors=True)
    env_dir.mkdir(parents=True)
    argv = split_command(version.setup, {"env": str(env_dir), "version": version.name, "project": str(project)})
    try:
        run(argv, cwd=env_dir, what=f"setup of version {version.name}", timeout=SETUP_TIMEOUT)
    except StepFailed as exc:
        shutil.rmtree(env_dir, ignore_errors=True)
        raise ConfigError(f"{exc}\n{exc.output}", key=f"versions[{version.name}].setup") from exc
    (env_dir / DONE_MARKER).write_text(version.setup)


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
