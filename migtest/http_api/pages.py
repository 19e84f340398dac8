"""Where the next page of a listing is: a link in the body (`next`), a page number, an offset, a
cursor token from the body, or an RFC 8288 `Link: <...>; rel="next"` header (`paginate`).

Each returns the next page's URL, or None after the last page; anything doubtful is a StepFailed,
never an early end, since a listing cut short reads as lost objects (or, worse, as none to check).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

from migtest.config import ApiRead, Pagination
from migtest.errors import StepFailed
from migtest.http_api.values import MISSING, at, kind


@dataclass(frozen=True)
class Page:
    """One page read: where from (`where` as the user reads it), its body and items, and the
    response text kept as evidence."""

    url: str
    where: str
    response: requests.Response
    body: Any
    items: list[Any]
    evidence: str


class Pager:
    """The pagination of one read, with the count it has read so far."""

    def __init__(self, read: ApiRead) -> None:
        self.read = read
        self.paginate = read.paginate
        self.number = read.paginate.start if read.paginate else 0
        self.offset = 0
        self.total: int | None = None

    def first(self) -> dict[str, str]:
        """The query parameters of the first page."""
        paginate = self.paginate
        if paginate is None or paginate.by in ("cursor", "link-header"):
            return {}
        position = {paginate.param: str(self.number if paginate.by == "page" else 0)}
        size = {paginate.size_param: str(paginate.size)} if paginate.size and paginate.size_param else {}
        return {**position, **size}

    def next_url(self, page: Page, read: int) -> str | None:
        """The URL of the page after `page`; `read`: the items read until now."""
        paginate = self.paginate
        if paginate is None:
            return self._body_link(page)
        if paginate.by == "link-header":
            link = page.response.links.get("next", {}).get("url")
            return urljoin(page.url, link) if link else None
        if paginate.by == "cursor":
            return self._cursor(paginate, page)
        if paginate.total:
            self.total = self._total(paginate.total, page)
        if not page.items or (self.total is not None and read >= self.total):
            return None
        self.number += 1
        self.offset += len(page.items)
        position = self.number if paginate.by == "page" else self.offset
        return with_query(page.url, {paginate.param: str(position)})

    def check_total(self, read: int, where: str) -> None:
        """Fewer or more items than the listing's own total is a listing that cannot be trusted."""
        if self.total is not None and read != self.total:
            assert self.paginate is not None
            raise StepFailed(f"{where}: read {read} item(s), but '{self.paginate.total}' says {self.total}")

    def _body_link(self, page: Page) -> str | None:
        if not self.read.next:
            return None
        link = at(page.body, self.read.next)
        if link is MISSING or link is None or link == "":
            return None
        if not isinstance(link, str):
            raise StepFailed(f"{page.where}: '{self.read.next}' is {kind(link)}, not a path or URL", page.evidence)
        return urljoin(page.url, link)

    def _cursor(self, paginate: Pagination, page: Page) -> str | None:
        assert paginate.key is not None
        cursor = at(page.body, paginate.key)
        if cursor is MISSING or cursor is None or cursor == "":
            return None
        if isinstance(cursor, dict | list | bool):
            raise StepFailed(f"{page.where}: '{paginate.key}' is {kind(cursor)}, not a cursor", page.evidence)
        return with_query(page.url, {paginate.param: str(cursor)})

    def _total(self, key: str, page: Page) -> int:
        total = at(page.body, key)
        if total is MISSING:
            raise StepFailed(f"{page.where}: the response has no key '{key}' (the total)", page.evidence)
        if isinstance(total, bool) or not isinstance(total, int):
            raise StepFailed(f"{page.where}: '{key}' is {kind(total)}, not a count of items", page.evidence)
        return total


def with_query(url: str, params: dict[str, str]) -> str:
    """The URL with these query parameters set (in place where it has them already), the others kept."""
    if not params:
        return url
    parts = urlsplit(url)
    pairs = [(name, params.get(name, value)) for name, value in parse_qsl(parts.query, keep_blank_values=True)]
    given = {name for name, _ in pairs}
    pairs += [(name, value) for name, value in params.items() if name not in given]
    return urlunsplit(parts._replace(query=urlencode(pairs)))
