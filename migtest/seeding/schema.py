"""The tables to fill and what each column may hold, read from the database as it is.

SQLAlchemy's reflection gives types, keys, foreign keys and check constraints; each engine adds
what reflection leaves out: MySQL's integer widths, TIMESTAMP range and column character sets,
MariaDB's column-level checks, PostgreSQL's database encoding and identity columns.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy
from sqlalchemy.sql import sqltypes

from migtest.capture.dialects import Name, dialect_for
from migtest.errors import StepFailed
from migtest.seeding.constraints import read_checks
from migtest.seeding.values import BMP_UNICODE, FULL_UNICODE, LATIN_UNICODE, ColumnSpec, coerce, restrict

UNBOUNDED_BYTES = 1000  # the longest value written to a BLOB or TEXT whose limit is in kilobytes
MYSQL_TIMESTAMP = (datetime.datetime(1970, 1, 1, 0, 0, 1), datetime.datetime(2038, 1, 19, 3, 14, 7))
MYSQL_LENGTHS = {"TINYTEXT": 255, "TINYBLOB": 255}
INTEGER_BITS = {"TINYINT": 8, "SMALLINT": 16, "MEDIUMINT": 24, "BIGINT": 64}
NameOf = Callable[[str | None, str], Name]


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    parent: sqlalchemy.Table
    parent_key: str
    referred: tuple[str, ...]
    nullable: bool  # every column of it may be NULL
    self_reference: bool


@dataclass
class TablePlan:
    """One table to fill: `specs` are the columns given generated values (in table order),
    `fixed` those given one value by the configuration, `unique` the primary key first."""

    key: str
    table: sqlalchemy.Table
    specs: dict[str, ColumnSpec]
    fixed: dict[str, Any]
    foreign_keys: list[ForeignKey]
    unique: list[tuple[str, ...]]
    identity_always: bool = False  # PostgreSQL GENERATED ALWAYS: inserting keys needs OVERRIDING

    @property
    def foreign_key_columns(self) -> set[str]:
        return {column for fk in self.foreign_keys for column in fk.columns}


def read_tables(
    connection: sqlalchemy.Connection,
    *,
    schemas: Collection[str | None] = (None,),
    skip: Collection[str] = (),
    exclude: Collection[str] = (),
    values: Mapping[str, Any] | None = None,
) -> list[TablePlan]:
    """The tables of the schemas to fill, parents before children; `skip` and `exclude` name tables
    (or `table.column` in `exclude`) as `Name.ignored_by` matches them."""
    dialect = dialect_for(connection)
    metadata = sqlalchemy.MetaData()
    names = []
    for schema in dialect.schemas(schemas):
        metadata.reflect(bind=connection, schema=schema, views=False)
        names += [dialect.name(schema, name) for name in sorted(dialect.inspector.get_table_names(schema=schema))]
    engine = _EngineFacts(connection)
    plans = []
    for name in names:
        if name.ignored_by(skip) or name.ignored_by(exclude) or name.name.startswith("sqlite_"):
            continue
        table = metadata.tables[name.name if name.schema is None else f"{name.schema}.{name.name}"]
        excluded = {column.name for column in table.columns if f"{name.name}.{column.name}" in exclude}
        excluded |= {column.name for column in table.columns if f"{name.key}.{column.name}" in exclude}
        plans.append(_plan(dialect.name, name, table, engine, excluded, values or {}))
    return insertion_order(plans)


def _plan(
    name_of: NameOf,
    name: Name,
    table: sqlalchemy.Table,
    engine: _EngineFacts,
    excluded: set[str],
    values: Mapping[str, Any],
) -> TablePlan:
    rules, _unread = read_checks(engine.checks(table), [column.name for column in table.columns])
    specs: dict[str, ColumnSpec] = {}
    fixed: dict[str, Any] = {}
    for column in table.columns:
        configured = [key for key in (f"{name.key}.{column.name}", f"{name.name}.{column.name}") if key in values]
        if column.computed is not None or column.name in excluded:
            if column.name in excluded and not _may_be_left_out(column):
                raise StepFailed(
                    f"seed.generate.exclude: column {name.key}.{column.name} is NOT NULL without a default; "
                    "give it a value in seed.generate.values instead"
                )
            continue
        spec = engine.spec(table, column)
        if spec is not None and column.name in rules:
            spec = restrict(spec, rules[column.name])
        if configured:
            fixed[column.name] = _fixed(spec, configured[0], values[configured[0]])
        elif spec is not None:
            specs[column.name] = spec
        elif not _may_be_left_out(column):
            raise StepFailed(
                f"seed.generate: no values can be made for {name.key}.{column.name} ({engine.type_text(column.type)}): "
                f"give it one with seed.generate.values ('{name.key}.{column.name}: ...') or exclude the table"
            )
        if spec is not None and spec.kind == "json":  # MariaDB's JSON is LONGTEXT with a json_valid check
            column.type = sqltypes.JSON(none_as_null=True)  # and None is SQL NULL, as in every other column
    foreign_keys = sorted(
        (_foreign_key(name_of, table, constraint) for constraint in table.foreign_key_constraints),
        key=lambda fk: (fk.columns, fk.parent_key),
    )
    return TablePlan(
        key=name.key,
        table=table,
        specs=specs,
        fixed=fixed,
        foreign_keys=[fk for fk in foreign_keys if not set(fk.columns) & (excluded | set(fixed))],
        unique=list(dict.fromkeys([*_unique_sets(table), *sorted(engine.unique_indexes(table))])),
        identity_always=any(column.identity is not None and column.identity.always for column in table.columns),
    )


def _may_be_left_out(column: sqlalchemy.Column) -> bool:
    return bool(column.nullable or column.server_default is not None or column.autoincrement is True)


def _fixed(spec: ColumnSpec | None, key: str, value: Any) -> Any:
    try:
        return value if spec is None else coerce(spec, value)
    except ValueError as exc:
        raise StepFailed(f"seed.generate.values.{key}: {exc}") from exc


def _foreign_key(name_of: NameOf, table: sqlalchemy.Table, constraint: sqlalchemy.ForeignKeyConstraint) -> ForeignKey:
    parent = constraint.referred_table
    columns = tuple(constraint.column_keys)
    return ForeignKey(
        columns=columns,
        parent=parent,
        parent_key=name_of(parent.schema, parent.name).key,
        referred=tuple(element.column.name for element in constraint.elements),
        nullable=all(table.columns[column].nullable and not table.columns[column].primary_key for column in columns),
        self_reference=parent is table,
    )


def _unique_sets(table: sqlalchemy.Table) -> list[tuple[str, ...]]:
    """Column sets no two rows may share: the primary key, then unique constraints and indexes
    (sorted: reflection gives them as a set, and the order decides which column keeps them)."""
    constraints = [
        tuple(column.name for column in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, sqlalchemy.UniqueConstraint)
    ]
    indexes = [
        tuple(column.name for column in index.columns)
        for index in table.indexes
        if index.unique and len(index.columns) == len(index.expressions)
    ]
    sets = [tuple(column.name for column in table.primary_key.columns), *sorted(constraints + indexes)]
    return [columns for columns in dict.fromkeys(sets) if columns]


def insertion_order(plans: list[TablePlan]) -> list[TablePlan]:
    """Parents before children (self-references aside). A cycle is broken at the table with the
    fewest parents still to fill: its references to them are NULL where allowed."""
    pending = {plan.key: plan for plan in plans}
    ordered: list[TablePlan] = []
    while pending:
        waiting = {
            key: {fk.parent_key for fk in plan.foreign_keys if fk.parent_key in pending and fk.parent_key != key}
            for key, plan in pending.items()
        }
        ready = [key for key, parents in waiting.items() if not parents]
        if not ready:
            ready = [min(waiting, key=lambda key: (len(waiting[key]), key))]
        for key in ready:
            ordered.append(pending.pop(key))
    return ordered


class _EngineFacts:
    """What a column may hold on this engine: its type's range, its character set's letters."""

    def __init__(self, connection: sqlalchemy.Connection) -> None:
        self.connection = connection
        self.inspector = sqlalchemy.inspect(connection)
        self.engine = connection.dialect.name
        self.mariadb = bool(getattr(connection.dialect, "is_mariadb", False))
        self.charsets = self._charsets()
        self.unicode = self._database_unicode()

    def _charsets(self) -> dict[tuple[str, str], str]:
        if self.engine != "mysql":
            return {}
        rows = self.connection.exec_driver_sql(
            "SELECT table_name, column_name, character_set_name FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND character_set_name IS NOT NULL"
        )
        return {(table, column): charset for table, column, charset in rows}

    def _database_unicode(self) -> str:
        if self.engine != "postgresql":
            return FULL_UNICODE
        encoding = self.connection.exec_driver_sql("SHOW server_encoding").scalar()
        return FULL_UNICODE if encoding == "UTF8" else LATIN_UNICODE

    def checks(self, table: sqlalchemy.Table) -> list[str]:
        """MariaDB keeps a column's own CHECK (and JSON's json_valid) out of SHOW CREATE TABLE's
        constraint lines, which reflection reads: its information_schema has them all."""
        if self.mariadb:
            rows = self.connection.exec_driver_sql(
                "SELECT check_clause FROM information_schema.check_constraints "
                "WHERE constraint_schema = DATABASE() AND table_name = %s ORDER BY constraint_name",
                (table.name,),
            )
            return [clause for (clause,) in rows]
        return sorted(
            str(constraint.sqltext)
            for constraint in table.constraints
            if isinstance(constraint, sqlalchemy.CheckConstraint)
        )

    def unique_indexes(self, table: sqlalchemy.Table) -> list[tuple[str, ...]]:
        """SQLite: reflection misses a column's own UNIQUE, which its index list has."""
        if self.engine != "sqlite":
            return []
        quoted = self.connection.dialect.identifier_preparer.quote(table.name)
        found = []
        for index in self.connection.exec_driver_sql(f"PRAGMA index_list({quoted})").mappings():
            if index["unique"]:
                quoted_index = self.connection.dialect.identifier_preparer.quote(index["name"])
                columns = [
                    row["name"]
                    for row in self.connection.exec_driver_sql(f"PRAGMA index_info({quoted_index})").mappings()
                ]
                if columns and None not in columns:
                    found.append(tuple(columns))
        return found

    def type_text(self, kind: sqltypes.TypeEngine) -> str:
        try:
            return f"type {kind.compile(dialect=self.connection.dialect)}"
        except sqlalchemy.exc.CompileError:
            return "a type SQLAlchemy does not recognize"

    def spec(self, table: sqlalchemy.Table, column: sqlalchemy.Column) -> ColumnSpec | None:
        """None: a type nothing can be generated for (its column is left to NULL or its default)."""
        spec = self._spec(column.name, column.type)
        if spec is None:
            return None
        nullable = bool(column.nullable) and not column.primary_key
        if spec.kind == "string" and self.engine == "mysql":
            charset = self.charsets.get((table.name, column.name), "utf8mb4")
            unicode = {"utf8mb4": FULL_UNICODE, "utf8mb3": BMP_UNICODE, "utf8": BMP_UNICODE}.get(charset, LATIN_UNICODE)
            spec = replace(spec, unicode=unicode)
        return replace(spec, nullable=nullable)

    def _spec(self, name: str, kind: sqltypes.TypeEngine) -> ColumnSpec | None:
        type_name = type(kind).__name__.upper()
        if isinstance(kind, sqltypes.Boolean) or (type_name == "TINYINT" and getattr(kind, "display_width", 0) == 1):
            return ColumnSpec(name, "boolean")
        if isinstance(kind, sqltypes.Integer):
            return ColumnSpec(name, "integer", low=_integer_range(kind)[0], high=_integer_range(kind)[1])
        if type_name == "YEAR":
            return ColumnSpec(name, "integer", low=1901, high=2155)
        if isinstance(kind, sqltypes.Float):
            return ColumnSpec(name, "float")
        if isinstance(kind, sqltypes.Numeric):
            return _decimal(name, kind)
        if isinstance(kind, sqltypes.Enum):
            return ColumnSpec(name, "string", choices=tuple(kind.enums))
        if type_name == "SET":
            return ColumnSpec(name, "string", choices=tuple(kind.values))
        if isinstance(kind, sqltypes.String):
            length = kind.length or MYSQL_LENGTHS.get(type_name) or None
            return ColumnSpec(name, "string", length=length, unicode=self.unicode)
        if isinstance(kind, sqltypes._Binary):
            return ColumnSpec(name, "binary", length=kind.length or MYSQL_LENGTHS.get(type_name) or UNBOUNDED_BYTES)
        if isinstance(kind, sqltypes.DateTime):
            low, high = MYSQL_TIMESTAMP if self.engine == "mysql" and type_name == "TIMESTAMP" else (None, None)
            return ColumnSpec(name, "datetime", low=low, high=high, timezone=bool(kind.timezone))
        if isinstance(kind, sqltypes.Date):
            return ColumnSpec(name, "date")
        if isinstance(kind, sqltypes.Time):
            return ColumnSpec(name, "time")
        if isinstance(kind, sqltypes._AbstractInterval):
            return ColumnSpec(name, "interval")
        if isinstance(kind, sqltypes.JSON):
            return ColumnSpec(name, "json")
        if isinstance(kind, sqltypes.Uuid):
            return ColumnSpec(name, "uuid")
        if isinstance(kind, sqltypes.ARRAY):
            item = self._spec(name, kind.item_type)
            return None if item is None else ColumnSpec(name, "array", item=item)
        if type_name in ("INET", "CIDR", "MACADDR"):
            return ColumnSpec(name, type_name.lower())
        return None


def _integer_range(kind: sqltypes.TypeEngine) -> tuple[int, int]:
    bits = INTEGER_BITS.get(type(kind).__name__.upper())
    if bits is None:
        bits = 16 if isinstance(kind, sqltypes.SmallInteger) else 64 if isinstance(kind, sqltypes.BigInteger) else 32
    if getattr(kind, "unsigned", False):
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _decimal(name: str, kind: sqltypes.Numeric) -> ColumnSpec:
    """NUMERIC without a precision (PostgreSQL's unbounded, SQLite's affinity) is given 15 digits,
    two after the point: what a float also reads back exactly."""
    scale = kind.scale if kind.scale is not None else (0 if kind.precision else 2)
    precision = kind.precision or 15
    high = decimal.Decimal(10) ** (precision - scale) - decimal.Decimal(1).scaleb(-scale)
    return ColumnSpec(name, "decimal", low=-high, high=high, scale=scale)
