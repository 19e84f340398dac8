"""A migration that waits mid-run until the test lets it go, so a test signals or kills migtest at
a moment it controls rather than racing a run that, on a fast or a loaded machine, may already be
over when its output is read ("the third scenario began" is history by the time the line arrives).

The wait is added to a copied project's migration and acts only in runs given `Hold.env`:
the first process to apply that migration writes its pid and waits for the release file.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

from started import WAIT_SECONDS, Started

WAITER = '''

_held_upgrade = upgrade


def upgrade():
    """Added by tests/held.py: the first run of this migration waits until released."""
    import os
    import pathlib
    import time

    folder = os.environ.get("MIGTEST_TEST_HOLD")
    if folder:
        reached = pathlib.Path(folder, "reached")
        try:
            with open(reached, "x") as mark:
                mark.write(str(os.getpid()))
        except FileExistsError:
            folder = None  # another scenario holds already
    deadline = time.monotonic() + WAIT_SECONDS
    while folder and not pathlib.Path(folder, "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    _held_upgrade()
'''.replace("WAIT_SECONDS", str(WAIT_SECONDS))


class Hold:
    """The folder through which a held migration and the test speak."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    @classmethod
    def in_migration(cls, migration: Path, folder: Path) -> Hold:
        """Make `migration` (an Alembic revision file of a copied project) wait when held."""
        text = migration.read_text()
        if WAITER not in text:
            migration.write_text(text + WAITER)
        return cls(folder)

    @property
    def env(self) -> dict[str, str]:
        return {"MIGTEST_TEST_HOLD": str(self.folder)}

    def wait_reached(self, run: Started) -> None:
        """Until a scenario waits in the held migration (its pid written)."""
        run.wait_until(lambda: bool(self._pid()), "a scenario reaching the held migration")

    def release(self) -> None:
        (self.folder / "release").touch()

    def kill_holder(self) -> None:
        """SIGKILL the process waiting in the migration, as a CI job's kill -9 takes the whole job."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid(), signal.SIGKILL)

    def _pid(self) -> int:
        try:
            return int((self.folder / "reached").read_text() or 0)
        except FileNotFoundError:
            return 0


def start_held_shop(
    shop: Path, hold_folder: Path, *args: str | Path, env: dict[str, str] | None = None
) -> tuple[Started, Hold]:
    """`migtest ARGS` on a copy of the alembic-shop example, once a scenario waits in release 1.3's
    migration (mid-run: other scenarios ran before it)."""
    hold = Hold.in_migration(shop / "migrations/versions/0006_split_addresses.py", hold_folder)
    run = Started(*args, env={**(env or {}), **hold.env})
    hold.wait_reached(run)
    return run, hold
