"""Talk to a release's REST API: seed objects through it, then read every page back to verify them.

Every failure is a StepFailed carrying the response body as evidence; in particular a read that
went wrong is never mistaken for an empty listing, which would make "nothing survived" look like
"nothing to check".
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from migtest.config import ApiRead, ApiRequest
from migtest.errors import StepFailed
from migtest.process import fill

TIMEOUT = 30  # seconds per request: an app that hangs fails the step instead of the whole run
MAX_PAGES = 1000  # a listing longer than this is taken for a pagination bug, not data
EVIDENCE_CHARS = 4000
_MISSING = object()


@dataclass(frozen=True)
class Exchange:
    """One request sent while seeding, kept so `contains: seeded` knows what to look for."""

    method: str
    path: str
    status: int
    sent: Any
    received: Any  # the response's JSON, or its text when it is not JSON


def send(base_url: str, request: ApiRequest, placeholders: dict[str, str]) -> Exchange:
    """Send one `seed.api` request; a status other than the expected one stops the scenario."""
    method = request.method.upper()
    body = _fill(request.json, placeholders)
    url = _url(base_url, request.path)
    response = _request(method, url, body)
    if response.status_code != request.status:
        raise StepFailed(
            f"{method} {request.path}: expected status {request.status}, got {response.status_code}",
            _evidence(response),
        )
    try:
        received: Any = response.json()
    except ValueError:
        received = response.text
    return Exchange(method, request.path, response.status_code, body, received)


def read_all(base_url: str, read: ApiRead) -> list[Any]:
    """Every item of a listing, following `next` links to the last page; any doubt is a failure."""
    items: list[Any] = []
    url = _url(base_url, read.path)
    seen = {url}
    for _ in range(MAX_PAGES):
        response = _request("GET", url, None)
        where = f"GET {_shown(url, base_url)}"
        evidence = _evidence(response)
        if response.status_code != read.status:
            raise StepFailed(f"{where}: expected status {read.status}, got {response.status_code}", evidence)
        try:
            body = json.loads(response.text)
        except ValueError as error:
            raise StepFailed(f"{where}: the response is not JSON ({error})", evidence) from None
        page = _at(body, read.items)
        if page is _MISSING:
            raise StepFailed(f"{where}: the response has no key '{read.items}'", evidence)
        if not isinstance(page, list):
            what = f"'{read.items}'" if read.items else "the response"
            raise StepFailed(f"{where}: {what} is {_kind(page)}, not a list", evidence)
        items.extend(page)
        link = _at(body, read.next) if read.next else None
        if link is _MISSING or link is None or link == "":
            return items
        if not isinstance(link, str):
            raise StepFailed(f"{where}: '{read.next}' is {_kind(link)}, not a path or URL", evidence)
        url = urljoin(url, link)
        if url in seen:
            raise StepFailed(f"{where}: page loop, the next page {_shown(url, base_url)} was already read", evidence)
        seen.add(url)
    raise StepFailed(f"GET {read.path}: more than {MAX_PAGES} pages, stopped before {_shown(url, base_url)}", evidence)


def unmatched(expected: Sequence[Any], items: Sequence[Any]) -> list[Any]:
    """The expected objects no item stands for; each item stands for at most one of them.

    A maximum matching rather than first-come pairing, so a loose expected object (`{"a": 1}`) taking
    the only item a stricter one (`{"a": 1, "b": 2}`) could match does not report a false loss. When
    they cannot all match, earlier objects keep their items and the later ones are reported."""
    return [expected[index] for index in _unmatched_indexes(expected, items)]


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


def _matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _matches(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list | tuple):
        return isinstance(actual, list | tuple) and not _unmatched_indexes(expected, actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual  # JSON true is not 1
    return bool(expected == actual)


def _unmatched_indexes(expected: Sequence[Any], items: Sequence[Any]) -> list[int]:
    candidates = [[i for i, item in enumerate(items) if _matches(wanted, item)] for wanted in expected]
    owner: dict[int, int] = {}  # item index -> expected index it stands for
    return [index for index in range(len(expected)) if not _augment(index, candidates, owner)]


def _augment(start: int, candidates: list[list[int]], owner: dict[int, int]) -> bool:
    """Kuhn's augmenting path, iterative so long listings do not hit the recursion limit."""
    visited: set[int] = set()
    stack: list[tuple[int, Iterator[int]]] = [(start, iter(candidates[start]))]
    via: list[int] = []  # via[k]: the item frame k tries to take (from frame k + 1, or free)
    while stack:
        _, options = stack[-1]
        item = next((i for i in options if i not in visited), None)
        if item is None:
            stack.pop()
            if via:
                via.pop()
            continue
        visited.add(item)
        via.append(item)
        if item in owner:
            stack.append((owner[item], iter(candidates[owner[item]])))
            continue
        for (index, _), taken in zip(stack, via):
            owner[taken] = index
        return True
    return False


def _fill(value: Any, placeholders: dict[str, str]) -> Any:
    """Fill `{name}` in every string, keys included; str.replace leaves other braces alone."""
    if isinstance(value, str):
        return fill(value, placeholders)
    if isinstance(value, dict):
        return {_fill(key, placeholders): _fill(item, placeholders) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_fill(item, placeholders) for item in value]
    return value


def _url(base_url: str, path: str) -> str:
    return path if urlsplit(path).scheme else base_url.rstrip("/") + "/" + path.lstrip("/")


def _shown(url: str, base_url: str) -> str:
    """A URL of the app as its path, as the configuration names it."""
    base = base_url.rstrip("/")
    return url[len(base) :] if url.startswith(base + "/") else url


def _request(method: str, url: str, body: Any) -> requests.Response:
    try:
        return requests.request(method, url, json=body, timeout=TIMEOUT)
    except requests.RequestException as error:
        raise StepFailed(f"cannot reach {url}: {_reason(error)}") from None


def _reason(error: BaseException) -> str:
    """The innermost cause (connection refused, timed out) rather than urllib3's retry wrapping."""
    reason = error
    while isinstance(getattr(reason, "args", None), tuple) and reason.args:
        inner = getattr(reason.args[0], "reason", None)
        if not isinstance(inner, BaseException) or inner is reason:
            break
        reason = inner
    return str(reason)


def _at(value: Any, dotted: str) -> Any:
    for key in dotted.split(".") if dotted else ():
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an object" if isinstance(value, dict) else "a list"


def _evidence(response: requests.Response) -> str:
    text = response.text
    if len(text) <= EVIDENCE_CHARS:
        return text
    return f"{text[:EVIDENCE_CHARS]}\n... ({len(text) - EVIDENCE_CHARS} more characters)"
