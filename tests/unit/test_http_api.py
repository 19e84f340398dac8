"""The HTTP side of API seeding and verification, against a real HTTP server on this machine."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from http_server import Handler, Server, serving

from migtest.config import ApiRead, ApiRequest
from migtest.errors import StepFailed
from migtest.http_api import ApiClient, Exchange, seeded_objects, unmatched

ITEMS = [{"id": n, "name": f"item {n}"} for n in range(1, 6)]
PAGE_SIZE = 2


class Api(Handler):
    """A paginated /items listing, plus endpoints that misbehave the ways real apps do."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        page = int(parse_qs(url.query).get("page", ["1"])[0])
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        start = (page - 1) * PAGE_SIZE
        more = start + PAGE_SIZE < len(ITEMS)
        chunk = ITEMS[start : start + PAGE_SIZE]
        match url.path:
            case "/items":
                next_page = f"/items?page={page + 1}" if more else None
                self.json(200, {"data": {"items": chunk}, "links": {"next": next_page}})
            case "/absolute":
                self.json(200, {"items": chunk, "next": f"{base}/absolute?page={page + 1}" if more else ""})
            case "/plain":
                self.json(200, ITEMS)
            case "/empty":
                self.json(200, {"items": []})
            case "/wrong-status":
                self.send(404, "no such listing")
            case "/not-json":
                self.send(200, "<html>maintenance</html>")
            case "/no-items":
                self.json(200, {"results": ITEMS})
            case "/not-a-list":
                self.json(200, {"items": {"id": 1}})
            case "/bad-next":
                self.json(200, {"items": [], "next": 2})
            case "/loop":
                self.json(200, {"items": [page], "next": f"/loop?page={2 if page == 1 else 1}"})
            case "/broken":
                if page == 2:
                    self.send(500, "database is locked")
                else:
                    self.json(200, {"items": chunk, "next": "/broken?page=2"})
            case "/endless":
                self.json(200, {"items": [page], "next": f"?page={page + 1}"})
            case _:
                self.send(404, "unknown path")

    def do_POST(self) -> None:
        body = self.body()
        self.server.received.append((self.command, self.path, body))
        match urlsplit(self.path).path:
            case "/items":
                self.json(201, {"id": 99, **body})
            case "/taken":
                self.json(422, {"error": "name taken"})
            case "/huge":
                self.send(500, "x" * 5000)
            case "/text":
                self.send(201, "created")
            case _:
                self.send(404, "unknown path")

    do_PUT = do_POST


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serving(Api) as httpd:
        yield httpd


@pytest.fixture
def base(server: Server) -> str:
    server.received.clear()
    return f"http://127.0.0.1:{server.server_address[1]}"


def failure(base: str, read: ApiRead) -> StepFailed:
    with pytest.raises(StepFailed) as raised:
        ApiClient(base).read_all(read)
    return raised.value


# Reading every page


def test_pagination_collects_every_item_in_order(base):
    assert ApiClient(base).read_all(ApiRead(path="/items", items="data.items", next="links.next")) == ITEMS


def test_next_may_be_an_absolute_url_and_empty_string_ends(base):
    assert ApiClient(base).read_all(ApiRead(path="/absolute", items="items", next="next")) == ITEMS


def test_the_body_itself_may_be_the_list(base):
    assert ApiClient(base + "/").read_all(ApiRead(path="/plain")) == ITEMS


def test_without_next_only_the_first_page_is_read(base):
    assert ApiClient(base).read_all(ApiRead(path="/items", items="data.items")) == ITEMS[:2]


def test_a_truly_empty_listing_is_an_empty_list(base):
    assert ApiClient(base).read_all(ApiRead(path="/empty", items="items", next="next")) == []


def test_unexpected_status_fails_with_the_body(base):
    error = failure(base, ApiRead(path="/wrong-status", items="items"))
    assert str(error) == "GET /wrong-status: expected status 200, got 404"
    assert error.output == "no such listing"


def test_a_body_that_is_not_json_fails(base):
    error = failure(base, ApiRead(path="/not-json", items="items"))
    assert str(error) == "GET /not-json: the response is not JSON (Expecting value: line 1 column 1 (char 0))"
    assert error.output == "<html>maintenance</html>"


def test_a_missing_items_key_fails_instead_of_reading_zero_items(base):
    error = failure(base, ApiRead(path="/no-items", items="data.items"))
    assert str(error) == "GET /no-items: the response has no key 'data.items'"
    assert json.loads(error.output) == {"results": ITEMS}


def test_items_that_are_not_a_list_fail(base):
    error = failure(base, ApiRead(path="/not-a-list", items="items"))
    assert str(error) == "GET /not-a-list: 'items' is an object, not a list"
    assert json.loads(error.output) == {"items": {"id": 1}}
    assert str(failure(base, ApiRead(path="/no-items"))) == "GET /no-items: the response is an object, not a list"


def test_a_next_link_that_is_not_a_string_fails(base):
    error = failure(base, ApiRead(path="/bad-next", items="items", next="next"))
    assert str(error) == "GET /bad-next: 'next' is a number, not a path or URL"


def test_a_page_loop_fails(base):
    error = failure(base, ApiRead(path="/loop?page=1", items="items", next="next"))
    assert str(error) == "GET /loop?page=2: page loop, the next page /loop?page=1 was already read"
    assert json.loads(error.output) == {"items": [2], "next": "/loop?page=1"}


def test_a_failing_later_page_fails_the_whole_read(base):
    error = failure(base, ApiRead(path="/broken", items="items", next="next"))
    assert str(error) == "GET /broken?page=2: expected status 200, got 500"
    assert error.output == "database is locked"


