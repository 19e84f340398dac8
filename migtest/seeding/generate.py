"""`seed.generate`: rows made up from the schema at the from-version, with no fixture written by hand.

Every table gets `rows` rows (fewer where its unique keys run out of combinations), parents before
children, each column's edge cases first (NULL, empty and longest strings, Unicode, boundary
numbers, epoch and far-future dates) and repeated values where no uniqueness forbids them. Keys
are given explicitly, counting on from the largest already there, so references are known
without reading rows back and the same seed makes the same rows; PostgreSQL's sequences are
moved past them, so the migrations' own inserts still get free numbers.

Rows go in `batch` at a time, one transaction each. A batch the database rejects (a check
constraint too complex to read, say) is retried row by row; rejected rows are skipped and
counted in the description, never dropped silently.
"""

from __future__ import annotations

import collections
import math
import random
import sys
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import sqlalchemy

from migtest.config import GenerateConfig
from migtest.databases import Database
from migtest.seeding.batches import insert_batch, insert_statement, move_sequences
from migtest.seeding.schema import ForeignKey, TablePlan, read_tables
from migtest.seeding.values import ColumnSpec, Distinct, Plain, distinct, domain_size
from migtest.sources import Workspace

PROGRESS_FROM = 10_000  # tables this large report every tenth done
POOL_LIMIT = 1_000_000  # parent keys read to refer to
NULL_SHARE = 0.1  # of the references that may be NULL
NUMBERS = ("integer", "decimal", "float")
Progress = Callable[[str], None]
Value = Callable[[int], Any]


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Digit(NamedTuple):
    """One part of a unique column set counted through its combinations: row i's index into the
    part's values. Rows visit the combinations in a scrambled order (i times a multiplier prime to
    their number), so that every part varies even when only a few combinations are used."""

    stride: int
    radix: int
    combinations: int
    multiplier: int

    def of(self, i: int) -> int:
        return (i * self.multiplier % self.combinations // self.stride) % self.radix


@dataclass
class TableResult:
    table: str
    inserted: int = 0
    rejected: collections.Counter[str] = field(default_factory=collections.Counter)
    note: str | None = None  # why fewer rows than asked
    seconds: float = 0.0


@dataclass
class Generated:
    tables: list[TableResult]
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(table.inserted for table in self.tables)

    def describe(self) -> str:
        """One line: rows and tables, then what was rejected (by what) and which tables got fewer rows."""
        rejected: collections.Counter[str] = sum((table.rejected for table in self.tables), collections.Counter())
        details = [f"{count} rejected by {reason}" for reason, count in rejected.most_common()]
        details += [f"{table.table}: {table.note}" for table in self.tables if table.note]
        suffix = f" ({'; '.join(details)})" if details else ""
        return f"generated {_count(self.rows, 'row')} in {_count(len(self.tables), 'table')}{suffix}"


def generate(
    connection: sqlalchemy.Connection,
    options: GenerateConfig,
    *,
    skip: Collection[str] = (),
    schemas: Collection[str | None] = (None,),
    progress: Progress | None = to_stderr,
) -> Generated:
    """Fill every table of the schemas but `skip` (the migrator's bookkeeping, ignored tables) and
    the configuration's exclusions. Commits as it goes; raises StepFailed when a table cannot be
    filled at all (a column no value can be made for) or the database fails otherwise than by
    rejecting rows."""
    started = time.perf_counter()
    if connection.dialect.name == "mysql":
        connection.exec_driver_sql("SET time_zone = '+00:00'")  # TIMESTAMP's range is in UTC
    plans = read_tables(connection, schemas=schemas, skip=skip, exclude=options.exclude, values=options.values)
    connection.commit()
    results = [_Filler(connection, plan, options, progress).run() for plan in plans]
    return Generated(results, time.perf_counter() - started)


class GeneratedSeeder:
    """The Seeder of `seed.generate`; `skip` are tables never to fill (see `generate`)."""

    def __init__(self, options: GenerateConfig, skip: Collection[str], schemas: Collection[str | None]) -> None:
        self.options = options
        self.skip = skip
        self.schemas = schemas

    def seed(self, workspace: Workspace, database: Database) -> str:
        with database.connection() as connection:
            return generate(connection, self.options, skip=self.skip, schemas=self.schemas).describe()


class _Filler:
    """One table: how each column and reference gets its value, then the rows in batches."""

    def __init__(
        self, connection: sqlalchemy.Connection, plan: TablePlan, options: GenerateConfig, progress: Progress | None
    ) -> None:
        self.connection = connection
        self.plan = plan
        self.options = options
        self.progress = progress
        self.result = TableResult(plan.key)
        self.count = options.rows
        self.values: dict[str, Value] = {}
        self.distinct: set[str] = set()  # columns whose every row differs
        self.digits: dict[Any, Digit] = {}
        self.chained: set[int] = set()

    def rng(self, name: str) -> random.Random:
        """One generator per column and reference: excluding or adding one changes no other's values."""
        return random.Random(f"{self.options.seed}/{self.plan.key}/{name}")

    def run(self) -> TableResult:
        started = time.perf_counter()
        self._fill()
        self.result.seconds = time.perf_counter() - started
        return self.result

    def _fill(self) -> None:
        pools = _agreeing(self.plan.foreign_keys, [self._keys(fk) for fk in self.plan.foreign_keys])
        for fk, pool in zip(self.plan.foreign_keys, pools):
            if not pool and not fk.nullable and not fk.self_reference:
                self.result.note = f"no rows, since {fk.parent_key} has none to refer to"
                return
        self._layout(pools)
        references = [self._reference(index, fk, pools[index]) for index, fk in enumerate(self.plan.foreign_keys)]
        given = {*self.values, *self.plan.foreign_key_columns}
        columns = [column.name for column in self.plan.table.columns if column.name in given]
        statement, parameters = insert_statement(self.connection, self.plan.table, columns, self.plan.identity_always)
        done = 0
        for start in range(0, self.count, self.options.batch):
            end = min(start + self.options.batch, self.count)
            self._insert(statement, [parameters(self._row(i, references)) for i in range(start, end)])
            self._report(done, end)
            done = end
        move_sequences(self.connection, self.plan.table, sorted(self.distinct))

    # -- what each column gets ----------------------------------------------------------------------

    def _layout(self, pools: list[list[tuple[Any, ...]]]) -> None:
        """How many rows, and each column's value maker. A unique column set is kept unique by one
        column with values enough (made distinct); without one, by counting through the combinations
        of its references and few-valued columns like the digits of a number (`digits`: stride and
        radix, by column or foreign key index), which bounds the rows. A unique self-reference
        refers to the row before (`chained`)."""
        plan, wanted = self.plan, self.options.rows
        referencing = plan.foreign_key_columns
        self.count = wanted
        for columns in plan.unique:
            if all(column in plan.fixed for column in columns):
                self.count = min(self.count, 1)
                continue
            plenty = [
                column
                for column in columns
                if column in plan.specs and column not in referencing and _plenty(plan.specs[column], wanted)
            ]
            if set(plenty) & self.distinct:
                continue
            if plenty:
                self.distinct.add(plenty[0])
                continue
            parts: list[Any] = [index for index, fk in enumerate(plan.foreign_keys) if set(fk.columns) & set(columns)]
            selfish = {index for index in parts if plan.foreign_keys[index].self_reference}
            if selfish:
                self.chained |= selfish
                continue
            parts += [column for column in columns if column in plan.specs and column not in referencing]
            radices = [
                len(pools[part]) if isinstance(part, int) else domain_size(plan.specs[part]) or 1 for part in parts
            ]
            combinations = math.prod(radices)
            stride = 1
            for part, radix in zip(parts, radices):
                self.digits.setdefault(part, Digit(stride, radix, combinations, _coprime(combinations)))
                stride *= radix
            self.count = min(self.count, combinations)
        if self.count < wanted:
            self.result.note = f"{self.count} rows, as many as its unique keys allow"
        for name, spec in plan.specs.items():
            if name in referencing:
                continue
            if name in self.digits:
                self.values[name] = lambda i, spec=spec, digit=self.digits[name]: distinct(spec, digit.of(i), 0)
            elif name in self.distinct:
                self.values[name] = self._distinct(name, spec)
            else:
                self.values[name] = Plain(spec, self.count, self.rng(name))
        for name, value in plan.fixed.items():
            self.values[name] = lambda i, value=value: value

    def _distinct(self, name: str, spec: ColumnSpec) -> Distinct:
        """Distinct values new to the table: numbers count on from the largest there (from seed.sql,
        say), other values skip as many as the table has rows (from an earlier generation, say)."""
        column = self.plan.table.columns[name]
        if spec.kind in NUMBERS:
            largest = self.connection.execute(sqlalchemy.select(sqlalchemy.func.max(column))).scalar()
            start = int(largest) + 1 if largest is not None else 1
            return Distinct(
                replace(spec, start=max(start, int(spec.low)) if spec.low is not None else start), self.count
            )
        rows = self.connection.execute(sqlalchemy.select(sqlalchemy.func.count()).select_from(self.plan.table)).scalar()
        return Distinct(spec, self.count, offset=rows or 0)

    def _keys(self, fk: ForeignKey) -> list[tuple[Any, ...]]:
        """The keys there are to refer to, in a fixed order. A one-to-one reference (its columns
        unique in this table) leaves out the keys rows already there refer to, or a second
        generation into the table (the next step of a walk) would repeat them and be rejected."""
        columns = [fk.parent.columns[name] for name in fk.referred]
        query = sqlalchemy.select(*columns).where(*(column.is_not(None) for column in columns))
        if any(set(unique) == set(fk.columns) for unique in self.plan.unique) and not fk.self_reference:
            child = self.plan.table
            taken = sqlalchemy.exists().where(*(child.c[name] == column for name, column in zip(fk.columns, columns)))
            query = query.where(~taken)
        rows = self.connection.execute(query.order_by(*columns).limit(POOL_LIMIT)).all()
        self.connection.commit()
        return [tuple(row) for row in rows]

    def _reference(
        self, index: int, fk: ForeignKey, pool: list[tuple[Any, ...]]
    ) -> Callable[[int, dict[str, Any]], tuple[Any, ...] | None]:
        """Row i's key for one foreign key: counted through (a digit), or a random one of the
        parent's, NULL now and then where allowed. A self-reference refers to a row before, the
        first row to none (or, under NOT NULL, to itself); a unique one to a row no other refers
        to, which makes a linked list (or, under NOT NULL, rows referring to themselves)."""
        rng = self.rng(f"references {', '.join(fk.columns)}")
        digit = self.digits.get(index)
        earlier = list(pool)
        unused = collections.deque(pool)
        shared = [] if fk.self_reference else self._set_before(index)
        agreeing = _by_values(pool, [fk.columns.index(column) for column in shared])

        def pick(i: int, row: dict[str, Any]) -> tuple[Any, ...] | None:
            if digit is not None:
                return pool[digit.of(i)]
            if not fk.self_reference:
                if not pool or (fk.nullable and (i == 1 or rng.random() < NULL_SHARE)):
                    return None
                keys = agreeing.get(tuple(row.get(column) for column in shared), pool) if shared else pool
                return keys[rng.randrange(len(keys))]
            own = tuple(row.get(column) for column in fk.referred)
            if index in self.chained:
                key = unused.popleft() if unused else (None if fk.nullable else own)
                if key != own:
                    unused.append(own)
                return key
            if not earlier:
                key = None if fk.nullable else own
            elif fk.nullable and (i == 1 or rng.random() < NULL_SHARE):
                key = None
            else:
                key = earlier[rng.randrange(len(earlier))]
            if None not in own:
                earlier.append(own)
            return key

        return pick

    def _set_before(self, index: int) -> list[str]:
        """The columns of a foreign key that another one, filled before it in a row, has set."""
        before = {column for fk in self.plan.foreign_keys[:index] if not fk.self_reference for column in fk.columns}
        return [column for column in self.plan.foreign_keys[index].columns if column in before]

    def _row(self, i: int, references: list[Any]) -> dict[str, Any]:
        """A NULL reference leaves the columns it shares with an earlier one as that one set them."""
        row = {name: value(i) for name, value in self.values.items()}
        for fk, reference in zip(self.plan.foreign_keys, references):
            key = reference(i, row)
            if key is None:
                row.update({column: None for column in fk.columns if column not in row})
            else:
                row.update(zip(fk.columns, key))
        return row

    # -- inserting ----------------------------------------------------------------------------------

    def _insert(self, statement: sqlalchemy.Executable, rows: list[dict[str, Any]]) -> None:
        inserted, rejected = insert_batch(self.connection, statement, rows, self.plan.key)
        self.result.inserted += inserted
        self.result.rejected.update(rejected)

    def _report(self, before: int, after: int) -> None:
        if self.progress is None or self.count < PROGRESS_FROM:
            return
        tenth = self.count / 10
        if int(after / tenth) > int(before / tenth):
            self.progress(f"seed.generate: {self.plan.key}: {after} of {self.count} rows")


def _agreeing(foreign_keys: list[ForeignKey], pools: list[list[tuple[Any, ...]]]) -> list[list[tuple[Any, ...]]]:
    """Each pool without the keys no other foreign key sharing a column with it can agree with (a
    tenant's project where the tenant has no member), so that rows picking jointly always find a
    match; repeated until nothing changes, since one pool shrinking can shrink another."""
    pairs = []
    for a, first in enumerate(foreign_keys):
        for b, second in enumerate(foreign_keys):
            shared = [c for c in first.columns if c in second.columns]
            if a != b and shared and not first.self_reference and not second.self_reference:
                positions = ([first.columns.index(c) for c in shared], [second.columns.index(c) for c in shared])
                pairs.append((a, b, positions))
    pools = list(pools)
    changed = bool(pairs)
    while changed:
        changed = False
        for a, b, (in_first, in_second) in pairs:
            there = set(_by_values(pools[b], in_second))
            kept = [key for key in pools[a] if tuple(key[p] for p in in_first) in there]
            if len(kept) < len(pools[a]):
                pools[a], changed = kept, True
    return pools


def _by_values(keys: list[tuple[Any, ...]], positions: list[int]) -> dict[tuple[Any, ...], list[tuple[Any, ...]]]:
    """Keys grouped by their values at `positions`."""
    groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = collections.defaultdict(list)
    for key in keys:
        groups[tuple(key[p] for p in positions)].append(key)
    return dict(groups)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _plenty(spec: ColumnSpec, rows: int) -> bool:
    size = domain_size(spec)
    return size is None or size >= rows


def _coprime(number: int) -> int:
    """A multiplier that visits every residue modulo `number` once, far apart."""
    multiplier = int(number * 0.6180339887) | 1
    while math.gcd(multiplier, number) != 1:
        multiplier += 2
    return multiplier
