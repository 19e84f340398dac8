"""Alembic revisions edited after their release: a revision file one release applied and a later
release ships changed under the same revision id. Alembic keeps no checksums, so a database
upgraded with the older release keeps what the old file did and never runs the new one. Likewise
a revision a later release inserts below one already released (a `down_revision` rewired): such
a database counts it as applied and never runs it.

What runs is compared, not the text: each file's syntax tree without docstrings and annotations,
its module-level imports as the set of names it uses, so that comments, formatting, a reworded
docstring, added type hints or sorted imports are no edit. The evidence
names both files and gives a unified diff of the changed functions, as Python prints them back
(`ast.unparse`), bounded in lines.
"""

from __future__ import annotations

import ast
import difflib
import functools
from dataclasses import dataclass
from pathlib import Path

from migtest.migrators import Edited

MAX_DIFF_LINES = 40  # of one revision's diff in the evidence; the rest is counted
DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)  # what may have a docstring
MODULE_LEVEL = "module level"  # what is outside the module's functions: imports, revision ids, constants


@dataclass(frozen=True)
class Tree:
    """A release's revision files by revision id; `roots` (its tree, its environment) are what
    paths are shown relative to."""

    release: str
    files: dict[str, Path]
    roots: tuple[Path, ...]

    def shown(self, revision: str) -> str:
        path = self.files[revision]
        root = next((root for root in self.roots if path.is_relative_to(root)), None)
        return path.relative_to(root).as_posix() if root else str(path)


class _Stripped(ast.NodeTransformer):
    """Docstrings and annotations out: neither changes what a migration does."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        body = getattr(node, "body", None) if isinstance(node, DOCUMENTED) else None
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0].value, "value", None), str):
            node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.returns = None
        return self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.annotation = None
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        """`revision: str = "abc"` is `revision = "abc"`; a bare `name: str` binds nothing."""
        if node.value is None:
            return None
        return ast.Assign(targets=[node.target], value=self.visit(node.value), lineno=node.lineno)


def units(path: Path) -> dict[str, str]:
    """The module's functions by name (`upgrade()`), and what is outside them, each as Python prints
    its stripped tree back; a file that does not parse is one unit of its text."""
    return _units(path.read_text(errors="replace"))


@functools.lru_cache(maxsize=4096)
def _units(text: str) -> dict[str, str]:
    """Cached by text: a release's files are compared with several others' in a run."""
    try:
        tree = _Stripped().visit(ast.parse(text))
    except SyntaxError:
        return {MODULE_LEVEL: text}
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    found: dict[str, str] = {}
    imported: set[str] = set()
    outside: list[ast.stmt] = []
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[f"{statement.name}()"] = ast.unparse(statement)
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            imported.update(_imports(statement, used))
        else:
            outside.append(statement)
    if outside or imported:
        found[MODULE_LEVEL] = "\n".join([*sorted(imported), ast.unparse(ast.Module(body=outside, type_ignores=[]))])
    return found


def _imports(statement: ast.Import | ast.ImportFrom, used: set[str]) -> list[str]:
    """The module's own imports one name each, those the module uses only: sorted, merged or split
    import lines, and an unused name dropped (or one only annotations used), are no edit."""
    lines = []
    for alias in statement.names:
        named = f"{alias.name} as {alias.asname}" if alias.asname else alias.name
        if isinstance(statement, ast.Import):
            bound, line = alias.asname or alias.name.split(".")[0], f"import {named}"
        else:
            bound, line = (
                alias.asname or alias.name,
                f"from {'.' * statement.level}{statement.module or ''} import {named}",
            )
        if bound in used or alias.name == "*":
            lines.append(line)
    return lines


def edited(applied: Tree, shipped: Tree) -> tuple[Edited, ...]:
    """The revisions of `applied` (the files of the release whose database ran them) whose file in
    `shipped` (the migrating release's tree) runs something else."""
    found = []
    for revision, old in applied.files.items():
        new = shipped.files.get(revision)
        if new is None or new == old or new.read_bytes() == old.read_bytes():  # the same file: nothing parsed
            continue
        before, after = units(old), units(new)
        changed = [name for name in dict.fromkeys([*before, *after]) if before.get(name) != after.get(name)]
        if changed:
            found.append(_edit(revision, applied, shipped, before, after, changed))
    return tuple(found)


def inserted(applied: Tree, below: Tree) -> tuple[Edited, ...]:
    """The revisions `below` (the migrating release's history up to what `applied` reached) has
    and `applied` never ran: put into the history under revisions already released, they count as
    applied on a database the older release brought there, so it never runs them."""
    return tuple(
        Edited(
            revision,
            (
                f"{revision}: inserted below what {applied.release} applied: never runs on a database "
                f"{applied.release} brought there",
                f"  {below.release}: {below.shown(revision)}",
            ),
            inserted=True,
        )
        for revision in below.files
        if revision not in applied.files
    )


def _edit(
    revision: str, applied: Tree, shipped: Tree, before: dict[str, str], after: dict[str, str], changed: list[str]
) -> Edited:
    released = applied.release
    lines = [f"{revision}: {', '.join(changed)} changed since {released} applied it"]
    lines += [f"  {released}: {applied.shown(revision)}", f"  {shipped.release}: {shipped.shown(revision)}"]
    diff = [
        line.rstrip("\n")
        for name in changed
        for line in difflib.unified_diff(
            before.get(name, "").splitlines(),
            after.get(name, "").splitlines(),
            f"{name} as {released} applied it",
            f"{name} in {shipped.release}",
            n=1,
            lineterm="",
        )
    ]
    kept = diff[:MAX_DIFF_LINES]
    if len(diff) > len(kept):
        kept.append(f"... {len(diff) - len(kept)} more diff line(s)")
    return Edited(revision, tuple(lines + [f"  {line}" for line in kept]))
