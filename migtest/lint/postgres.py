"""PostgreSQL: statements read by PostgreSQL's own grammar (pglast, libpg_query), so every
statement PostgreSQL accepts is understood as PostgreSQL understands it, with its location."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast, parse_sql
from pglast.enums import AlterTableType, ConstrType, DropBehavior, ObjectType, VariableSetKind
from pglast.parser import ParseError

from migtest.lint import Finding, Migration, Unlinted
from migtest.lint.catalogue import Catalogue, ColumnType
from migtest.lint.collect import Collector

VOLATILE = frozenset(
    [
        "random",
        "random_normal",
        "clock_timestamp",
        "timeofday",
        "gen_random_uuid",
        "uuidv4",
        "uuidv7",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "nextval",
        "setseed",
        "txid_current",
    ]
)
SERIAL = frozenset(["smallserial", "serial", "bigserial", "serial2", "serial4", "serial8"])
# ALTER TABLE subcommands weaker than ACCESS EXCLUSIVE (FOREIGN KEY constraints aside: see _lock_of)
_WEAKER = frozenset(
    getattr(AlterTableType, name)
    for name in [
        "AT_ValidateConstraint",
        "AT_SetStatistics",
        "AT_SetOptions",
        "AT_ResetOptions",
        "AT_ClusterOn",
        "AT_DropCluster",
        "AT_AttachPartition",
        "AT_EnableTrig",
        "AT_EnableAlwaysTrig",
        "AT_EnableReplicaTrig",
        "AT_DisableTrig",
        "AT_EnableTrigAll",
        "AT_DisableTrigAll",
        "AT_EnableTrigUser",
        "AT_DisableTrigUser",
    ]
    if hasattr(AlterTableType, name)
)


def lint(migration: Migration, catalogue: Catalogue) -> tuple[list[Finding], Unlinted | None]:
    """The findings of one migration; `catalogue` carries what earlier migrations created."""
    try:
        statements = parse_sql(migration.sql)
    except ParseError as exc:
        message, offset = (*exc.args, 0)[:2]
        line = migration.sql.count("\n", 0, offset) + 1
        return [], Unlinted(migration.label, str(migration.file), f"PostgreSQL's parser: {message} (line {line})")
    walk = _Walk(migration, catalogue)
    for raw in statements:
        walk.collector.statement(raw.stmt_location, raw.stmt_location + (raw.stmt_len or len(migration.sql)))
        walk.visit(raw.stmt)
    return walk.collector.findings, None


class _Walk:
    """One migration's statements, in order."""

    def __init__(self, migration: Migration, catalogue: Catalogue) -> None:
        self.collector = Collector(migration)
        self.catalogue = catalogue
        self.created: set[str] = set()
        self.lock_timeout = False
        self.warned_timeout = False

    def add(self, rule: str, table: str | None, message: str) -> None:
        self.collector.add(rule, table, message)

    def visit(self, statement: ast.Node) -> None:
        handler = getattr(self, f"_{type(statement).__name__}", None)
        if handler is not None:
            handler(statement)

    def exclusive(self, table: str, what: str) -> None:
        """`what` takes ACCESS EXCLUSIVE on `table`: the migration needs lock_timeout set before."""
        if not self.lock_timeout and not self.warned_timeout and table not in self.created:
            self.warned_timeout = True
            self.add("lock-timeout", table, f"{what} takes ACCESS EXCLUSIVE on {table} with no lock_timeout set")

    def _VariableSetStmt(self, node: ast.VariableSetStmt) -> None:
        if (node.name or "").lower() == "lock_timeout":
            values = [getattr(arg.val, "sval", None) or getattr(arg.val, "ival", None) for arg in node.args or ()]
            self.lock_timeout = node.kind == VariableSetKind.VAR_SET_VALUE and values not in ([0], ["0"])

    def _CreateStmt(self, node: ast.CreateStmt) -> None:
        table = node.relation.relname
        self.created.add(table)
        for element in node.tableElts or ():
            if isinstance(element, ast.ColumnDef):
                self.catalogue.set_column(table, element.colname, _type(element.typeName))

    def _CreateTableAsStmt(self, node: ast.CreateTableAsStmt) -> None:
        self.created.add(node.into.rel.relname)

    def _IndexStmt(self, node: ast.IndexStmt) -> None:
        table = node.relation.relname
        if node.idxname:
            self.catalogue.indexes[node.idxname] = table
        if not node.concurrent and table not in self.created:
            self.add("index-not-concurrent", table, f"index {node.idxname or ''} built on {table} without CONCURRENTLY")

    def _DropStmt(self, node: ast.DropStmt) -> None:
        names = [item[-1].sval if isinstance(item, tuple) else str(item) for item in node.objects or ()]
        if node.behavior == DropBehavior.DROP_CASCADE:
            self.add("drop-cascade", names[0] if names else None, f"DROP … CASCADE of {', '.join(names)}")
        if node.removeType == ObjectType.OBJECT_INDEX:
            for index in names:
                table = self.catalogue.indexes.get(index)
                if not node.concurrent and table not in self.created:
                    self.add("drop-index-not-concurrent", table, f"index {index} dropped without CONCURRENTLY")
                    self.exclusive(table or index, f"DROP INDEX {index}")
        elif node.removeType == ObjectType.OBJECT_TABLE:
            for table in names:
                if table not in self.created:
                    self.add("drop-table", table, f"table {table} dropped")
                    self.exclusive(table, f"DROP TABLE {table}")
                self.catalogue.drop_table(table)

    def _TruncateStmt(self, node: ast.TruncateStmt) -> None:
        for relation in node.relations or ():
            self.exclusive(relation.relname, f"TRUNCATE {relation.relname}")

    def _RenameStmt(self, node: ast.RenameStmt) -> None:
        column_of_table = node.renameType == ObjectType.OBJECT_COLUMN and node.relationType == ObjectType.OBJECT_TABLE
        if node.relation is None or not (column_of_table or node.renameType == ObjectType.OBJECT_TABLE):
            return
        table = node.relation.relname
        existing = table not in self.created
        if node.renameType == ObjectType.OBJECT_TABLE:
            if existing:
                self.add("rename-table", table, f"table {table} renamed to {node.newname}")
                self.exclusive(table, f"RENAME of {table}")
            else:
                self.created.add(node.newname)
            self.catalogue.rename_table(table, node.newname)
        else:
            if existing:
                self.add("rename-column", table, f"column {table}.{node.subname} renamed to {node.newname}")
                self.exclusive(table, f"RENAME COLUMN of {table}")
            self.catalogue.rename_column(table, node.subname, node.newname)

    def _AlterTableStmt(self, node: ast.AlterTableStmt) -> None:
        if node.objtype != ObjectType.OBJECT_TABLE:
            return
        table = node.relation.relname
        existing = table not in self.created
        for command in node.cmds or ():
            for rule, message in self._command(table, command):
                if existing:
                    self.add(rule, table, message)
        if existing and any(_lock_of(command) == "AccessExclusive" for command in node.cmds or ()):
            self.exclusive(table, f"ALTER TABLE {table}")

    def _command(self, table: str, command: ast.AlterTableCmd) -> Iterator[tuple[str, str]]:
        """The findings of one ALTER TABLE subcommand, were the table an existing one."""
        kind, column = command.subtype, command.name
        if kind == AlterTableType.AT_AddColumn:
            yield from _added_column(table, command.def_)
            self.catalogue.set_column(table, command.def_.colname, _type(command.def_.typeName))
        elif kind == AlterTableType.AT_AddConstraint:
            yield from _added_constraint(table, command.def_)
        elif kind == AlterTableType.AT_SetNotNull:
            yield "set-not-null", f"{table}.{column} SET NOT NULL scans the whole table"
        elif kind == AlterTableType.AT_AlterColumnType:
            yield from self._type_change(table, column, command.def_)
        elif kind == AlterTableType.AT_DropColumn:
            yield "drop-column", f"column {table}.{column} dropped"
        dropping = kind in (AlterTableType.AT_DropColumn, AlterTableType.AT_DropConstraint)
        if dropping and command.behavior == DropBehavior.DROP_CASCADE:
            yield "drop-cascade", f"{table}.{column} dropped with CASCADE"

    def _type_change(self, table: str, column: str, definition: ast.ColumnDef) -> Iterator[tuple[str, str]]:
        old, new = self.catalogue.column(table, column), _type(definition.typeName)
        self.catalogue.set_column(table, column, new)
        shown = _shown(new)
        if definition.raw_default is not None:
            yield "type-rewrite", f"{table}.{column} changed to {shown} USING an expression: the table is rewritten"
        elif old is None:
            yield "type-rewrite", f"{table}.{column} changed to {shown}; its type before is unknown to the lint"
        elif new is not None and not _widens(old, new):
            yield "type-rewrite", f"{table}.{column} changed from {_shown(old)} to {shown}: the table is rewritten"


