"""Alembic environment for the alembic-shop example.

Database URL resolution (first match wins):

1. an already-open SQLAlchemy ``Connection`` passed programmatically via
   ``config.attributes["connection"]`` (online mode only);
2. the ``DATABASE_URL`` environment variable;
3. the ``sqlalchemy.url`` main option (alembic.ini, or whatever a caller such
   as migtest set with ``config.set_main_option("sqlalchemy.url", ...)``).

SQLite cannot ALTER most things in place, so every context is configured with
``render_as_batch=True`` and the revisions use ``op.batch_alter_table()``,
which recreates the table ("move and copy").  The recreation drops the old
table, so foreign key enforcement must be off while migrating; connections
created here guarantee that, and after an online run the database is checked
with ``PRAGMA foreign_key_check``.
"""

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, event, pool

config = context.config

# Set up logging from the ini file, without disabling loggers that the
# calling application (e.g. migtest) configured before running alembic.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# The example has no ORM models: revisions are written by hand.
target_metadata = None


def get_url() -> str:
    url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: set DATABASE_URL or sqlalchemy.url in alembic.ini")
    return url


def _configure(**kwargs) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite: ALTERs go through batch mode
        compare_type=True,
        compare_server_default=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Emit the migration SQL to stdout instead of running it.

    Batch operations cannot reflect tables in offline mode, so the revisions
    that recreate tables pass an explicit ``copy_from`` table definition when
    ``context.is_offline_mode()`` is true.
    """
    _configure(
        url=get_url(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _check_foreign_keys(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(
            f"foreign key violations after migration (table, rowid, parent, fk index): {problems[:20]!r}"
        )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        # The caller owns the connection (and its transaction / pragmas).
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return

    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        url=get_url(),
        poolclass=pool.NullPool,
    )

    if connectable.dialect.name == "sqlite":

        @event.listens_for(connectable, "connect")
        def _sqlite_fk_off(dbapi_connection, _record):
            # Batch mode drops and recreates tables that other tables
            # reference; with enforcement on, DROP TABLE would fail.
            dbapi_connection.execute("PRAGMA foreign_keys=OFF")

    with connectable.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        _check_foreign_keys(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
