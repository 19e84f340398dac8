"""Optuna's RDB storage as a migration tool: what optuna itself runs, one subcommand each.

  create URL            first use of a storage: optuna.storages.RDBStorage(URL) creates the tables
                        of the installed release (create_all) and stamps its alembic revision
  downgrade URL TARGET  optuna ships no downgrade command: alembic's downgrade through the
                        alembic.ini inside the installed optuna package
  current URL           the alembic revision the storage is at (alembic_version, as optuna reads it)

Runs in the version's virtualenv (migtest puts its bin/ first on PATH).
"""

from __future__ import annotations

import sys

import sqlalchemy


def plain_url(url: str) -> str:
    """migtest hands over SQLAlchemy 2 + psycopg 3 URLs; optuna 2.x runs on SQLAlchemy 1.4,
    which has no `postgresql+psycopg` dialect: give it psycopg2 there."""
    if sqlalchemy.__version__.startswith("1.") and url.startswith("postgresql+psycopg://"):
        return "postgresql+psycopg2://" + url.removeprefix("postgresql+psycopg://")
    return url


def storage(url: str, *, create: bool):
    import optuna

    if create:
        return optuna.storages.RDBStorage(url, skip_compatibility_check=True)
    # optuna 2.x has no skip_table_creation and always runs create_all (which adds nothing here)
    try:
        return optuna.storages.RDBStorage(url, skip_compatibility_check=True, skip_table_creation=True)
    except TypeError:
        return optuna.storages.RDBStorage(url, skip_compatibility_check=True)


def current_revision(url: str) -> str:
    """What optuna's get_current_version reads, without importing optuna (a second per call)."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    finally:
        engine.dispose()


def main(command: str, url: str, *args: str) -> None:
    url = plain_url(url)
    if command == "create":
        storage(url, create=True)
    elif command == "downgrade":
        from alembic import command as alembic_command

        (target,) = args
        config = storage(url, create=False)._version_manager._create_alembic_config()
        alembic_command.downgrade(config, target)
    elif command == "current":
        print(current_revision(url))
    else:
        sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
