"""Per-engine normalization: the same schema and data, reported in one form per engine.

The inspector reports a schema in the engine's own words, and some of them depend on how the
schema was reached rather than on what it is: a literal default keeps the cast of a column type
changed since, MySQL keeps the display width or charset spelling the column was declared with and
names a foreign key's implicit index after the column it had when the index was made. A
`Dialect` turns those into one form, so a migrated database and a fresh install compare by what
they store. SQLite is the base; PostgreSQL and MySQL/MariaDB override only what differs.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import operator
import re
import struct
import uuid
from collections.abc import Callable, Collection, Iterable
from functools import cached_property
from typing import Any, NamedTuple

import sqlalchemy

from migtest.capture import sqlite_constraints, sqlite_indexes, sqlite_unique

Convert = Callable[[Any], Any]
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
ZERO_DATE = "0000-00-00 00:00:00"  # what MySQL drivers give for a zero TIMESTAMP, a value without an instant
TableKey = tuple[str | None, str]  # (schema, table), as the inspector's get_multi_* key them
Reflection = dict[TableKey, list[dict[str, Any]]]
Constraints = tuple[dict[TableKey, dict[str, Any]], Reflection, Reflection]  # primary keys, foreign keys, checks


class Name(NamedTuple):
    """A table, type or sequence; `schema` None is the connection's default schema."""

    schema: str | None
    name: str

    @property
    def key(self) -> str:
        """What captures, reports and the configuration call it: plain in the default schema."""
        return self.name if self.schema is None else f"{self.schema}.{self.name}"

    def ignored_by(self, ignore: Collection[str]) -> bool:
        """`schema.table` names one table; a plain name matches it in every captured schema."""
        return self.key in ignore or self.name in ignore


# -- values ---------------------------------------------------------------------------------------


def normalize_value(value: Any) -> Any:
    """Plain JSON-able values, so captures compare and serialize the same on every engine."""
    for kinds, convert in _NORMAL_FORMS:
        if isinstance(value, kinds):
            return convert(value)
    return value


def normal_form(kind: type) -> Convert | None:
    """What `normalize_value` does to every value of this type (None: leaves it as it is), for
    converting a column of one type without testing each value's."""
    return next((convert for kinds, convert in _NORMAL_FORMS if issubclass(kind, kinds)), None)


def _decimal(value: decimal.Decimal) -> Any:
    """An int or float like SQLite's NUMERIC gives, unless the float would lose digits: then exact."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    return as_float if decimal.Decimal(repr(as_float)) == value else value


_timestamp = operator.methodcaller("isoformat", " ")  # the form SQL literals and SQLite's CURRENT_TIMESTAMP use
_isoformat = operator.methodcaller("isoformat")  # one call in C for each value, not two


def _base64(value: bytes | bytearray | memoryview) -> str:
    return "base64:" + base64.b64encode(bytes(value)).decode()


# in this order: a datetime is a date too
_NORMAL_FORMS: tuple[tuple[type | tuple[type, ...], Convert], ...] = (
    (decimal.Decimal, _decimal),
    (datetime.datetime, _timestamp),
    ((datetime.date, datetime.time), _isoformat),
    (datetime.timedelta, datetime.timedelta.total_seconds),
    ((bytes, bytearray, memoryview), _base64),
    (uuid.UUID, str),
)


def boolean(value: Any) -> Any:
    """0 and 1 in a boolean column (MySQL's TINYINT(1), SQLite's BOOLEAN) are False and True, as on
    PostgreSQL; any other value stays, since nothing stops such a column holding one."""
    if isinstance(value, bool) or value not in (0, 1):
        return value
    return bool(value)


def epoch_instant(value: Any) -> Any:
    """MySQL's `UNIX_TIMESTAMP()` of a TIMESTAMP as the instant in UTC, written as a zoned timestamp
    is; 0 is the zero date, which is no instant."""
    if value is None:
        return None
    if value == 0:
        return ZERO_DATE
    seconds = decimal.Decimal(value)
    whole = int(seconds)
    moment = EPOCH + datetime.timedelta(seconds=whole, microseconds=int((seconds - whole) * 1_000_000))
    return normalize_value(moment)


def single_precision(value: Any) -> Any:
    """The value a 4-byte float column stores, exactly. Drivers read its shortest decimal (19.99),
    which as a Python float is another number than the 19.9899997711... stored: compared with a
    DOUBLE's 19.99, it would hide the precision lost when a DOUBLE column became REAL."""
    if not isinstance(value, float):
        return value
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:  # not a 4-byte float's value: nothing to round
        return value


