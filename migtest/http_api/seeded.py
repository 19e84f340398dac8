"""What `contains: seeded` looks for: the bodies `seed.api` sent to the listing's path, reshaped
by `match` into what the app reads back (wrapped bodies, ignored, transformed and renamed keys)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from migtest.config import ApiRead, SeededMatch
from migtest.errors import StepFailed
from migtest.http_api.client import Exchange
from migtest.http_api.values import MISSING, at, fill, put


def expected_objects(read: ApiRead, exchanges: Sequence[Exchange], values: dict[str, Any]) -> list[Any]:
    """The objects `read` must find: its `contains`, or what was seeded to its path (placeholders
    filled with `values`) as the app should show it."""
    if not read.seeded:
        return list(read.contains)
    sent = seeded_objects(exchanges, fill(read.path, values))
    return [reshape(body, read.match) for body in sent] if read.match else sent


def seeded_objects(exchanges: Sequence[Exchange], path: str) -> list[Any]:
    """The JSON bodies successfully POSTed or PUT to `path` (query strings ignored): what `seeded` means."""
    wanted = urlsplit(path).path
    return [
        exchange.sent
        for exchange in exchanges
        if exchange.method in ("POST", "PUT")
        and 200 <= exchange.status < 300
        and exchange.sent is not None
        and urlsplit(exchange.path).path == wanted
    ]


def reshape(body: Any, match: SeededMatch) -> Any:
    """A body as sent, made the object the app reads back. A body without the `unwrap` key is
    taken whole, so one entry serves seeds of releases before and after an API began to wrap."""
    sent = at(body, match.unwrap)
    if sent is MISSING:  # a release that did not wrap yet; a wrong key cannot pass: nothing matches it
        sent = body
    if not isinstance(sent, dict):
        raise StepFailed(f"match.unwrap '{match.unwrap}': a body sent holds no object there", json.dumps(body))
    transforms = dict(match.transform)
    renamed = dict(match.keys)
    result: dict[str, Any] = {}
    for key, value in sent.items():
        if key in match.ignore:
            continue
        for name in transforms.get(key, ()):
            value = TRANSFORMS[name](value)
        put(result, renamed.get(key) or (camel_case(key) if match.case == "camel" else key), value)
    return result


def camel_case(key: str) -> str:
    """display_name -> displayName; a leading underscore stays."""
    head, *rest = key.lstrip("_").split("_")
    return key[: len(key) - len(key.lstrip("_"))] + head + "".join(part[:1].upper() + part[1:] for part in rest)


def slug(text: str) -> str:
    """Lower case, accents dropped, every run of other characters one '-': "Café Menu!" -> "cafe-menu"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _on_text(transform: Callable[[str], str]) -> Callable[[Any], Any]:
    """A text transform that leaves values other than strings as they are."""
    return lambda value: transform(value) if isinstance(value, str) else value


TRANSFORMS: dict[str, Callable[[Any], Any]] = {
    "slug": _on_text(slug),
    "lower": _on_text(str.lower),
    "upper": _on_text(str.upper),
    "strip": _on_text(str.strip),
    "string": lambda value: value if isinstance(value, str) else json.dumps(value),
}
