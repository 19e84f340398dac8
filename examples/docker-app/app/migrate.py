"""The app's database and its Alembic migrations: run when the app starts, or by hand.

    python3 -m app.migrate upgrade [REVISION]   what the app does on start (REVISION: head)
    python3 -m app.migrate downgrade REVISION   e.g. in a throw-away container of a newer image
    python3 -m app.migrate current              print the database's revision

The database is DATABASE_URL, a SQLAlchemy URL (sqlite:////data/app.db, postgresql://...,
mysql+pymysql://...).
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path

import sqlalchemy
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from app.releases import Release

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("app.migrate")

# Drivers this image has, for URLs naming one it lacks: Debian bookworm's SQLAlchemy 1.4 has no
# psycopg (3) dialect, and plain mysql:// means MySQLdb, which is not installed.
FALLBACK_DRIVERS = {
    "postgresql+psycopg": "postgresql+psycopg2",
    "mysql": "mysql+pymysql",
    "mysql+mysqldb": "mysql+pymysql",
}


def create_db_engine(url: str | None = None) -> Engine:
    url = sqlalchemy.engine.make_url(url or os.environ["DATABASE_URL"])
    try:
        return sqlalchemy.create_engine(url, future=True)
    except (sqlalchemy.exc.NoSuchModuleError, ImportError):
        if url.drivername not in FALLBACK_DRIVERS:
            raise
        return sqlalchemy.create_engine(url.set(drivername=FALLBACK_DRIVERS[url.drivername]), future=True)


def alembic_config(connection: Connection) -> Config:
    """migrations/env.py runs the revisions on this connection."""
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    """Alembic's bookkeeping: the revision in alembic_version (None before the first upgrade)."""
    if not sqlalchemy.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade_on_start(engine: Engine, release: Release) -> str:
    """Upgrade to the release's head and return the database's revision.

    A database at a revision this release does not have was migrated by a newer release: it is
    left as it is, so an older release can run against a newer schema (a rollback of the code).
    """
    with engine.begin() as connection:
        current = current_revision(connection)
        if current is not None and current not in release.revisions:
            log.warning("database at revision %s, newer than release %s knows: not migrating", current, release.name)
            return current
        command.upgrade(alembic_config(connection), "head")
        return current_revision(connection)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("upgrade", "downgrade", "current") or len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    action, target = argv[0], argv[1] if len(argv) == 2 else "head"
    if action == "downgrade" and len(argv) != 2:
        print("downgrade needs a target revision", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        with create_db_engine().begin() as connection:
            if action != "current":
                getattr(command, action)(alembic_config(connection), target)
            print(current_revision(connection), flush=True)
    except Exception:
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
