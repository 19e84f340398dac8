"""The HTTP API keys of migtest.yml: app.headers, app.auth, seed.api query/headers/capture and
verify.api query/headers/paginate/max_pages/match; every bad value is exit 2 naming its key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from migtest import config as config_module
from migtest.cli import main
from migtest.config import AuthConfig, LoginConfig, Pagination, SeededMatch, load_config
from migtest.errors import ConfigError
from migtest.http_api.seeded import TRANSFORMS

APP = {"health": "http://{host}:{port}/health"}
BASE: dict[str, Any] = {
    "migrations": {"tool": "on-start"},
    "app": APP,
    "versions": [{"name": "1", "image": "app:1"}, {"name": "2", "image": "app:2"}],
}


def write(tmp_path: Path, **sections: Any) -> Path:
    path = tmp_path / "migtest.yml"
    path.write_text(yaml.safe_dump({**BASE, **sections}))
    return path


def error_for(tmp_path: Path, **sections: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(str(write(tmp_path, **sections)))
    return str(caught.value)


def test_every_api_key_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "s3cret-pw")
    login = {"path": "/auth/login", "json": {"email": "a@b.c", "password": "${ADMIN_PASSWORD}"}, "status": 201}
    app = {**APP, "headers": {"X-Tenant": "acme"}, "auth": {"login": login, "token": "data.access_token"}}
    seed = {
        "api": [
            {"path": "/tools", "json": {"tool": {"name": "a"}}, "capture": {"tool_id": "id"}},
            {"path": "/servers", "json": {"tools": ["{tool_id}"]}, "query": {"notify": False}, "headers": {"X-A": 1}},
        ]
    }
    paginate = {"by": "offset", "size": 50, "total": "meta.total"}
    match = {"unwrap": "tool", "ignore": ["secret"], "transform": {"name": ["strip", "slug"]}, "case": "camel"}
    match["keys"] = {"display_name": "meta.label"}
    verify = {
        "api": [
            {
                "path": "/tools",
                "query": {"include_inactive": True},
                "paginate": paginate,
                "max_pages": 20,
                "match": match,
            },
            {"path": "/tools/{tool_id}/servers", "paginate": {"by": "cursor", "key": "nextCursor"}, "contains": []},
        ]
    }
    config = load_config(str(write(tmp_path, app=app, seed=seed, verify=verify)))
    assert config.app.headers == (("X-Tenant", "acme"),)
    expected_login = LoginConfig(path="/auth/login", json={"email": "a@b.c", "password": "s3cret-pw"}, status=201)
    assert config.app.auth == AuthConfig(login=expected_login, token="data.access_token")
    assert config.seed.api[0].capture == (("tool_id", "id"),) and config.seed.captures == {"tool_id"}
    assert config.seed.api[1].query == (("notify", "false"),) and config.seed.api[1].headers == (("X-A", "1"),)
    first, second = config.verify.api
    assert first.query == (("include_inactive", "true"),) and first.max_pages == 20
    assert first.paginate == Pagination(by="offset", param="offset", size_param="limit", size=50, total="meta.total")
    assert first.match == SeededMatch(
        unwrap="tool",
        ignore=("secret",),
        transform=(("name", ("strip", "slug")),),
        case="camel",
        keys=(("display_name", "meta.label"),),
    )
    assert second.paginate == Pagination(by="cursor", param="cursor", key="nextCursor") and second.max_pages == 1000


def test_defaults_of_pagination_and_auth(tmp_path):
    verify = {"api": [{"path": "/a", "paginate": {"by": "page"}}, {"path": "/b", "paginate": {"by": "link-header"}}]}
    config = load_config(str(write(tmp_path, app={**APP, "auth": {"bearer": "t0ken"}}, verify=verify)))
    assert config.verify.api[0].paginate == Pagination(by="page", param="page", start=1)
    assert config.verify.api[1].paginate == Pagination(by="link-header")
    assert config.app.auth == AuthConfig(bearer="t0ken")


def test_the_transform_names_are_the_ones_applied():
    assert set(config_module.TRANSFORMS) == set(TRANSFORMS)


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        (
            {"app": {**APP, "auth": {"bearer": "${NO_SUCH_TOKEN}"}}},
            "key 'app.auth.bearer': environment variable NO_SUCH_TOKEN is not set",
        ),
        (
            {"app": {**APP, "headers": {"X-Key": "${NO_SUCH_KEY}"}}},
            "key 'app.headers.X-Key': environment variable NO_SUCH_KEY",
        ),
        ({"app": {**APP, "auth": {}}}, "key 'app.auth': needs exactly one of 'bearer', 'basic' or 'login', got 0"),
        ({"app": {**APP, "auth": {"bearer": "a", "basic": {"username": "u", "password": "p"}}}}, "got 2"),
        (
            {"app": {**APP, "auth": {"basic": {"username": "u"}}}},
            "key 'app.auth.basic': needs 'username' and 'password'",
        ),
        (
            {"app": {**APP, "auth": {"bearer": "a", "token": "t"}}},
            "key 'app.auth.token': is read from the response of 'login'",
        ),
        ({"app": {**APP, "auth": {"bearer": "a", "scheme": 3}}}, "key 'app.auth.scheme': must be a string"),
        (
            {"app": {**APP, "auth": {"login": {"path": "login"}}}},
            "key 'app.auth.login.path': needs a 'path' starting with /",
        ),
        (
            {"app": {**APP, "auth": {"login": {"path": "/l", "json": {}, "form": {"a": 1}}}}},
            "key 'app.auth.login.form'",
        ),
        ({"app": {**APP, "auth": {"login": {"path": "/l", "jsn": {}}}}}, "key 'app.auth.login.jsn': unknown key"),
        (
            {"seed": {"api": [{"path": "/a", "capture": {"my-id": "id"}}]}},
            "key 'seed.api[0].capture.my-id': must be a name",
        ),
        ({"seed": {"api": [{"path": "/a", "capture": {"version": "id"}}]}}, "key 'seed.api[0].capture.version'"),
        (
            {"seed": {"api": [{"path": "/a/{x}"}, {"path": "/b", "capture": {"x": "id"}}]}},
            "key 'seed.api[0].path': uses {x}, which no earlier request captures",
        ),
        (
            {"seed": {"api": [{"path": "/a", "json": {"id": "{x}"}, "capture": {"x": "id"}}]}},
            "key 'seed.api[0].json': uses {x}, which no earlier request captures",
        ),
        ({"seed": {"api": [{"path": "/a", "query": {"q": [1]}}]}}, "key 'seed.api[0].query.q': must be a string"),
        ({"verify": {"api": [{"path": "/a/{x}"}]}}, "key 'verify.api[0].path': {x} is captured by no seed.api request"),
        (
            {"verify": {"api": [{"path": "/a", "query": {"q": "{y}"}}]}},
            "key 'verify.api[0].query': {y} is captured by no",
        ),
        ({"verify": {"api": [{"path": "/a", "paginate": {}}]}}, "key 'verify.api[0].paginate': missing key 'by'"),
        (
            {"verify": {"api": [{"path": "/a", "paginate": {"by": "pages"}}]}},
            "key 'verify.api[0].paginate.by': must be one of",
        ),
        ({"verify": {"api": [{"path": "/a", "paginate": {"by": "cursor"}}]}}, "paginating by cursor needs 'key'"),
        (
            {"verify": {"api": [{"path": "/a", "paginate": {"by": "page", "key": "k"}}]}},
            "key 'verify.api[0].paginate.key': not used",
        ),
        (
            {"verify": {"api": [{"path": "/a", "paginate": {"by": "page", "size": 5}}]}},
            "key 'verify.api[0].paginate.size': needs",
        ),
        (
            {"verify": {"api": [{"path": "/a", "paginate": {"by": "page", "start": -1}}]}},
            "key 'verify.api[0].paginate.start'",
        ),
        (
            {"verify": {"api": [{"path": "/a", "next": "n", "paginate": {"by": "page"}}]}},
            "either 'next' (a link in the body) or",
        ),
        (
            {"verify": {"api": [{"path": "/a", "max_pages": 0}]}},
            "key 'verify.api[0].max_pages': must be a whole number >= 1",
        ),
        (
            {"verify": {"api": [{"path": "/a", "contains": [], "match": {}}]}},
            "key 'verify.api[0].match': maps what seed.api",
        ),
        (
            {"verify": {"api": [{"path": "/a", "match": {"transform": {"n": "title"}}}]}},
            "key 'verify.api[0].match.transform.n'",
        ),
        (
            {"verify": {"api": [{"path": "/a", "match": {"case": "kebab"}}]}},
            "key 'verify.api[0].match.case': must be one of camel",
        ),
        ({"verify": {"api": [{"path": "/a", "match": {"keys": {"a": None}}}]}}, "key 'verify.api[0].match.keys.a'"),
    ],
)
def test_bad_api_keys_are_named(tmp_path, sections, expected):
    assert expected in error_for(tmp_path, **sections)


def test_a_bad_api_key_exits_2_naming_it(tmp_path, capsys):
    path = write(tmp_path, verify={"api": [{"path": "/a", "paginate": {"by": "cursor"}}]})
    assert main(["plan", "-c", str(path)]) == 2
    assert "key 'verify.api[0].paginate': paginating by cursor needs 'key'" in capsys.readouterr().err
