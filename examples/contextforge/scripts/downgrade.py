"""Roll the database at DATABASE_URL back to an Alembic revision with the release's own
migrations: the gateway ships no downgrade command, only alembic.ini inside its package
(`script_location = %(here)s/alembic`). Found through this Python's import path, so the command
is the same whatever Python the release's venv has (3.11, 3.12, ...).
usage: python downgrade.py REVISION   (the venv's python; DATABASE_URL set)"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path


def alembic_ini() -> Path:
    """The installed package's alembic.ini, found without importing mcpgateway (whose import
    can read settings)."""
    spec = importlib.util.find_spec("mcpgateway")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"downgrade.py: mcpgateway is not installed for {sys.executable}")
    return Path(next(iter(spec.submodule_search_locations))) / "alembic.ini"


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(f"usage: {sys.argv[0]} REVISION")
    argv = [sys.executable, "-m", "alembic", "-c", str(alembic_ini()), "downgrade", sys.argv[1]]
    os.execv(sys.executable, argv)


if __name__ == "__main__":
    main()
