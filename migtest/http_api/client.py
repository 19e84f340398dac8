"""One running app's API over one requests.Session: `app.headers` and `app.auth` on every request
(a login first, when configured; its cookies kept), values captured from responses filled into
later requests, and listings read page by page.

Every failure is a StepFailed carrying the response body as evidence; in particular a read that
went wrong is never mistaken for an empty listing, which would make "nothing survived" look like
"nothing to check".
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from migtest.config import ApiRead, ApiRequest, AppConfig, AuthConfig
from migtest.errors import StepFailed
from migtest.http_api.pages import Page, Pager, with_query
from migtest.http_api.values import MISSING, at, fill, kind, placeholders
from migtest.masking import register_secret

TIMEOUT = 30  # seconds per request: an app that hangs fails the step instead of the whole run
EVIDENCE_CHARS = 4000


@dataclass(frozen=True)
class Exchange:
    """One request sent while seeding, kept so `contains: seeded` knows what to look for."""

    method: str
    path: str
    status: int
    sent: Any
    received: Any  # the response's JSON, or its text when it is not JSON


class ApiClient:
    """`values` fill `{name}` placeholders; `captures` are the names seeding captures, so a request
    that needs one nobody captured here fails instead of sending `{name}` to the app."""

    def __init__(
        self,
        base_url: str,
        headers: tuple[tuple[str, str], ...] = (),
        values: Mapping[str, Any] | None = None,
        captures: Collection[str] = (),
        timeout: float = TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update(dict(headers))
        self.values: dict[str, Any] = dict(values or {})
        self.captures = frozenset(captures)

    @classmethod
    def connect(
        cls,
        base_url: str,
        app: AppConfig,
        values: Mapping[str, Any] | None = None,
        captures: Collection[str] = (),
        timeout: float = TIMEOUT,
    ) -> ApiClient:
        """A client of the app at `base_url`, logged in when `app.auth` says so."""
        client = cls(base_url, app.headers, values, captures, timeout)
        if app.auth is not None:
            client.authenticate(app.auth)
        return client

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.session.close()

    def authenticate(self, auth: AuthConfig) -> None:
        if auth.basic is not None:
            register_secret(base64.b64encode(":".join(auth.basic).encode()).decode())
            self.session.auth = auth.basic
            return
        token = auth.bearer if auth.bearer is not None else self._log_in(auth)
        self.session.headers[auth.header] = f"{auth.scheme} {token}" if auth.scheme else token

    def send(self, request: ApiRequest) -> Exchange:
        """Send one `seed.api` request; a status other than the expected one stops the scenario."""
        method = request.method.upper()
        where = f"{method} {request.path}"
        path, body = self.filled(request.path, where), self.filled(request.json, where)
        url = with_query(self._url(path), self.filled(dict(request.query), where))
        response = self._request(method, url, json=body, headers=self.filled(dict(request.headers), where))
        where = f"{method} {path}"
        self._expect_status(response, request.status, where)
        try:
            received: Any = response.json()
        except ValueError:
            received = response.text
        for name, key in request.capture:
            value = at(received, key)
            if value is MISSING:
                raise StepFailed(f"{where}: the response has no key '{key}' to capture as {name}", evidence(response))
            self.values[name] = value
        return Exchange(method, path, response.status_code, body, received)

    def read_all(self, read: ApiRead) -> list[Any]:
        """Every item of a listing, page by page to the last; any doubt is a failure."""
        items: list[Any] = []
        pager = Pager(read)
        where = f"GET {read.path}"
        url, headers = self._first(read, pager)
        seen = {url}
        previous: list[Any] = []
        for _ in range(read.max_pages):
            page = self._page(url, read, headers)
            if page.items and page.items == previous:
                raise StepFailed(f"{page.where}: page loop, the same {len(previous)} item(s) as the page before")
            items.extend(page.items)
            following = pager.next_url(page, len(items))
            if following is None:
                pager.check_total(len(items), page.where)
                return items
            if following in seen:
                shown = self._shown(following)
                raise StepFailed(f"{page.where}: page loop, the next page {shown} was already read", page.evidence)
            seen.add(following)
            url, previous = following, page.items
        raise StepFailed(f"{where}: more than {read.max_pages} pages, stopped before {self._shown(url)}", page.evidence)

    def read_first(self, read: ApiRead) -> list[Any]:
        """The first page of a listing: one request, for a probe that must stay short (rolling.py)."""
        url, headers = self._first(read, Pager(read))
        return self._page(url, read, headers).items

    def expect(self, path: str, status: int) -> None:
        """GET `path` (or an absolute URL, a health check's) and require `status`."""
        url = self._url(path)
        self._expect_status(self._request("GET", url), status, f"GET {self._shown(url)}")

    def _first(self, read: ApiRead, pager: Pager) -> tuple[str, dict[str, str]]:
        """The URL of a listing's first page, and the headers of its requests."""
        where = f"GET {read.path}"
        url = with_query(self._url(self.filled(read.path, where)), self.filled(dict(read.query), where))
        return with_query(url, pager.first()), self.filled(dict(read.headers), where)

    def filled(self, value: Any, where: str) -> Any:
        """The value with every placeholder filled; a captured name without a value fails."""
        result = fill(value, self.values)
        pending = sorted(placeholders(result) & self.captures)
        if pending:
            raise StepFailed(
                f"{where}: {{{pending[0]}}} has no value: the seed.api request capturing it was not sent to "
                "this database (its 'versions' leave out this one?)"
            )
        return result

    def _log_in(self, auth: AuthConfig) -> str:
        login = auth.login
        assert login is not None
        where = f"log in: {login.method} {login.path}"
        response = self._request(login.method, self._url(login.path), json=login.json, data=dict(login.form) or None)
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        token = at(body, auth.token)
        if isinstance(token, str) and token:
            register_secret(token)  # before anything could show the body
        self._expect_status(response, login.status, where)
        if not isinstance(token, str) or not token:
            found = "no key" if token is MISSING else f"{kind(token)} at"
            raise StepFailed(f"{where}: the response has {found} '{auth.token}', not a token", evidence(response))
        return token

    def _page(self, url: str, read: ApiRead, headers: dict[str, str]) -> Page:
        response = self._request("GET", url, headers=headers)
        where = f"GET {self._shown(url)}"
        shown = evidence(response)
        self._expect_status(response, read.status, where)
        try:
            body = json.loads(response.text)
        except ValueError as error:
            raise StepFailed(f"{where}: the response is not JSON ({error})", shown) from None
        items = at(body, read.items)
        if items is MISSING:
            raise StepFailed(f"{where}: the response has no key '{read.items}'", shown)
        if not isinstance(items, list):
            what = f"'{read.items}'" if read.items else "the response"
            raise StepFailed(f"{where}: {what} is {kind(items)}, not a list", shown)
        return Page(url, where, response, body, items, shown)

    def _expect_status(self, response: requests.Response, status: int, where: str) -> None:
        if response.status_code != status:
            raise StepFailed(f"{where}: expected status {status}, got {response.status_code}", evidence(response))

    def _url(self, path: str) -> str:
        return path if urlsplit(path).scheme else self.base_url + "/" + path.lstrip("/")

    def _shown(self, url: str) -> str:
        """A URL of the app as its path, as the configuration names it."""
        return url[len(self.base_url) :] if url.startswith(self.base_url + "/") else url

    def _request(self, method: str, url: str, **options: Any) -> requests.Response:
        try:
            return self.session.request(method, url, timeout=self.timeout, **options)
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


def evidence(response: requests.Response) -> str:
    text = response.text
    if len(text) <= EVIDENCE_CHARS:
        return text
    return f"{text[:EVIDENCE_CHARS]}\n... ({len(text) - EVIDENCE_CHARS} more characters)"
