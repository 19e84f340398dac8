"""Read what simple check constraints allow, so generated values satisfy them.

Understood, joined by AND: `col op number` (either side; op one of > >= < <= = <> !=),
`col BETWEEN a AND b`, `col IN (...)` and PostgreSQL's `col = ANY (ARRAY[...])`,
`length(col) op n` (also char_length, character_length, octet_length, len), `col <> ''`, `col IS NOT NULL`,
and MariaDB's `json_valid(col)`. Identifiers may be quoted, literals cast (`0::numeric`), as
each engine writes them back. Any other check is returned as not understood: the rows it rejects
are skipped and counted by the generator.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from migtest.seeding.values import Restriction

_LITERAL = re.compile(r"'(?:[^']|'')*'")
_CAST = re.compile(
    r"::\s*(?:\"[^\"]+\"|[a-z_][\w.]*(?:\s+(?:varying|precision|without\s+time\s+zone|with\s+time\s+zone))?)"
    r"(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\[\])*",
    re.I,
)
_NUMBER = r"-?\d+(?:\.\d+)?"
_OPERATOR = r">=|<=|<>|!=|=|>|<"
_ATOM_IN_PARENS = re.compile(rf"(?<!\w)(?<!\w )\(\s*([\w.]+|{_NUMBER}|'(?:[^']|'')*')\s*\)")
_BETWEEN = re.compile(rf"([\w.]+|\w+\([\w.]+\))\s+between\s+({_NUMBER})\s+and\s+({_NUMBER})", re.I)
_COMPARISON = re.compile(rf"^(\w+)\s*({_OPERATOR})\s*({_NUMBER})$")
_REVERSED = re.compile(rf"^({_NUMBER})\s*({_OPERATOR})\s*(\w+)$")
_LENGTH = re.compile(
    rf"^(?:length|char_length|character_length|octet_length|len)\s*\(\s*(\w+)\s*\)\s*({_OPERATOR})\s*(\d+)$", re.I
)
_NOT_EMPTY = re.compile(r"^(\w+)\s*(?:<>|!=)\s*''$")
_IN = re.compile(r"^(\w+)\s+in\s*\((.*)\)$", re.I | re.S)
_ANY = re.compile(r"^(\w+)\s*=\s*any\s*\(+\s*array\s*\[(.*)\]\s*\)+$", re.I | re.S)
_NOT_NULL = re.compile(r"^(\w+)\s+is\s+not\s+null$", re.I)
_JSON_VALID = re.compile(r"^json_valid\s*\(\s*(\w+)\s*\)$", re.I)
_FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "<>": "<>", "!=": "!="}


def read_checks(texts: Iterable[str], columns: Iterable[str]) -> tuple[dict[str, Restriction], list[str]]:
    """What the checks allow per column (keyed by the column's name), and the checks not (wholly)
    understood: of those, the parts that were still narrow the columns they name."""
    names = {name.lower(): name for name in columns}
    rules: dict[str, Restriction] = {}
    unread: list[str] = []
    for text in texts:
        parts = _conjuncts(_normalized(text))
        understood = [read for read in (_read_part(part, names) for part in parts) if read is not None]
        for column, changes in understood:
            rules[column] = _merged(rules.get(column, Restriction()), changes)
        if not parts or len(understood) < len(parts):
            unread.append(text)
    return rules, unread


def _normalized(text: str) -> str:
    """Casts, identifier quotes and parentheses around single values gone; literals untouched."""
    pieces = []
    last = 0
    for literal in _LITERAL.finditer(text):
        number = re.fullmatch(rf"'\s*({_NUMBER})\s*'", literal[0])  # PostgreSQL writes '-5'::integer
        pieces += [_clean(text[last : literal.start()]), number[1] if number else literal[0]]
        last = literal.end()
    pieces.append(_clean(text[last:]))
    result = re.sub(r"\s+", " ", "".join(pieces)).strip()
    previous = None
    while previous != result:
        previous, result = result, _ATOM_IN_PARENS.sub(r"\1", result)
    return _BETWEEN.sub(r"\1 >= \2 AND \1 <= \3", result)


def _clean(code: str) -> str:
    """Code between literals: `::type` casts and identifier quotes dropped, `- 5` made `-5`."""
    code = _CAST.sub("", code).replace("`", "").replace('"', "")
    return re.sub(r"-\s+(?=\d)", "-", code)


def _conjuncts(text: str) -> list[str]:
    """The parts joined by AND, however nested; none when an OR joins any."""
    text = _unwrapped(text.strip())
    parts, depth, start = [], 0, 0
    lowered = text.lower()
    index = 0
    while index < len(text):
        char = text[index]
        if char == "'":
            index = text.index("'", index + 1) + 1 if "'" in text[index + 1 :] else len(text)
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and re.match(r"\s(and|or)\s", lowered[index : index + 5]):
            if lowered[index + 1 : index + 3] == "or":
                return []
            parts.append(text[start:index])
            start = index + 5
        index += 1
    parts.append(text[start:])
    if len(parts) == 1:
        return [text]
    nested = [_conjuncts(part) for part in parts]
    return [] if not all(nested) else [part for group in nested for part in group]


def _unwrapped(text: str) -> str:
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in _LITERAL.sub("", text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _read_part(text: str, names: dict[str, str]) -> tuple[str, dict[str, Any]] | None:
    """One conjunct as (column, what it says), None when not understood."""
    if match := _REVERSED.match(text):
        text = f"{match[3]} {_FLIPPED[match[2]]} {match[1]}"
    if match := _COMPARISON.match(text):
        return _about(names, match[1], _bound(match[2], decimal.Decimal(match[3])))
    if match := _LENGTH.match(text):
        return _about(names, match[1], _length(match[2], int(match[3])))
    if match := _NOT_EMPTY.match(text):
        return _about(names, match[1], {"min_length": 1})
    if match := _IN.match(text) or _ANY.match(text):
        values = _literals(match[2])
        return None if values is None else _about(names, match[1], {"choices": tuple(values)})
    if match := _NOT_NULL.match(text):
        return _about(names, match[1], {"not_null": True})
    if match := _JSON_VALID.match(text):
        return _about(names, match[1], {"json": True})
    return None


def _about(names: dict[str, str], column: str, changes: dict[str, Any] | None) -> tuple[str, dict[str, Any]] | None:
    name = names.get(column.lower())
    return None if name is None or changes is None else (name, changes)


def _bound(operator: str, value: decimal.Decimal) -> dict[str, Any] | None:
    return {
        ">": {"low": value, "low_open": True},
        ">=": {"low": value},
        "<": {"high": value, "high_open": True},
        "<=": {"high": value},
        "=": {"choices": (value,)},
        "<>": {"excluded": (value,)},
        "!=": {"excluded": (value,)},
    }[operator]


def _length(operator: str, value: int) -> dict[str, Any] | None:
    return {
        ">": {"min_length": value + 1},
        ">=": {"min_length": value},
        "<": {"max_length": value - 1},
        "<=": {"max_length": value},
        "=": {"min_length": value, "max_length": value},
    }.get(operator)


def _literals(text: str) -> list[Any] | None:
    """The values of a list of literals (strings or numbers), None if anything else is in it."""
    values: list[Any] = []
    for match in re.finditer(rf"\s*('(?:[^']|'')*'|{_NUMBER})\s*(?:,|$)", text):
        literal = match[1]
        values.append(literal[1:-1].replace("''", "'") if literal.startswith("'") else decimal.Decimal(literal))
    rebuilt = re.sub(rf"\s*('(?:[^']|'')*'|{_NUMBER})\s*(?:,|$)", "", text)
    return values if values and not rebuilt.strip() else None


def _merged(rule: Restriction, changes: dict[str, Any]) -> Restriction:
    """Two checks on one column: the narrower of each bound, the choices both allow."""
    merged: dict[str, Any] = {}
    if "low" in changes and (rule.low is None or changes["low"] >= rule.low):
        merged |= {"low": changes["low"], "low_open": changes.get("low_open", False)}
    if "high" in changes and (rule.high is None or changes["high"] <= rule.high):
        merged |= {"high": changes["high"], "high_open": changes.get("high_open", False)}
    if "choices" in changes:
        choices = changes["choices"]
        merged["choices"] = choices if rule.choices is None else tuple(c for c in rule.choices if c in choices)
    if "min_length" in changes:
        merged["min_length"] = max(rule.min_length, changes["min_length"])
    if "max_length" in changes:
        current = rule.max_length
        merged["max_length"] = changes["max_length"] if current is None else min(current, changes["max_length"])
    if "excluded" in changes:
        merged["excluded"] = (*rule.excluded, *changes["excluded"])
    for flag in ("not_null", "json"):
        if changes.get(flag):
            merged[flag] = True
    return replace(rule, **merged)
