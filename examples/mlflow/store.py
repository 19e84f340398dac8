"""MLflow's tracking store as a migration tool: what MLflow itself runs, one subcommand each.

  create URL            a new store, as the tracking server makes it on first use:
                        SqlAlchemyStore(URL, ARTIFACT_ROOT) creates the initial tables and runs
                        every migration (`mlflow db upgrade` refuses an empty database)
  downgrade URL TARGET  MLflow ships no downgrade command: Alembic's downgrade through the
                        alembic.ini inside the installed mlflow package, as MLflow configures it
  current URL           the Alembic revision the store is at (alembic_version, as MLflow reads it)

Runs in the version's virtualenv (migtest puts its bin/ first on PATH). The upgrade is MLflow's
own command, `mlflow db upgrade URL`, named in migtest.yml.
"""

from __future__ import annotations

import sys
import tempfile

import sqlalchemy

# Where the store's experiments say their artifacts go; nothing is written there by seed.py.
ARTIFACT_ROOT = f"file://{tempfile.gettempdir()}/migtest-mlflow-artifacts"


def create(url: str) -> None:
    try:
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    except ImportError:  # before 1.4
        from mlflow.store.sqlalchemy_store import SqlAlchemyStore

    SqlAlchemyStore(url, ARTIFACT_ROOT)


def downgrade(url: str, target: str) -> None:
    from alembic import command
    from mlflow.store.db.utils import _get_alembic_config

    command.downgrade(_get_alembic_config(url), target)


def current(url: str) -> str:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def main(command: str, url: str, *args: str) -> None:
    if command == "create":
        create(url)
    elif command == "downgrade":
        downgrade(url, *args)
    elif command == "current":
        print(current(url))
    else:
        sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
