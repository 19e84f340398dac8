"""Run the revisions on the app's connection, or on DATABASE_URL when run by `python3 -m alembic`."""

from alembic import context
from app.migrate import create_db_engine


def run(connection) -> None:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) mode is not supported: set DATABASE_URL and run online")
connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with create_db_engine().connect() as connection:
        run(connection)