def test_too_many_pages_fail(base):
    error = failure(base, ApiRead(path="/endless", items="items", next="next", max_pages=5))
    assert str(error) == "GET /endless: more than 5 pages, stopped before /endless?page=6"
    assert json.loads(error.output) == {"items": [5], "next": "?page=6"}


def test_an_unreachable_app_fails(base):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = failure(f"http://127.0.0.1:{port}", ApiRead(path="/items"))
    assert str(error).startswith(f"cannot reach http://127.0.0.1:{port}/items: ")
    assert "Connection refused" in str(error)


# Sending seed requests


def test_send_fills_placeholders_everywhere_in_the_body(base, server):
    body = {"name": "{version} item", "{version}": 1, "tags": ["v{version}", {"deep": "{who}/{version}"}], "n": 3}
    body["raw"] = "{unknown} {}"
    request = ApiRequest(path="/items", json=body)
    exchange = ApiClient(base, values={"version": "1.2", "who": "me"}).send(request)
    sent = {"name": "1.2 item", "1.2": 1, "tags": ["v1.2", {"deep": "me/1.2"}], "n": 3, "raw": "{unknown} {}"}
    assert server.received == [("POST", "/items", sent)]
    assert exchange == Exchange("POST", "/items", 201, sent, {"id": 99, **sent})
    assert request.json["name"] == "{version} item"  # the configuration is left as it was


def test_send_keeps_a_response_that_is_not_json_as_text(base):
    exchange = ApiClient(base).send(ApiRequest(path="/text", json={"a": 1}))
    assert exchange == Exchange("POST", "/text", 201, {"a": 1}, "created")


def test_send_fails_on_an_unexpected_status_with_the_body(base):
    with pytest.raises(StepFailed) as raised:
        ApiClient(base).send(ApiRequest(path="/taken", method="PUT", json={"name": "a"}, status=200))
    assert str(raised.value) == "PUT /taken: expected status 200, got 422"
    assert json.loads(raised.value.output) == {"error": "name taken"}


def test_send_truncates_a_long_body(base):
    with pytest.raises(StepFailed) as raised:
        ApiClient(base).send(ApiRequest(path="/huge", json={}))
    assert str(raised.value) == "POST /huge: expected status 201, got 500"
    assert raised.value.output == "x" * 4000 + "\n... (1000 more characters)"


# Matching expected objects


def test_expected_objects_match_items_holding_all_their_keys():
    items = [{"id": 1, "name": "a", "extra": True}, {"id": 2, "name": "b"}]
    assert unmatched([{"name": "a"}, {"name": "b", "id": 2}], items) == []
    assert unmatched([{"name": "a", "id": 2}, {"name": "c"}, {"missing": None}], items) == [
        {"name": "a", "id": 2},
        {"name": "c"},
        {"missing": None},
    ]


def test_each_item_stands_for_one_expected_object():
    assert unmatched([{"name": "a"}, {"name": "a"}], [{"name": "a"}]) == [{"name": "a"}]
    assert unmatched([{"name": "a"}, {"name": "a"}], [{"name": "a"}, {"name": "a", "id": 2}]) == []


def test_a_loose_object_does_not_take_the_only_item_a_strict_one_matches():
    items = [{"a": 1, "b": 2}, {"a": 1, "b": 3}]
    assert unmatched([{"a": 1}, {"a": 1, "b": 2}], items) == []
    # three objects, two items: the earlier ones keep their match, the last one is reported
    assert unmatched([{"a": 1}, {"a": 1, "b": 2}, {"a": 1, "b": 3}], items) == [{"a": 1, "b": 3}]


def test_nested_dicts_and_lists_match_recursively():
    item = {"owner": {"name": "ann", "id": 7}, "tags": ["x", "y", {"k": 1, "v": 2}]}
    assert unmatched([{"owner": {"name": "ann"}, "tags": [{"k": 1}, "x"]}], [item]) == []
    assert unmatched([{"owner": {"name": "bob"}}], [item]) == [{"owner": {"name": "bob"}}]
    assert unmatched([{"tags": ["x", "z"]}], [item]) == [{"tags": ["x", "z"]}]
    assert unmatched([{"tags": ["x", "x"]}], [item]) == [{"tags": ["x", "x"]}]
    assert unmatched([{"owner": "ann"}], [item]) == [{"owner": "ann"}]


def test_scalars_compare_with_equality_but_true_is_not_one():
    assert unmatched([1, "a", {"n": 1.0}, None], [None, "a", {"n": 1}, 1]) == []
    assert unmatched([{"done": True}, {"n": 1}], [{"done": 1}, {"n": True}]) == [{"done": True}, {"n": 1}]


# What `contains: seeded` stands for


def test_seeded_objects_are_the_bodies_posted_or_put_to_the_path():
    exchanges = [
        Exchange("POST", "/items", 201, {"name": "a"}, {}),
        Exchange("POST", "/items?notify=0", 201, {"name": "b"}, {}),
        Exchange("PUT", "/items", 200, {"name": "c"}, {}),
        Exchange("POST", "/other", 201, {"name": "d"}, {}),
        Exchange("POST", "/items/1", 201, {"name": "e"}, {}),
        Exchange("DELETE", "/items", 204, {"name": "f"}, ""),
        Exchange("POST", "/items", 409, {"name": "g"}, {}),
        Exchange("POST", "/items", 204, None, ""),
    ]
    assert seeded_objects(exchanges, "/items?page=1") == [{"name": "a"}, {"name": "b"}, {"name": "c"}]
