"""`ref:` versions: the project as it was at a git commit, extracted once per run."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

from migtest.errors import ConfigError

# Refuse links and paths leaving the folder; Python before 3.11.4 (Debian bookworm's 3.11.2) lacks
# the filter, and `git archive` of a repository writes neither anyway.
_SAFE_EXTRACTION = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise ConfigError("git is not installed, but a version names a 'ref:'") from exc


def resolve(project: Path, ref: str) -> tuple[str, Path]:
    """The commit a ref names, and the repository's top folder."""
    top = _git(["rev-parse", "--show-toplevel"], project)
    if top.returncode != 0:
        raise ConfigError(f"'{project}' is not inside a git repository, but a version names ref '{ref}'")
    commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], project)
    if commit.returncode != 0:
        raise ConfigError(f"git ref '{ref}' does not name a commit in {top.stdout.decode().strip()}")
    return commit.stdout.decode().strip(), Path(top.stdout.decode().strip())


def checkout(project: Path, ref: str, refs_dir: Path) -> Path:
    """Extract the commit's tree (shared by versions naming the same commit) and return the
    project folder inside it."""
    commit, top = resolve(project, ref)
    tree = refs_dir / commit
    if not tree.is_dir():
        archive = _git(["archive", "--format=tar", commit], top)
        if archive.returncode != 0:
            raise ConfigError(f"git archive of '{ref}' failed: {archive.stderr.decode().strip()}")
        partial = refs_dir / f"{commit}.partial"
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(partial, **_SAFE_EXTRACTION)
        partial.rename(tree)
    return tree / project.resolve().relative_to(top.resolve())
