"""The client sessions on a PostgreSQL database, by their backends' pids.

pg_stat_activity also lists PostgreSQL's own workers under the database's name (an autovacuum
worker, which starts whenever the server decides a table needs it, or a query's parallel workers),
and a backend whose client has gone may still show for a moment: a test that counts rows there
depends on timing it does not control. It looks at client backends and compares their pids with
those present before, so another session coming or going is no part of its verdict.
"""

from __future__ import annotations

import sqlalchemy

CLIENTS = (
    "SELECT pid FROM pg_stat_activity WHERE datname = coalesce(%(name)s, current_database())"
    " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
)


def client_sessions(connection: sqlalchemy.Connection, database: str | None = None) -> set[int]:
    """The pids of the client sessions on `database` (by default the connection's), but its own."""
    return set(connection.exec_driver_sql(CLIENTS, {"name": database}).scalars())
