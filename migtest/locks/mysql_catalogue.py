"""Where MySQL and MariaDB tell the metadata locks each session holds and each table's InnoDB id.

Metadata locks (MDL) are read from `performance_schema.metadata_locks` where the server has it
on with the MDL instrument enabled (MySQL 8's default; MariaDB needs `performance_schema=ON` and
`performance-schema-instrument='wait/lock/metadata/sql/mdl=ON'` at start), else from MariaDB's
`information_schema.METADATA_LOCK_INFO`, installing its plugin (`INSTALL SONAME
'metadata_lock_info'`: a read-only table) only on a server migtest started for the run (a user's
server is not changed: its admin may install it). Where neither can
be read, the measurement says so in its note and lists no locks: the run goes on.

A table rebuilt (ALGORITHM=COPY, or INPLACE with a rebuild) gets a new InnoDB table id:
`INNODB_SYS_TABLES` on MariaDB, `INNODB_TABLES` on MySQL 8 (both need the PROCESS privilege).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy

# From the weakest to the strongest, as the server spells them (MariaDB's plugin prefixes MDL_).
MODES = (
    "INTENTION_EXCLUSIVE",
    "SHARED",
    "SHARED_HIGH_PRIO",
    "SHARED_READ",
    "SHARED_WRITE",
    "SHARED_WRITE_LOW_PRIO",
    "SHARED_UPGRADABLE",
    "SHARED_READ_ONLY",
    "SHARED_NO_WRITE",
    "SHARED_NO_READ_WRITE",
    "EXCLUSIVE",
)
# Every row: (table, mode, the holding session's statement), for sessions other than %s and %s;
# not the copy an ALTER builds (#sql-…), which nobody else can use.
PERFORMANCE_SCHEMA = """
SELECT m.OBJECT_NAME, m.LOCK_TYPE, t.PROCESSLIST_INFO
FROM performance_schema.metadata_locks m JOIN performance_schema.threads t ON t.THREAD_ID = m.OWNER_THREAD_ID
WHERE m.OBJECT_TYPE = 'TABLE' AND m.LOCK_STATUS = 'GRANTED' AND m.OBJECT_SCHEMA = DATABASE()
  AND t.PROCESSLIST_ID NOT IN (%s, %s) AND m.OBJECT_NAME NOT LIKE '#sql%%'
"""
METADATA_LOCK_INFO = """
SELECT m.TABLE_NAME, SUBSTRING(m.LOCK_MODE, 5), p.INFO
FROM information_schema.METADATA_LOCK_INFO m LEFT JOIN information_schema.PROCESSLIST p ON p.ID = m.THREAD_ID
WHERE m.LOCK_TYPE = 'Table metadata lock' AND m.TABLE_SCHEMA = DATABASE() AND m.THREAD_ID NOT IN (%s, %s)
  AND m.TABLE_NAME NOT LIKE '#sql%%'
"""
MDL_INSTRUMENT = """
SELECT @@performance_schema AND EXISTS (
  SELECT 1 FROM performance_schema.setup_instruments WHERE NAME = 'wait/lock/metadata/sql/mdl' AND ENABLED = 'YES')
"""
PLUGIN = """
SELECT 1 FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'METADATA_LOCK_INFO' AND PLUGIN_STATUS = 'ACTIVE'
"""
HOW_TO_INSTALL = "migtest installs it only on servers it starts; INSTALL SONAME 'metadata_lock_info' adds it"
UNOBSERVABLE = "metadata locks not observable: performance_schema with its MDL instrument is off"
UPGRADES_UNSEEN = "lock modes as taken, not as upgraded: read from MariaDB's performance_schema"
TABLE_IDS = ("INNODB_SYS_TABLES", "INNODB_TABLES")  # MariaDB's, MySQL 8's
ENCODED = re.compile(r"@([0-9a-f]{4})")  # InnoDB names a table "schema/table", encoded as file names


@dataclass(frozen=True)
class MdlSource:
    """How one login reads the metadata locks: `query` None when it cannot, `note` saying why."""

    query: str | None
    note: str | None = None


def mdl_source(connection: sqlalchemy.Connection, mariadb: bool, install: bool) -> MdlSource:
    """MariaDB's performance_schema shows each lock in the mode it was taken, never upgraded (an
    ALTER's SHARED_UPGRADABLE stays so while it blocks writes): its plugin comes first there."""
    if not mariadb:
        return MdlSource(PERFORMANCE_SCHEMA) if _performance_schema(connection) else MdlSource(None, UNOBSERVABLE)
    problem = _plugin(connection, install)
    if problem is None:
        return MdlSource(METADATA_LOCK_INFO)
    if _performance_schema(connection):
        return MdlSource(PERFORMANCE_SCHEMA, f"{UPGRADES_UNSEEN} ({problem})")
    return MdlSource(None, f"{UNOBSERVABLE} and {problem}")


def _performance_schema(connection: sqlalchemy.Connection) -> bool:
    return _true(connection, MDL_INSTRUMENT) and _runs(connection, PERFORMANCE_SCHEMA)


def _plugin(connection: sqlalchemy.Connection, install: bool) -> str | None:
    """Why METADATA_LOCK_INFO cannot be read, installing its plugin where it is missing and
    `install` allows (a server migtest started); None if it can."""
    if not _true(connection, PLUGIN) and not install:
        return f"the metadata_lock_info plugin is not installed on this server ({HOW_TO_INSTALL})"
    if not _true(connection, PLUGIN):
        try:
            connection.exec_driver_sql("INSTALL SONAME 'metadata_lock_info'")
        except sqlalchemy.exc.DBAPIError as exc:
            if not _true(connection, PLUGIN):  # another session's install may have won the race
                return f"the metadata_lock_info plugin could not be installed: {_reason(exc)}"
    if not _runs(connection, METADATA_LOCK_INFO):
        return "this login cannot read information_schema.METADATA_LOCK_INFO"
    return None


def _true(connection: sqlalchemy.Connection, query: str) -> bool:
    try:
        row = connection.exec_driver_sql(query).first()
    except sqlalchemy.exc.DBAPIError:
        return False
    return row is not None and bool(row[0])


def _runs(connection: sqlalchemy.Connection, query: str) -> bool:
    try:
        connection.exec_driver_sql(query, (0, 0)).fetchall()
    except sqlalchemy.exc.DBAPIError:
        return False
    return True


def table_ids(connection: sqlalchemy.Connection, schema: str) -> dict[str, int] | None:
    """Each InnoDB table of `schema` by name; None where the server does not tell (privileges)."""
    for view in TABLE_IDS:
        try:
            rows = connection.exec_driver_sql(f"SELECT NAME, TABLE_ID FROM information_schema.{view}").fetchall()
        except sqlalchemy.exc.DBAPIError:
            continue
        named = ((_decoded(name).partition("/"), table_id) for name, table_id in rows)
        return {table: int(table_id) for (owner, _, table), table_id in named if owner == schema}
    return None


def _decoded(name: str) -> str:
    """Names of ASCII characters other than letters, digits and `_` are written `@00XX`."""
    return ENCODED.sub(lambda match: chr(int(match.group(1), 16)), name)


def _reason(exc: sqlalchemy.exc.DBAPIError) -> str:
    orig = exc.orig
    return str(orig.args[1]) if orig is not None and len(orig.args) > 1 else str(exc)
