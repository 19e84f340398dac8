"""CHECK constraint expressions in one comparable form per engine.

An engine reports a CHECK in its own words, and the words depend on how the constraint was made:
SQLite keeps the text as written (whitespace, quoting, parentheses), PostgreSQL deparses it with
casts that follow the column's type when the constraint was (re)made, MySQL 8 adds charset
introducers. sqlglot parses the text into a tree, which is rewritten to what the expression means
(no quoting, no redundant parentheses, string casts and introducers dropped) and simplified by
sqlglot's own optimizer, so two spellings of one condition read the same and two conditions do not.
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.simplify import simplify

STRING_TYPES = {exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR, exp.DataType.Type.NCHAR}


@lru_cache(maxsize=4096)
def normalize_check(text: str, dialect: str) -> str:
    """The expression of a CHECK as `dialect` (a sqlglot dialect name) reads it, in canonical form;
    a text sqlglot cannot parse is compared by its words alone. Cached: every capture of a run
    reads the same texts, and parsing one takes milliseconds."""
    try:
        tree = sqlglot.parse_one(text, read=dialect)
        tree = _rewritten(normalize_identifiers(tree, dialect=dialect))
        return simplify(tree, dialect=dialect).sql(dialect=dialect, normalize_functions="upper")
    except SqlglotError:
        return " ".join(text.split())


def _rewritten(tree: exp.Expr) -> exp.Expr:
    """Every node replaced by its meaning, nested ones too (a cast inside a cast)."""
    for node in list(tree.walk()):
        meaning = _meaning(node)
        if meaning is node:
            continue
        if node is tree:
            tree = meaning
        else:
            node.replace(meaning)
    return tree


def _meaning(node: exp.Expr) -> exp.Expr:
    """What is left of a node once how it was written is set aside."""
    if isinstance(node, exp.Identifier):
        return exp.Identifier(this=node.name, quoted=False)
    if isinstance(node, exp.Introducer):  # MySQL's _utf8mb4'a'
        return node.expression
    if isinstance(node, exp.Cast) and _is_string_type(node.to):
        return node.this
    return node


def _is_string_type(data_type: exp.DataType) -> bool:
    """text, varchar(n), or an array of them: PostgreSQL's casts of a string column and its literals."""
    if data_type.is_type(exp.DataType.Type.ARRAY):
        return all(_is_string_type(inner) for inner in data_type.expressions)
    return data_type.this in STRING_TYPES
