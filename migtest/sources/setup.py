"""Per-version `setup:` commands: run once into a cache folder keyed by version and command."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from migtest.config import Version
from migtest.errors import ConfigError, StepFailed
from migtest.plan import safe_name
from migtest.process import run, split_command

DONE_MARKER = ".migtest-setup-done"


def prepare(version: Version, project: Path, cache_dir: Path) -> Path:
    """Return the version's environment folder, running its setup command unless cached."""
    assert version.setup
    digest = hashlib.sha256(f"{version.name}\0{version.ref}\0{version.setup}".encode()).hexdigest()[:16]
    env_dir = cache_dir / f"{safe_name(version.name)}-{digest}"
    if (env_dir / DONE_MARKER).is_file():
        return env_dir
    shutil.rmtree(env_dir, ignore_errors=True)
    env_dir.mkdir(parents=True)
    argv = split_command(version.setup, {"env": str(env_dir), "version": version.name, "project": str(project)})
    try:
        run(argv, cwd=env_dir, what=f"setup of version {version.name}", timeout=1800)
    except StepFailed as exc:
        shutil.rmtree(env_dir, ignore_errors=True)
        raise ConfigError(f"{exc}\n{exc.output}", key=f"versions[{version.name}].setup") from exc
    (env_dir / DONE_MARKER).write_text(version.setup)
    return env_dir
