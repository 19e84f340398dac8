"""The step walk's captures, each built from the one before it: a table's rows are read again only
when its digest (see table_digests) changed since the last capture, so a step reads the tables its
migration touched, however it touched them (its own statements, a trigger, a cascade), and reuses
the other tables' rows; on SQLite an unchanged schema is not reflected again either, and of a
table that changed, the rows whose records prove their values unchanged are carried over, the
driver reading only their key and the columns added (sqlite_records).

All through one connection kept for the walk instead of one per capture. Its transaction ends
after every capture: the migration, run on another connection or in another process, then waits
for no lock of ours, and the next capture sees what it committed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace

import sqlalchemy

from migtest.capture import collector
from migtest.capture.dialects import Name, dialect_for
from migtest.capture.sqlite_digests import Cells, Known, SchemaToken
from migtest.capture.sqlite_records import carried
from migtest.capture.state import State, TableSchema, capture, capture_data
from migtest.capture.table_digests import schema_token, table_digests


@dataclass(frozen=True)
class Capture:
    """A state, and what tells whether it still holds: its tables' digests, its schema's token."""

    state: State
    digests: dict[str, str | None] | None = None
    token: SchemaToken | None = None


class StepCaptures:
    def __init__(
        self,
        connection: sqlalchemy.Connection,
        ignore: Collection[str],
        bookkeeping: Collection[str],
        schemas: Iterable[str | None],
    ) -> None:
        self.connection = connection
        self.ignore, self.bookkeeping, self.schemas = ignore, bookkeeping, tuple(schemas)
        self.latest: Capture | None = None  # the last capture with rows: what the next one builds on
        self.known: Known = {}  # SQLite's pages and row digests, kept for the next digests

    def rows(self, revision: str | None = None) -> Capture:
        """Schema and rows, reading again only the tables whose digest changed since the latest;
        `revision` the migrator's, where a check needs it (reading it may cost a command)."""
        try:
            with collector.paused():  # rows carried over are new tuples too (see collector)
                self.latest = self._rows(revision, self.latest)
        finally:
            self.connection.rollback()
        return self.latest

    def schema(self, like: Capture) -> State:
        """The schema alone (no revision); `like`'s when its token says nothing changed."""
        try:
            token = schema_token(self.connection, self.schemas)
            if token is not None and token == like.token:
                return replace(like.state, revision=None, data={})
            return self._capture(None, with_data=False, known_schema=_unchanged_schema(like, token))
        finally:
            self.connection.rollback()

    def _rows(self, revision: str | None, since: Capture | None) -> Capture:
        token = schema_token(self.connection, self.schemas)
        dialect = dialect_for(self.connection)
        earlier = dict(self.known)
        digests = table_digests(self.connection, dialect.schemas(self.schemas), self._wanted, self.known)
        if since is not None and token is not None and token == since.token and digests == since.digests:
            return Capture(replace(since.state, revision=revision), digests, token)
        kept = _unchanged(since, digests)
        recorded = _recorded(since, digests, earlier, self.known)
        state = self._capture(revision, skip_rows=kept | recorded.keys(), known_schema=_unchanged_schema(since, token))
        old = since.state.schema if since is not None else {}
        reread = {key for key in kept & state.schema.keys() if not _same_shape(state.schema[key], old[key])}
        for key in recorded.keys() & state.schema.keys():
            assert since is not None
            rows = carried(dialect, key, state.schema[key], old[key], since.state.data[key], *recorded[key])
            if rows is None:
                reread.add(key)
            else:
                state.data[key] = rows
        if reread:  # same rows read another way now (a column's type, the key), or rows not carried
            state.data |= capture_data(dialect, {key: state.schema[key] for key in reread})
        if kept or recorded:
            assert since is not None
            state.data = {key: state.data[key] if key in state.data else since.state.data[key] for key in state.schema}
        return Capture(state, digests, token)

    def _wanted(self, table: Name) -> bool:
        """Whether a capture reads the table, as `capture_schema` decides."""
        return not table.ignored_by(self.ignore) and not table.name.startswith("sqlite_")

    def _capture(
        self,
        revision: str | None,
        *,
        with_data: bool = True,
        skip_rows: Collection[str] = (),
        known_schema: Mapping[str, TableSchema],
    ) -> State:
        return capture(
            self.connection,
            revision,
            self.ignore,
            bookkeeping=self.bookkeeping,
            schemas=self.schemas,
            with_data=with_data,
            skip_rows=skip_rows,
            known_schema=known_schema,
        )


def _unchanged(since: Capture | None, digests: dict[str, str | None] | None) -> set[str]:
    """The tables whose rows `since` holds and whose digest is the same now."""
    if since is None or since.digests is None or digests is None:
        return set()
    old = since.digests
    return {
        key
        for key, digest in digests.items()
        if digest is not None and old.get(key) == digest and key in since.state.data
    }


def _recorded(
    since: Capture | None, digests: dict[str, str | None] | None, earlier: Known, known: Known
) -> dict[str, tuple[Cells, Cells]]:
    """The tables whose digest changed since `since`, with their records then (`earlier`: what the
    digests knew before this capture, where their digest is still `since`'s) and now (`known`):
    their rows may be carried over (sqlite_records)."""
    if since is None or since.digests is None or digests is None:
        return {}
    then = {key: kept.cells for key, kept in earlier.items() if kept.cells and kept.digest == since.digests.get(key)}
    now = {key: kept.cells for key, kept in known.items() if kept.cells and kept.digest == digests.get(key)}
    changed = {key for key in then.keys() & now.keys() & since.state.data.keys() if digests[key] != since.digests[key]}
    return {key: (then[key], now[key]) for key in changed}


def _unchanged_schema(since: Capture | None, token: SchemaToken | None) -> dict[str, TableSchema]:
    """The tables of `since` whose own token is the same now, nor that of a table they reference
    (a foreign key without columns is reflected as the referenced table's key): their reflection
    still holds."""
    if since is None or since.token is None or token is None:
        return {}
    old, new = since.token.tables, token.tables
    changed = {table for table in old.keys() | new.keys() if old.get(table) != new.get(table)}
    return {
        key: table
        for key, table in since.state.schema.items()
        if key in new
        and key not in changed
        and not any(fk["references"].partition("(")[0] in changed for fk in table.foreign_keys)
    }


def _same_shape(new: TableSchema, old: TableSchema) -> bool:
    """Rows are read by their columns' types and keyed by the primary key: nothing else of the
    schema changes what a capture of the same rows holds."""
    types = {name: column["type"] for name, column in new.columns.items()}
    return new.primary_key == old.primary_key and types == {n: c["type"] for n, c in old.columns.items()}