# -- schema text ----------------------------------------------------------------------------------

_OUTER_PARENS = re.compile(r"^\((.*)\)$", re.S)
_QUOTED_NUMBER = re.compile(r"^'(-?\d+(?:\.\d+)?)'$")
_LITERAL_CAST = re.compile(r"^\(*('(?:[^']|'')*')(?=\)|::)[\w .\"\[\](),:]*$")
_CURRENT_TIMESTAMP = re.compile(r"\b(?:current_timestamp|now)\b(?:\(\s*(\d*)\s*\))?", re.I)
_DISPLAY_WIDTH = re.compile(r"\b(TINYINT|SMALLINT|MEDIUMINT|INTEGER|INT|BIGINT|YEAR)\((\d+)\)")
_CHARSET = re.compile(r"\s+(?:CHARACTER SET|COLLATE)\s+\w+")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def without_parens(text: str) -> str:
    while (match := _OUTER_PARENS.match(text)) is not None:
        text = match[1].strip()
    return text


def unquoted_number(text: str) -> str:
    """`'0'` and `0` are one default: the column's type, compared on its own, decides what it stores.
    MySQL 8 quotes numeric defaults, MariaDB and SQLite keep them as written."""
    return _QUOTED_NUMBER.sub(r"\1", text)


def without_literal_cast(text: str) -> str:
    """PostgreSQL keeps a literal default's cast from when it was set: `'x'::text` after a TEXT column
    became VARCHAR, `'x'::character varying` when created as one. The column's type says which."""
    return _LITERAL_CAST.sub(r"\1", without_parens(text))


def current_timestamp(text: str) -> str:
    """`current_timestamp()` (MariaDB), `CURRENT_TIMESTAMP` (MySQL) and `now()` are the same default."""
    if text.startswith("'"):  # a string default, even one reading 'now'
        return text
    return _CURRENT_TIMESTAMP.sub(lambda m: f"CURRENT_TIMESTAMP({m[1]})" if m[1] else "CURRENT_TIMESTAMP", text)


def without_display_width(type_text: str) -> str:
    """Integer display widths change nothing stored (MySQL 8 stopped showing them), except with
    ZEROFILL, and in TINYINT(1): MySQL's BOOLEAN, which drivers read as true/false."""
    if "ZEROFILL" in type_text:
        return type_text

    def replace(match: re.Match[str]) -> str:
        return match[0] if (match[1], match[2]) == ("TINYINT", "1") else match[1]

    return _DISPLAY_WIDTH.sub(replace, type_text)


def with_charset(type_text: str, charset: tuple[str, str] | None, database_default: tuple[str, str]) -> str:
    """A string column's effective character set and collation, written only when they differ from
    the database's. MySQL writes them when they differ from the table's default, so the same column
    reads differently in a table whose default changed since, or when they were declared explicitly."""
    text = _CHARSET.sub("", type_text)
    if charset is None or charset == database_default:
        return text
    return f"{text} CHARACTER SET {charset[0]} COLLATE {charset[1]}"


def identity_text(identity: dict[str, Any]) -> str:
    """A PostgreSQL identity as one readable value; its start, like a sequence's current value, is
    where counting resumed, which a migration adding identity to a filled table sets on purpose."""
    generated = "always" if identity.get("always") else "by default"
    cycle = ", cycle" if identity.get("cycle") else ""
    return (
        f"{generated}, increment {identity.get('increment')}, "
        f"min {identity.get('minvalue')}, max {identity.get('maxvalue')}{cycle}"
    )


