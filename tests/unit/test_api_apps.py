"""Apps as they are, against a real HTTP server: headers and auth (bearer, basic, a login whose
response gives the token), values captured from one response for later requests, listings paged
by number, offset, cursor or Link header, query parameters, and seeded bodies read back in the
app's own shape."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from http_server import Handler, Server, serving

from migtest.config import ApiRead, ApiRequest, Config, Pagination, SeededMatch, load_config
from migtest.errors import StepFailed
from migtest.http_api import ApiClient, Exchange, expected_objects, missing_evidence, unmatched
from migtest.http_api.seeded import slug
from migtest.masking import mask

TOKEN = "tok-3f9a1c7e5b"
PASSWORD = "pw-Zq8!x"
ITEMS = [{"id": n, "name": f"item {n}"} for n in range(1, 8)]
CAP = 3  # the most items a page holds, whatever was asked


class App(Handler):
    """Endpoints that need auth, answer in camelCase, page in every way; state per server."""

    def authorized(self) -> bool:
        given = self.headers.get("Authorization", "")
        basic = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
        if given in (f"Bearer {TOKEN}", basic) or self.headers.get("X-Api-Key") == TOKEN:
            return True
        self.json(401, {"detail": f"not authorized: got Authorization '{given}'"})
        return False

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/auth/login":
            body = self.body()
            if body == {"email": "admin@example.com", "password": PASSWORD}:
                self.json(200, {"access_token": TOKEN, "token_type": "bearer"})
            else:
                self.json(401, {"detail": "bad credentials", "sent": body})
            return
        if url.path == "/auth/form":
            form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
            ok = form == {"username": ["admin"], "password": [PASSWORD]}
            self.json(200 if ok else 401, {"data": {"token": TOKEN}} if ok else {"detail": "no"})
            return
        if not self.authorized():
            return
        body = self.body()
        self.server.received.append(("POST", self.path, body))
        if url.path == "/tools":
            tool = body["tool"]
            created = {
                "id": len(self.server.tools) + 1,
                "name": slug(tool["name"]),
                "displayName": tool["display_name"],
                "createdAt": "2026-01-01",
            }
            self.server.tools.append(created)
            self.json(201, {"tool": created})
        elif url.path == "/servers":
            ids = [tool["id"] for tool in self.server.tools]
            if not all(isinstance(n, int) and n in ids for n in body["tool_ids"]):
                self.json(422, {"detail": f"unknown tool ids {body['tool_ids']}"})
                return
            self.server.servers.append(body)
            self.json(201, {"id": f"srv-{len(self.server.servers)}", "name": body["name"]})
        else:
            self.json(404, {"detail": "no such path"})

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        self.server.received.append(("GET", self.path, None))
        if url.path == "/headers":  # open: shows what it was sent
            self.json(200, [{"tenant": self.headers.get("X-Tenant"), "trace": self.headers.get("X-Trace")}])
            return
        if not self.authorized():
            return
        number, size = int(query.get("page", 1)), min(int(query.get("per_page", CAP)), CAP)
        offset, limit = int(query.get("offset", 0)), min(int(query.get("limit", CAP)), CAP)
        match url.path:
            case "/tools":
                start = int(query.get("cursor", 0))
                following = start + 2 if start + 2 < len(self.server.tools) else None
                self.json(200, {"tools": self.server.tools[start : start + 2], "nextCursor": following})
            case path if path.startswith("/servers/"):
                server = self.server.servers[int(path.split("/")[2].removeprefix("srv-")) - 1]
                tools = [tool for tool in self.server.tools if tool["id"] in server["tool_ids"]]
                inactive = query.get("include_inactive") == "true"
                self.json(200, tools if inactive else [])
            case "/paged":
                self.json(200, {"data": ITEMS[(number - 1) * size : number * size], "meta": {"total": len(ITEMS)}})
            case "/paged-wrong-total":
                self.json(200, {"data": ITEMS[(number - 1) * size : number * size], "meta": {"total": 9}})
            case "/clamped":  # a page past the end answers the last page again
                last = (len(ITEMS) - 1) // size + 1
                number = min(number, last)
                self.json(200, {"data": ITEMS[(number - 1) * size : number * size]})
            case "/offset":
                self.json(200, {"results": ITEMS[offset : offset + limit], "count": len(ITEMS)})
            case "/cursor":
                start = int(query.get("after", 0))
                more = start + CAP < len(ITEMS)
                self.json(
                    200,
                    {"items": ITEMS[start : start + CAP], "meta": {"nextCursor": str(start + CAP) if more else None}},
                )
            case "/cursor-loop":
                self.json(200, {"items": [query.get("after", "first")], "meta": {"nextCursor": "same"}})
            case "/linked":
                start = int(query.get("from", 0))
                more = start + CAP < len(ITEMS)
                links = {"Link": f'</linked?from={start + CAP}>; rel="next", </linked>; rel="first"'} if more else {}
                self.json(200, ITEMS[start : start + CAP], links)
            case "/endless":
                self.json(200, {"data": [{"id": number}]})
            case _:
                self.json(404, {"detail": "no such path"})


@pytest.fixture
def server() -> Iterator[Server]:
    with serving(App) as httpd:
        httpd.tools, httpd.servers = [], []
        yield httpd


@pytest.fixture
def base(server: Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def app_config(tmp_path: Path, app: dict[str, Any], **sections: Any) -> Config:
    """The parsed configuration of an on-start project with this `app:` section."""
    data = {
        "migrations": {"tool": "on-start"},
        "app": {"health": "http://{host}:{port}/health", **app},
        "versions": [{"name": "1", "image": "app:1"}],
        **sections,
    }
    path = tmp_path / "migtest.yml"
    path.write_text(yaml.safe_dump(data))
    return load_config(str(path))


def failure(call) -> StepFailed:
    with pytest.raises(StepFailed) as raised:
        call()
    return raised.value


def authorized(base: str, values: dict[str, Any] | None = None, captures=()) -> ApiClient:
    return ApiClient(base, (("Authorization", f"Bearer {TOKEN}"),), values, captures)


# Headers and authentication


def test_app_headers_and_request_headers_are_sent(base):
    client = ApiClient(base, (("X-Tenant", "acme"),))
    traced = ApiRead(path="/headers", headers=(("X-Trace", "t1"),))
    assert client.read_all(traced) == [{"tenant": "acme", "trace": "t1"}]
    assert client.read_all(ApiRead(path="/headers")) == [{"tenant": "acme", "trace": None}]


def test_bearer_token_from_the_environment_is_sent_and_masked(base, tmp_path, monkeypatch):
    monkeypatch.setenv("APP_TOKEN", TOKEN)
    config = app_config(tmp_path, {"auth": {"bearer": "${APP_TOKEN}"}})
    assert config.app.auth.bearer == TOKEN
    with ApiClient.connect(base, config.app) as client:
        assert client.read_all(ApiRead(path="/paged", items="data")) == ITEMS[:CAP]
    assert mask(f"header Bearer {TOKEN} in {json.dumps(TOKEN)}") == 'header Bearer *** in "***"'


def test_without_auth_the_app_refuses_and_the_read_fails(base):
    error = failure(lambda: ApiClient(base).read_all(ApiRead(path="/paged", items="data")))
    assert str(error) == "GET /paged: expected status 401, got 401".replace(
        "expected status 401", "expected status 200"
    )


def test_any_header_from_the_environment_carries_a_token(base, tmp_path, monkeypatch):
    monkeypatch.setenv("API_KEY", TOKEN)
    config = app_config(tmp_path, {"headers": {"X-Api-Key": "${API_KEY}", "X-Tenant": "acme"}})
    assert config.app.headers == (("X-Api-Key", TOKEN), ("X-Tenant", "acme"))
    with ApiClient.connect(base, config.app) as client:
        assert len(client.read_all(ApiRead(path="/paged", items="data"))) == CAP
    assert mask(TOKEN) == "***" and mask("acme") == "acme"


def test_basic_auth_from_the_environment_is_sent_and_masked(base, tmp_path, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", PASSWORD)
    config = app_config(tmp_path, {"auth": {"basic": {"username": "admin", "password": "${ADMIN_PASSWORD}"}}})
    with ApiClient.connect(base, config.app) as client:
        assert len(client.read_all(ApiRead(path="/paged", items="data"))) == CAP
    encoded = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    assert mask(f"{PASSWORD} Basic {encoded}") == "*** Basic ***"


def test_login_gives_the_token_sent_with_every_request_and_masked(base, tmp_path, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", PASSWORD)
    login = {"path": "/auth/login", "json": {"email": "admin@example.com", "password": "${ADMIN_PASSWORD}"}}
    config = app_config(tmp_path, {"auth": {"login": login, "token": "access_token"}})
    with ApiClient.connect(base, config.app) as client:
        assert client.session.headers["Authorization"] == f"Bearer {TOKEN}"
        assert len(client.read_all(ApiRead(path="/paged", items="data"))) == CAP
    assert mask(f"token {TOKEN}") == "token ***"


def test_a_form_login_with_a_nested_token_and_another_header(base, tmp_path, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", PASSWORD)
    login = {"path": "/auth/form", "form": {"username": "admin", "password": "${ADMIN_PASSWORD}"}}
    config = app_config(
        tmp_path, {"auth": {"login": login, "token": "data.token", "header": "X-Api-Key", "scheme": ""}}
    )
    with ApiClient.connect(base, config.app) as client:
        assert client.session.headers["X-Api-Key"] == TOKEN
        assert len(client.read_all(ApiRead(path="/paged", items="data"))) == CAP


def test_a_refused_login_fails_with_the_response(base, tmp_path, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "wrong")
    login = {"path": "/auth/login", "json": {"email": "admin@example.com", "password": "${ADMIN_PASSWORD}"}}
    config = app_config(tmp_path, {"auth": {"login": login}})
    error = failure(lambda: ApiClient.connect(base, config.app))
    assert str(error) == "log in: POST /auth/login: expected status 200, got 401"
    assert json.loads(error.output)["detail"] == "bad credentials"


def test_a_login_response_without_the_token_fails(base, tmp_path, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", PASSWORD)
    login = {"path": "/auth/login", "json": {"email": "admin@example.com", "password": "${ADMIN_PASSWORD}"}}
    config = app_config(tmp_path, {"auth": {"login": login, "token": "token"}})
    error = failure(lambda: ApiClient.connect(base, config.app))
    assert str(error) == "log in: POST /auth/login: the response has no key 'token', not a token"


# Values captured from responses


def test_a_captured_id_fills_later_paths_and_bodies_keeping_its_type(base, server):
    client = authorized(base, {"version": "2"}, {"tool_id", "server_id"})
    tool = ApiRequest(
        path="/tools", json={"tool": {"name": "Lamp {version}", "display_name": "L"}}, capture=(("tool_id", "tool.id"),)
    )
    client.send(tool)
    created = client.send(
        ApiRequest(path="/servers", json={"name": "s", "tool_ids": ["{tool_id}"]}, capture=(("server_id", "id"),))
    )
    assert server.received[-1] == ("POST", "/servers", {"name": "s", "tool_ids": [1]})
    assert created.received == {"id": "srv-1", "name": "s"}
    assert client.values == {"version": "2", "tool_id": 1, "server_id": "srv-1"}
    read = ApiRead(path="/servers/{server_id}/tools", query=(("include_inactive", "true"),))
    assert [tool["name"] for tool in client.read_all(read)] == ["lamp-2"]
    assert client.read_all(ApiRead(path="/servers/{server_id}/tools")) == []  # the query parameter matters


def test_a_capture_missing_from_the_response_fails(base):
    request = ApiRequest(path="/tools", json={"tool": {"name": "a", "display_name": "A"}}, capture=(("tool_id", "id"),))
    error = failure(lambda: authorized(base).send(request))
    assert str(error) == "POST /tools: the response has no key 'id' to capture as tool_id"
    assert json.loads(error.output)["tool"]["name"] == "a"


def test_a_placeholder_never_captured_fails_before_sending(base, server):
    request = ApiRequest(path="/servers", json={"name": "s", "tool_ids": ["{tool_id}"]})
    error = failure(lambda: authorized(base, captures={"tool_id"}).send(request))
    assert str(error).startswith("POST /servers: {tool_id} has no value: the seed.api request capturing it")
    read = ApiRead(path="/servers/{server_id}/tools")
    error = failure(lambda: authorized(base, captures={"server_id"}).read_all(read))
    assert str(error).startswith("GET /servers/{server_id}/tools: {server_id} has no value")
    assert server.received == []


# Pagination


def paged(path: str, by: str, **options: Any) -> ApiRead:
    items = options.pop("items", "data")
    max_pages = options.pop("max_pages", 1000)
    return ApiRead(path=path, items=items, paginate=Pagination(by=by, **options), max_pages=max_pages)


def test_page_numbers_with_a_size_and_a_total_stop_at_the_total(base, server):
    read = paged("/paged", "page", param="page", size_param="per_page", size=2, total="meta.total")
    assert authorized(base).read_all(read) == ITEMS
    assert [path for _, path, _ in server.received] == [f"/paged?page={n}&per_page=2" for n in (1, 2, 3, 4)]


def test_a_total_that_disagrees_with_the_items_fails(base):
    read = paged("/paged-wrong-total", "page", param="page", total="meta.total")
    error = failure(lambda: authorized(base).read_all(read))
    assert str(error) == "GET /paged-wrong-total?page=4: read 7 item(s), but 'meta.total' says 9"


def test_a_page_number_past_the_end_answering_the_last_page_is_a_loop(base):
    error = failure(lambda: authorized(base).read_all(paged("/clamped", "page", param="page")))
    assert str(error) == "GET /clamped?page=4: page loop, the same 1 item(s) as the page before"


def test_offset_and_limit_move_by_the_items_read_when_the_app_caps_the_limit(base, server):
    read = paged("/offset", "offset", param="offset", size_param="limit", size=5, items="results", total="count")
    assert authorized(base).read_all(read) == ITEMS
    assert [path for _, path, _ in server.received] == [f"/offset?offset={n}&limit=5" for n in (0, 3, 6)]


def test_page_numbers_stop_at_the_first_empty_page(base, server):
    assert authorized(base).read_all(paged("/paged", "page", param="page")) == ITEMS
    assert [path for _, path, _ in server.received] == [f"/paged?page={n}" for n in (1, 2, 3, 4)]


def test_a_cursor_in_the_body_becomes_a_query_parameter(base):
    read = paged("/cursor", "cursor", param="after", key="meta.nextCursor", items="items")
    assert authorized(base).read_all(read) == ITEMS


def test_a_cursor_repeating_itself_is_a_loop(base):
    read = paged("/cursor-loop", "cursor", param="after", key="meta.nextCursor", items="items")
    error = failure(lambda: authorized(base).read_all(read))
    assert (
        str(error) == "GET /cursor-loop?after=same: page loop, the next page /cursor-loop?after=same was already read"
    )


def test_an_rfc_8288_link_header_gives_the_next_page(base):
    assert authorized(base).read_all(paged("/linked", "link-header", items="")) == ITEMS


def test_the_page_cap_stops_an_endless_listing(base):
    read = paged("/endless", "page", param="page", max_pages=4)
    error = failure(lambda: authorized(base).read_all(read))
    assert str(error) == "GET /endless: more than 4 pages, stopped before /endless?page=5"
    assert json.loads(error.output) == {"data": [{"id": 4}]}


# Seeded bodies read back in the app's shape


TOOL_MATCH = SeededMatch(unwrap="tool", ignore=("secret_note",), transform=(("name", ("slug",)),), case="camel")


def test_wrapped_camel_case_slugged_objects_are_found_across_cursor_pages(base):
    client = authorized(base)
    names = ["Desk Lamp", "Café Menu!", "chair", "Shelf 2"]
    exchanges = [
        client.send(
            ApiRequest(path="/tools", json={"tool": {"name": name, "display_name": name.upper(), "secret_note": "x"}})
        )
        for name in names
    ]
    read = ApiRead(
        path="/tools",
        items="tools",
        paginate=Pagination(by="cursor", key="nextCursor"),
        match=TOOL_MATCH,
    )
    expected = expected_objects(read, exchanges, {})
    assert expected[1] == {"name": "cafe-menu", "displayName": "CAFÉ MENU!"}
    items = client.read_all(read)
    assert len(items) == 4 and unmatched(expected, items) == []
    unmapped = expected_objects(ApiRead(path="/tools"), exchanges, {})
    assert unmatched(unmapped, items) == unmapped  # without match nothing is found


def test_keys_map_sent_keys_to_nested_read_keys_and_transforms_chain():
    read = ApiRead(
        path="/tools",
        match=SeededMatch(
            keys=(("display_name", "meta.label"),), transform=(("name", ("strip", "upper")), ("n", ("string",)))
        ),
    )
    sent = Exchange("POST", "/tools", 201, {"name": " a b ", "display_name": "A", "n": 5}, {})
    assert expected_objects(read, [sent], {}) == [{"name": "A B", "meta": {"label": "A"}, "n": "5"}]


def test_unwrap_takes_a_body_without_the_wrapper_whole_and_fails_on_a_wrapper_that_is_no_object():
    read = ApiRead(path="/tools", match=SeededMatch(unwrap="tool", case="camel"))
    old, new = {"display_name": "a"}, {"tool": {"display_name": "b"}, "team_id": None}
    exchanges = [Exchange("POST", "/tools", 201, body, {}) for body in (old, new)]
    assert expected_objects(read, exchanges, {}) == [{"displayName": "a"}, {"displayName": "b"}]
    error = failure(lambda: expected_objects(read, [Exchange("POST", "/tools", 201, {"tool": "x"}, {})], {}))
    assert str(error) == "match.unwrap 'tool': a body sent holds no object there"
    assert error.output == '{"tool": "x"}'


def test_a_miss_shows_the_nearest_item_and_the_keys_that_differ():
    items = [
        {"id": 1, "name": "desk", "displayName": "Desk", "tags": []},
        {"id": 2, "name": "desk-lamp", "displayName": "Desk lamp", "tags": ["a"]},
        {"id": 3, "name": "lamp", "displayName": "Desk Lamp", "tags": ["a"]},
    ]
    expected = {"name": "desk-lamp", "displayName": "Desk Lamp", "tags": ["a"], "owner": "ann"}
    assert missing_evidence(expected, items).splitlines() == [
        json.dumps(expected, sort_keys=True),
        "nearest item read (2 of 4 key(s) equal): "
        + '{"displayName": "Desk lamp", "id": 2, "name": "desk-lamp", "tags": ["a"]}',
        '  displayName: expected "Desk Lamp", read "Desk lamp"',
        '  owner: expected "ann", absent',
    ]
    assert missing_evidence(expected, []).endswith("no item to compare with: the listing holds no object")


def test_a_secret_from_the_environment_is_masked_inside_json_strings_too(tmp_path, monkeypatch):
    secret = 'pw"with\\quote'
    monkeypatch.setenv("QUOTED_SECRET", secret)
    app_config(tmp_path, {"auth": {"bearer": "${QUOTED_SECRET}"}})
    assert mask(json.dumps({"detail": f"Bearer {secret}"})) == '{"detail": "Bearer ***"}'