def _added_column(table: str, column: ast.ColumnDef) -> Iterator[tuple[str, str]]:
    name = f"{table}.{column.colname}"
    kind = _type(column.typeName)
    if kind is not None and kind.name in SERIAL:
        yield "volatile-default", f"{name} added as {kind.name}: every row gets a nextval(), the table is rewritten"
    for constraint in column.constraints or ():
        if constraint.contype == ConstrType.CONSTR_DEFAULT:
            volatile = sorted(set(_calls(constraint.raw_expr)) & VOLATILE)
            if volatile:
                yield "volatile-default", f"{name} added with a volatile default ({volatile[0]}()): table rewritten"
        elif constraint.contype in (ConstrType.CONSTR_IDENTITY, ConstrType.CONSTR_GENERATED):
            yield "volatile-default", f"{name} added as an identity or stored generated column: table rewritten"
        elif constraint.contype == ConstrType.CONSTR_FOREIGN:
            yield "constraint-not-valid", f"{name} added with REFERENCES: the foreign key is checked at once"


def _added_constraint(table: str, constraint: ast.Constraint) -> Iterator[tuple[str, str]]:
    name = constraint.conname or "a constraint"
    if constraint.contype in (ConstrType.CONSTR_FOREIGN, ConstrType.CONSTR_CHECK) and not constraint.skip_validation:
        kind = "FOREIGN KEY" if constraint.contype == ConstrType.CONSTR_FOREIGN else "CHECK"
        yield "constraint-not-valid", f"{kind} {name} added to {table} without NOT VALID: every row is checked"
    elif constraint.contype in (ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY) and not constraint.indexname:
        yield "unique-constraint", f"{name} added to {table} builds its unique index under ACCESS EXCLUSIVE"