def fk_index_names_dropped(indexes: list[dict[str, Any]], foreign_keys: Iterable[list[str]]) -> list[dict[str, Any]]:
    """The index MySQL adds for a foreign key is named after the constraint or the column at the time,
    and keeps that name when the column is renamed: compare such an index by its columns alone."""
    fk_columns = [list(columns) for columns in foreign_keys]
    return [
        {**index, "name": None} if not index["unique"] and index["columns"] in fk_columns else index
        for index in indexes
    ]


def checks_by_expression(
    reflected: list[dict[str, Any]], dialect: str, generated: Callable[[str], bool]
) -> list[dict[str, Any]]:
    """CHECK constraints compared by what they require: the expression in canonical form, and the
    name only where someone chose it (an engine-made name says how the check was added, not what it is)."""
    if not reflected:
        return []
    from migtest.capture.expressions import normalize_check  # sqlglot takes ~0.4 s to import: paid where checks exist

    checks = [
        {
            "name": None if not check["name"] or generated(check["name"]) else check["name"],
            "expression": normalize_check(check["sqltext"], dialect),
        }
        for check in reflected
    ]
    return sorted(checks, key=lambda check: (check["expression"], check["name"] or ""))


# -- dialects -------------------------------------------------------------------------------------


class Dialect:
    """SQLite, and what every engine shares: types compiled for the engine, defaults unwrapped."""

    expressions = "sqlite"  # the sqlglot dialect that reads the engine's CHECK texts

    def __init__(self, connection: sqlalchemy.Connection) -> None:
        self.connection = connection
        self.inspector = sqlalchemy.inspect(connection)

    def schemas(self, requested: Iterable[str | None]) -> list[str | None]:
        """The schemas to read, each once; the default one as None, so its tables keep plain names."""
        default = self.inspector.default_schema_name
        resolved = [None if schema in (None, default) else schema for schema in requested]
        return list(dict.fromkeys(resolved))

    def name(self, schema: str | None, name: str) -> Name:
        return Name(None if schema == self.inspector.default_schema_name else schema, name)

    def column(self, info: dict[str, Any], table: Name) -> dict[str, Any]:
        return {
            "type": self.type_text(info, table),
            "nullable": bool(info["nullable"]),
            "default": self.default(info.get("default")),
        }

    def type_text(self, info: dict[str, Any], table: Name) -> str:
        try:
            text = info["type"].compile(dialect=self.connection.dialect)
        except sqlalchemy.exc.CompileError:  # a type SQLAlchemy did not recognize
            text = repr(info["type"])
        return squash(text)

    def default(self, default: Any) -> str | None:
        if default is None:
            return None
        return unquoted_number(self.default_text(squash(str(default))))

    def default_text(self, text: str) -> str:
        return without_parens(text)

    def indexes(self, indexes: list[dict[str, Any]], foreign_keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return indexes

    def reflect_unique(self, schema: str | None, names: list[str]) -> dict[TableKey, list[dict[str, Any]]]:
        """Each table's UNIQUE constraints as SQLAlchemy reflects them, asking only the tables that
        can have one (SQLite's reflection of them reflects every index again, see sqlite_unique)."""
        return sqlite_unique.reflect(self.connection, self.inspector, schema, names)

    def reflect_every_unique(self, schema: str | None, names: list[str]) -> dict[TableKey, list[dict[str, Any]]]:
        """Each table's UNIQUE constraints, all tables in one go (a server answers one query)."""
        return self.inspector.get_multi_unique_constraints(schema=schema, filter_names=names)

    def reflect_indexes(self, schema: str | None, names: list[str]) -> dict[TableKey, list[dict[str, Any]]]:
        """Each table's indexes as SQLAlchemy reflects them (what a capture reads of them), in one
        query rather than two statements per index (see sqlite_indexes)."""
        return sqlite_indexes.reflect(self.connection, schema, names)

    def reflect_every_index(self, schema: str | None, names: list[str]) -> dict[TableKey, list[dict[str, Any]]]:
        """Each table's indexes, all tables in one go (a server answers one query)."""
        return self.inspector.get_multi_indexes(schema=schema, filter_names=names)

    def reflect_checks(self, schema: str | None, names: list[str]) -> dict[TableKey, list[dict[str, Any]]]:
        """Each table's CHECK constraints as `{name, sqltext}`, all tables in one go."""
        return self.inspector.get_multi_check_constraints(schema=schema, filter_names=names)

    def reflect_constraints(self, schema: str | None, names: list[str], columns: Reflection) -> Constraints:
        """Each table's primary key, foreign keys and CHECK constraints as SQLAlchemy reflects them,
        the key from the `columns` reflected, only tables that can have the others asked for them
        (see sqlite_constraints)."""
        return sqlite_constraints.reflect(self.connection, self.inspector, schema, names, columns)

    def reflect_every_constraint(self, schema: str | None, names: list[str], columns: Reflection) -> Constraints:
        """Each table's primary key, foreign keys and CHECK constraints, each kind for all tables in
        one go (a server answers one query)."""
        return (
            self.inspector.get_multi_pk_constraint(schema=schema, filter_names=names),
            self.inspector.get_multi_foreign_keys(schema=schema, filter_names=names),
            self.reflect_checks(schema, names),
        )

    def check_constraints(self, reflected: list[dict[str, Any]], table: Name) -> list[dict[str, Any]]:
        return checks_by_expression(reflected, self.expressions, lambda name: self.generated_check_name(name, table))

    def generated_check_name(self, name: str, table: Name) -> bool:
        """SQLite names a check only when told to."""
        return False

    def table_options(self, table: Name) -> dict[str, Any]:
        return {}

    def enums(self, schemas: list[str | None]) -> dict[str, list[str]]:
        return {}

    def sequences(self, schemas: list[str | None], ignore: Collection[str]) -> dict[str, dict[str, Any]]:
        return {}

    def converter(self, type_text: str) -> Convert:
        """How a column's values are read into captures, by the column's normalized type."""
        return Then(boolean) if type_text == "BOOLEAN" else normalize_value

    def selected(self, quoted: str, type_text: str) -> str:
        """What a capture selects for a column (`quoted`), read by `converter`: the column itself."""
        return quoted

    def rows_cursor(self) -> Any:
        """A cursor of the driver's own for reading every row of a table: plain tuples, where
        SQLAlchemy's results build a Row per row (most of a capture's time). Servers stream."""
        return self.connection.connection.cursor()


class Then:
    """`convert` applied to a value `normalize_value` read: plain values need only `convert`."""

    def __init__(self, convert: Convert) -> None:
        self.convert = convert

    def __call__(self, value: Any) -> Any:
        return self.convert(normalize_value(value))


class PostgresDialect(Dialect):
    """Identity columns, enum types and sequences are schema too; literal defaults lose their casts."""

    expressions = "postgres"
    reflect_unique = Dialect.reflect_every_unique
    reflect_indexes = Dialect.reflect_every_index
    reflect_constraints = Dialect.reflect_every_constraint

    def generated_check_name(self, name: str, table: Name) -> bool:
        """`<table>_<column>_check`, `<table>_check1`: parts cut to fit 63 bytes, the table's kept longest."""
        made = re.fullmatch(r"(.+)_check\d*", name)
        return made is not None and made[1].startswith(table.name[:20])

    def column(self, info: dict[str, Any], table: Name) -> dict[str, Any]:
        identity = info.get("identity")
        return {**super().column(info, table), "identity": identity_text(identity) if identity else None}

    def default_text(self, text: str) -> str:
        return without_literal_cast(text)

    def enums(self, schemas: list[str | None]) -> dict[str, list[str]]:
        return {
            self.name(enum["schema"], enum["name"]).key: list(enum["labels"])
            for schema in schemas
            for enum in self.inspector.get_enums(schema=schema or self.inspector.default_schema_name)
        }

    def sequences(self, schemas: list[str | None], ignore: Collection[str]) -> dict[str, dict[str, Any]]:
        """Every sequence but an identity's (its column says how it counts) and those owned by an
        ignored table; what bounds the numbers, not the number reached."""
        names = [schema or self.inspector.default_schema_name for schema in schemas]
        rows = self.connection.execute(_PG_SEQUENCES, {"schemas": names}).mappings()
        captured = {}
        for row in rows:
            owner = self.name(row["owner_schema"], row["owner"]) if row["owner"] else None
            if row["deptype"] == "i" or (owner is not None and owner.ignored_by(ignore)):
                continue
            captured[self.name(row["schema"], row["name"]).key] = {
                "type": row["type"],
                "increment": row["increment"],
                "min": row["min"],
                "max": row["max"],
                "cycle": row["cycle"],
            }
        return captured

    def converter(self, type_text: str) -> Convert:
        """A BOOLEAN is read as True and False already; NUMERIC, timestamps and dates arrive as
        `normalize_value` makes them (see pg_loaders), so most batches need no conversion at all."""
        if type_text == "REAL":
            return Then(single_precision)
        return normalize_value

    def rows_cursor(self) -> Any:
        """A server-side cursor: the server keeps the result, each fetch brings one batch, the next
        one fetched while the capture stores this one (see prefetch)."""
        from migtest.capture import pg_loaders  # imports this module
        from migtest.capture.prefetch import Prefetching

        driver = self.connection.connection.dbapi_connection
        cursor = driver.cursor(name="migtest_rows", withhold=driver.autocommit)  # outside a transaction: held
        pg_loaders.register(cursor)
        return Prefetching(cursor)


_PG_SEQUENCES = sqlalchemy.text(
    """
    SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS type,
           s.seqincrement AS increment, s.seqmin AS min, s.seqmax AS max, s.seqcycle AS cycle,
           d.deptype, owner_namespace.nspname AS owner_schema, owner.relname AS owner
    FROM pg_sequence s
    JOIN pg_class c ON c.oid = s.seqrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
         AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    LEFT JOIN pg_class owner ON owner.oid = d.refobjid
    LEFT JOIN pg_namespace owner_namespace ON owner_namespace.oid = owner.relnamespace
    WHERE n.nspname = ANY(:schemas)
    ORDER BY 1, 2
    """
)


def _is_timestamp(type_text: str) -> bool:
    """MySQL's TIMESTAMP and TIMESTAMP(fsp), not DATETIME."""
    return re.fullmatch(r"TIMESTAMP(\(\d\))?", type_text) is not None


class MysqlDialect(Dialect):
    """MySQL and MariaDB: display widths, charset spellings, timestamp defaults and implicit
    foreign key index names vary with how a table was reached; the storage engine is schema."""

    expressions = "mysql"
    reflect_unique = Dialect.reflect_every_unique
    reflect_indexes = Dialect.reflect_every_index
    reflect_constraints = Dialect.reflect_every_constraint

    def column(self, info: dict[str, Any], table: Name) -> dict[str, Any]:
        auto_increment = "auto_increment" if info.get("autoincrement") is True else None
        return {**super().column(info, table), "identity": auto_increment}

    def type_text(self, info: dict[str, Any], table: Name) -> str:
        if (table.name, info["name"]) in self._json_columns:
            return "JSON"
        text = without_display_width(super().type_text(info, table))
        return with_charset(text, self._charsets.get((table.name, info["name"])), self._database_charset)

    def default_text(self, text: str) -> str:
        return current_timestamp(without_parens(text))

    def indexes(self, indexes: list[dict[str, Any]], foreign_keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return fk_index_names_dropped(indexes, (fk["columns"] for fk in foreign_keys))

    def reflect_checks(self, schema: str | None, names: list[str]) -> dict[TableKey, list[dict[str, Any]]]:
        """MariaDB's column-level checks (`status VARCHAR(9) CHECK (...)`) are missing from what
        SQLAlchemy reads, so they come from information_schema; a JSON column's check is its type."""
        if not self.connection.dialect.is_mariadb:
            return super().reflect_checks(schema, names)
        reflected: dict[TableKey, list[dict[str, Any]]] = {(schema, name): [] for name in names}
        for table, name, level, clause in self._mariadb_checks:
            if (schema, table) in reflected and (table, name) not in self._json_columns:
                column_level = level == "Column"  # named after its column by MariaDB
                reflected[(schema, table)].append({"name": None if column_level else name, "sqltext": clause})
        return reflected

    def generated_check_name(self, name: str, table: Name) -> bool:
        """MariaDB's `CONSTRAINT_1`, MySQL's `<table>_chk_1`."""
        return re.fullmatch(rf"CONSTRAINT_\d+|{re.escape(table.name)}_chk_\d+", name) is not None

    def table_options(self, table: Name) -> dict[str, Any]:
        """The storage engine only: ROW_FORMAT spelled out or left at its default, the AUTO_INCREMENT
        counter and the table's default charset (each column's own is compared) are not schema."""
        return {"engine": self._engines.get(table.name)}

    def converter(self, type_text: str) -> Convert:
        if type_text == "TINYINT(1)":
            return Then(boolean)
        if type_text.startswith("FLOAT"):
            return Then(single_precision)
        if _is_timestamp(type_text):
            return epoch_instant
        return normalize_value

    def rows_cursor(self) -> Any:
        """An unbuffered cursor: rows come from the server as they are fetched."""
        import pymysql.cursors  # the driver migtest connects with (migtest.databases.mysql)

        return self.connection.connection.dbapi_connection.cursor(pymysql.cursors.SSCursor)

    def selected(self, quoted: str, type_text: str) -> str:
        """A TIMESTAMP stores an instant but reads as the session zone's time of it: its seconds
        since the epoch are the instant itself, as PostgreSQL's timestamptz reads."""
        return f"UNIX_TIMESTAMP({quoted})" if _is_timestamp(type_text) else quoted

    @cached_property
    def _mariadb_checks(self) -> list[tuple[str, str, str, str]]:
        """Every CHECK of the database: table, name, level (Column or Table) and clause."""
        if not self.connection.dialect.is_mariadb:
            return []
        rows = self.connection.exec_driver_sql(
            "SELECT table_name, constraint_name, level, check_clause FROM information_schema.check_constraints "
            "WHERE constraint_schema = DATABASE() ORDER BY table_name, constraint_name"
        )
        return [(table, name, level, clause) for table, name, level, clause in rows]

    @cached_property
    def _json_columns(self) -> set[tuple[str, str]]:
        """MariaDB's JSON is LONGTEXT with a check `json_valid(col)` named after the column, which
        SQLAlchemy reads as LONGTEXT: the check is what tells JSON (validated) from text."""
        return {
            (table, name)
            for table, name, level, clause in self._mariadb_checks
            if level == "Column" and clause == f"json_valid(`{name}`)"
        }

    @cached_property
    def _charsets(self) -> dict[tuple[str, str], tuple[str, str]]:
        rows = self.connection.exec_driver_sql(
            "SELECT table_name, column_name, character_set_name, collation_name FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND collation_name IS NOT NULL"
        )
        return {(table, column): (charset, collation) for table, column, charset, collation in rows}

    @cached_property
    def _database_charset(self) -> tuple[str, str]:
        charset, collation = self.connection.exec_driver_sql(
            "SELECT default_character_set_name, default_collation_name FROM information_schema.schemata "
            "WHERE schema_name = DATABASE()"
        ).one()
        return charset, collation

    @cached_property
    def _engines(self) -> dict[str, str]:
        rows = self.connection.exec_driver_sql(
            "SELECT table_name, engine FROM information_schema.tables WHERE table_schema = DATABASE()"
        )
        return {table: engine for table, engine in rows}


DIALECTS: dict[str, type[Dialect]] = {"postgresql": PostgresDialect, "mysql": MysqlDialect, "mariadb": MysqlDialect}


def dialect_for(connection: sqlalchemy.Connection) -> Dialect:
    return DIALECTS.get(connection.dialect.name, Dialect)(connection)
