"""MySQL and MariaDB: statements read by sqlglot's MySQL dialect (PostgreSQL's grammar does not
read MySQL; sqlglot's DDL tree holds what these rules need: ALTER's actions and ALGORITHM), split
as the `sql` migrator splits them (migtest.sql.split), so lines match what runs."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import sqlglot
from sqlglot import exp

from migtest.lint import Finding, Migration, Unlinted
from migtest.lint.catalogue import Catalogue, ColumnType
from migtest.lint.collect import Collector
from migtest.sql import split as sqlsplit

UTF8MB4_SHORT = 63  # characters a 1-byte length prefix holds in utf8mb4: widening past it copies the table
CONVERT = re.compile(r"^\s*TABLE\s+\S+\s+CONVERT\s+TO\s", re.IGNORECASE)
RENAME = re.compile(r"^\s*TABLE\s+(?P<pairs>.*)$", re.IGNORECASE | re.DOTALL)

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its "falling back to a Command" warnings: handled here


def lint(migration: Migration, catalogue: Catalogue, *, mariadb: bool = False) -> tuple[list[Finding], Unlinted | None]:
    """The findings of one migration; `catalogue` carries what earlier migrations created.
    `mariadb`: MariaDB widens a VARCHAR in place across the length prefix too, MySQL copies."""
    walk = _Walk(migration, catalogue, mariadb)
    unreadable: list[str] = []
    for start, end in sqlsplit.spans(migration.sql):
        text = migration.sql[start:end].strip()
        walk.collector.statement(start, end)
        try:
            statement = sqlglot.parse_one(text, read="mysql")
        except sqlglot.errors.ParseError as exc:
            unreadable.append(f"line {walk.collector.line}: {str(exc).splitlines()[0]}")
            continue
        if statement is not None:
            walk.visit(statement)
    skipped = None
    if unreadable:
        reason = f"sqlglot could not read {len(unreadable)} statement(s), first at {unreadable[0]}"
        skipped = Unlinted(migration.label, str(migration.file), reason)
    return walk.collector.findings, skipped


class _Walk:
    def __init__(self, migration: Migration, catalogue: Catalogue, mariadb: bool) -> None:
        self.mariadb = mariadb
        self.collector = Collector(migration)
        self.catalogue = catalogue
        self.created: set[str] = set()
        self.settings: dict[str, str] = {}
        self.warned_timeout = False

    def add(self, rule: str, table: str | None, message: str) -> None:
        self.collector.add(rule, table, message)

    def visit(self, statement: exp.Expression) -> None:
        if isinstance(statement, exp.Set):
            for item in statement.expressions:
                if isinstance(item.this, exp.EQ):
                    self.settings[item.this.this.name.lower()] = item.this.expression.name.lower()
        elif isinstance(statement, exp.Create):
            self._create(statement)
        elif isinstance(statement, exp.Alter) and statement.args.get("kind") == "TABLE":
            self._alter(statement.this.name.lower(), statement)
        elif isinstance(statement, exp.Drop) and statement.args.get("kind") == "TABLE":
            for table in statement.args.get("tables") or [statement.this]:
                self._dropped(table.name.lower())
        elif isinstance(statement, exp.Command):
            rest = statement.expression
            self._command(statement.this.upper(), rest if isinstance(rest, str) else rest.name)

    def metadata_lock(self, table: str, what: str) -> None:
        if "lock_wait_timeout" not in self.settings and not self.warned_timeout and table not in self.created:
            self.warned_timeout = True
            self.add("mysql-lock-wait-timeout", table, f"{what} waits for {table}'s metadata lock with no timeout")

    def _create(self, statement: exp.Create) -> None:
        kind = statement.args.get("kind")
        if kind == "TABLE":
            table = statement.this.this if isinstance(statement.this, exp.Schema) else statement.this
            name = table.name.lower()
            self.created.add(name)
            for column in statement.this.find_all(exp.ColumnDef):
                self.catalogue.set_column(name, column.name.lower(), _type(column))
        elif kind == "INDEX" and isinstance(statement.this, exp.Index):
            table = statement.this.args["table"].name.lower()
            self.metadata_lock(table, f"CREATE INDEX on {table}")

    def _dropped(self, table: str) -> None:
        if table not in self.created:
            self.add("drop-table", table, f"table {table} dropped")
            self.metadata_lock(table, f"DROP TABLE {table}")
        self.catalogue.drop_table(table)

    def _alter(self, table: str, statement: exp.Alter) -> None:
        findings = list(self._actions(table, statement.args.get("actions") or []))
        algorithm = [o for o in statement.args.get("options") or [] if isinstance(o, exp.AlgorithmProperty)]
        if any(option.name.upper() == "COPY" for option in algorithm):
            findings.append(("mysql-table-copy", f"ALTER TABLE {table} with ALGORITHM=COPY copies the table"))
        if table in self.created:
            return
        for rule, message in findings:
            self.add(rule, table, message)
        self.metadata_lock(table, f"ALTER TABLE {table}")

    def _actions(self, table: str, actions: list[exp.Expression]) -> Iterator[tuple[str, str]]:
        for action in actions:
            if isinstance(action, exp.ColumnDef):
                self.catalogue.set_column(table, action.name.lower(), _type(action))
            elif isinstance(action, exp.ModifyColumn):
                yield from self._modified(table, action)
            elif isinstance(action, exp.RenameColumn):
                old, new = action.this.name.lower(), action.args["to"].name.lower()
                self.catalogue.rename_column(table, old, new)
                yield "rename-column", f"column {table}.{old} renamed to {new}"
            elif isinstance(action, exp.AlterRename):
                new = action.this.name.lower()
                self.catalogue.rename_table(table, new)
                yield "rename-table", f"table {table} renamed to {new}"
            elif isinstance(action, exp.Drop) and action.args.get("kind") == "COLUMN":
                for column in action.args.get("tables") or [action.this]:
                    yield "drop-column", f"column {table}.{column.name.lower()} dropped"
            elif action.find(exp.ForeignKey) and self.settings.get("foreign_key_checks") not in ("0", "off"):
                yield "mysql-table-copy", f"FOREIGN KEY added to {table} with foreign_key_checks on copies the table"

    def _modified(self, table: str, action: exp.ModifyColumn) -> Iterator[tuple[str, str]]:
        """MODIFY or CHANGE COLUMN: a rename, and a type change unless it keeps the type or widens a
        VARCHAR within the same length prefix."""
        column = action.this
        new_name = column.name.lower()
        old_name = (action.args.get("rename_from") or column).name.lower()
        if old_name != new_name:
            self.catalogue.rename_column(table, old_name, new_name)
            yield "rename-column", f"column {table}.{old_name} renamed to {new_name}"
        old, new = self.catalogue.column(table, new_name), _type(column)
        self.catalogue.set_column(table, new_name, new)
        if old is None:
            yield "mysql-table-copy", f"{table}.{new_name} redefined; its type before is unknown to the lint"
        elif new is not None and not _in_place(old, new, self.mariadb):
            yield "mysql-table-copy", f"{table}.{new_name} changed from {old.name} to {new.name}: the table is copied"

    def _command(self, keyword: str, rest: str) -> None:
        """What sqlglot reads only as a command: CONVERT TO CHARACTER SET, RENAME TABLE."""
        if keyword == "ALTER" and CONVERT.match(rest):
            table = rest.split()[1].strip("`").lower()
            if table not in self.created:
                self.add("mysql-table-copy", table, f"{table} converted to another character set: the table is copied")
                self.metadata_lock(table, f"ALTER TABLE {table}")
        elif keyword == "RENAME" and (match := RENAME.match(rest)):
            for pair in match["pairs"].rstrip(";").split(","):
                parts = re.split(r"\s+(TO)\s+", pair, maxsplit=1, flags=re.IGNORECASE)
                old, _, new = (part.strip().strip("`").lower() for part in parts)
                if old not in self.created:
                    self.add("rename-table", old, f"table {old} renamed to {new}")
                    self.metadata_lock(old, f"RENAME TABLE {old}")
                self.catalogue.rename_table(old, new)


def _type(column: exp.ColumnDef) -> ColumnType | None:
    kind = column.args.get("kind")
    if not isinstance(kind, exp.DataType):
        return None
    modifiers = tuple(int(p.name) for p in kind.expressions if p.name.isdigit())
    return ColumnType(kind.this.name.lower(), modifiers)


def _in_place(old: ColumnType, new: ColumnType, mariadb: bool) -> bool:
    """The same type, or a VARCHAR widened: by MariaDB always (its default row format), by MySQL
    only within the same length prefix."""
    if old == new:
        return True
    if old.name != new.name or old.name != "varchar" or not (old.modifiers and new.modifiers):
        return False
    before, after = old.modifiers[0], new.modifiers[0]
    return after >= before and (mariadb or after <= UTF8MB4_SHORT or before > UTF8MB4_SHORT)