def _lock_of(command: ast.AlterTableCmd) -> str:
    if command.subtype in _WEAKER:
        return "weaker"
    constraint = command.def_ if command.subtype == AlterTableType.AT_AddConstraint else None
    if constraint is not None and constraint.contype == ConstrType.CONSTR_FOREIGN:
        return "ShareRowExclusive"
    return "AccessExclusive"


def _calls(node: object) -> Iterator[str]:
    """The names of the functions an expression calls, at any depth."""
    if isinstance(node, ast.FuncCall):
        yield node.funcname[-1].sval.lower()
    if isinstance(node, ast.Node):
        for name in node:
            yield from _calls(getattr(node, name))
    elif isinstance(node, tuple):
        for item in node:
            yield from _calls(item)


def _type(name: ast.TypeName | None) -> ColumnType | None:
    if name is None or name.names is None:
        return None
    modifiers = tuple(m.val.ival for m in name.typmods or () if isinstance(getattr(m, "val", None), ast.Integer))
    return ColumnType(name.names[-1].sval.lower(), modifiers)


def _shown(kind: ColumnType | None) -> str:
    if kind is None:
        return "?"
    return kind.name + (f"({', '.join(map(str, kind.modifiers))})" if kind.modifiers else "")


def _widens(old: ColumnType, new: ColumnType) -> bool:
    """Whether PostgreSQL changes `old` to `new` without rewriting the table: the same type,
    varchar widened or unbounded, varchar → text, numeric with more precision and the same
    scale, varbit widened, cidr → inet."""
    if old == new or (old.name, new.name) in (("varchar", "text"), ("cidr", "inet"), ("text", "varchar")):
        return not (old.name == "text" and new.modifiers)
    if old.name != new.name or old.name not in ("varchar", "numeric", "varbit"):
        return False
    if not new.modifiers:
        return True
    if not old.modifiers or new.modifiers[0] < old.modifiers[0]:
        return False
    return old.name != "numeric" or new.modifiers[1:] == old.modifiers[1:]
