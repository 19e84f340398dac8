"""Values inside JSON bodies: dotted keys, placeholders filled from captured values."""

from __future__ import annotations

import json
import re
from typing import Any

MISSING = object()
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def at(value: Any, dotted: str) -> Any:
    """The value at a dotted key ("" is the value itself), or MISSING."""
    for key in dotted.split(".") if dotted else ():
        if not isinstance(value, dict) or key not in value:
            return MISSING
        value = value[key]
    return value


def put(target: dict[str, Any], dotted: str, value: Any) -> None:
    """Set a dotted key, making the mappings on the way."""
    *parents, last = dotted.split(".")
    for key in parents:
        target = target.setdefault(key, {})
    target[last] = value


def fill(value: Any, values: dict[str, Any]) -> Any:
    """Fill `{name}` in every string, keys included; other braces are left alone. A string that is
    one placeholder takes the value as it is, so a captured number stays a number in a JSON body."""
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole and whole[1] in values:
            return values[whole[1]]
        return PLACEHOLDER.sub(lambda match: _text(values.get(match[1], match[0])), value)
    if isinstance(value, dict):
        return {_text(fill(key, values)): fill(item, values) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [fill(item, values) for item in value]
    return value


def placeholders(value: Any) -> set[str]:
    """The `{name}` placeholders left in a value (keys included)."""
    return set(PLACEHOLDER.findall(json.dumps(value, default=str)))


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an object" if isinstance(value, dict) else "a list"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
