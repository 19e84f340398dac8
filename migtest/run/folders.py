"""A run's id and its temporary folder, named so that `migtest cleanup` finds what a killed run left.

The folder is `migtest-<run id>-<pid>-<random>` in the temporary directory (TMPDIR): the run id
ties it to the run's databases (`migtest_<run id>_…`) and Docker objects (`migtest.run=<run id>`),
the process id tells whether the run is still alive.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

RUN_ID = "[0-9a-f]{8}"  # what new_run_id makes, as the names that carry it are matched
FOLDER = re.compile(rf"^migtest-(?P<run>{RUN_ID})-(?P<pid>[0-9]+)-")


def new_run_id() -> str:
    return secrets.token_hex(4)


def make_run_folder(run_id: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"migtest-{run_id}-{os.getpid()}-"))


@contextmanager
def temporary_files_in(folder: Path) -> Iterator[None]:
    """What the run starts (apps, commands, `setup:`, the Alembic worker) writes its temporary
    files in `folder` (TMPDIR), which goes with the run's folder: an app's lock file or a build's
    leftovers do not outlive the run. migtest's own temporary files are unaffected: `tempfile`
    chose their folder when the run's folder was made."""
    folder.mkdir()
    previous = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(folder)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = previous


@dataclass(frozen=True)
class RunFolder:
    path: Path
    run_id: str
    pid: int

    @property
    def alive(self) -> bool:
        """Its process still runs (or one of another user's that reused the id: left alone too)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def run_folders(run_id: str | None = None) -> list[RunFolder]:
    """The temporary folders of runs on this machine (of `run_id` only, when given)."""
    found = []
    for path in sorted(Path(tempfile.gettempdir()).glob("migtest-*")):
        named = FOLDER.match(path.name)
        if named and path.is_dir() and run_id in (None, named["run"]):
            found.append(RunFolder(path, named["run"], int(named["pid"])))
    return found
