"""Per-version `setup:` commands: run once into a cache folder keyed by version and command."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

from migtest.config import Version
from migtest.plan import safe_name
from migtest.process import split_command, stream

DONE_MARKER = ".migtest-setup-done"
SETUP_TIMEOUT = 1800


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
