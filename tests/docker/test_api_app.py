"""An app whose API is shaped like real ones (tests/images/api-app), through a real run: a login
whose password comes from the environment gives the token, a created object's id is captured for
later requests, listings page by cursor and by Link header, seeded bodies read back wrapped,
camelCase and slugged; a miss shows the nearest item; the password and the token appear nowhere."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import machine
import pytest
import yaml

from migtest.cli import EXIT_FAILED, EXIT_OK

PASSWORD = "api-Pw_7731"
TOKEN = "tok-" + hashlib.sha256(PASSWORD.encode()).hexdigest()[:24]
SEED = [
    {
        "path": "/tools",
        "json": {"tool": {"name": "Desk Lamp {version}", "display_name": "Lamp"}},
        "capture": {"lamp": "tool.id"},
    },
    {"path": "/tools", "json": {"tool": {"name": "Office Chair", "display_name": "Chair"}}},
    {"path": "/tools", "json": {"tool": {"name": "Book Shelf", "display_name": "Shelf"}}},
    {"path": "/servers", "json": {"name": "main", "tool_ids": ["{lamp}"]}, "capture": {"main": "id"}},
    {"path": "/servers", "json": {"name": "spare", "tool_ids": []}},
    {"path": "/servers", "json": {"name": "third", "tool_ids": ["{lamp}"]}},
]
TOOLS = {
    "path": "/tools",
    "items": "tools",
    "paginate": {"by": "cursor", "key": "nextCursor"},
    "match": {"unwrap": "tool", "transform": {"name": "slug"}, "case": "camel"},
}
VERIFY = [
    TOOLS,
    {"path": "/servers", "paginate": {"by": "link-header"}, "match": {"case": "camel"}},
    {
        "path": "/servers/{main}/tools",
        "items": "data",
        "query": {"include_inactive": True},
        "contains": [{"displayName": "Lamp"}],
    },
]


@pytest.fixture(scope="module")
def api_app_image(docker_engine) -> str:
    return machine.ensure_image("migtest-test/api-app:1", machine.IMAGES / "api-app")


def write_config(folder: Path, image: str, verify: list[dict[str, Any]]) -> Path:
    login = {"path": "/auth/login", "json": {"email": "admin@example.com", "password": "${API_APP_PASSWORD}"}}
    settings = {
        "migrations": {"tool": "on-start"},
        "app": {
            "env": {"DATABASE_URL": "{database_url}", "ADMIN_PASSWORD": "${API_APP_PASSWORD}"},
            "health": "http://{host}:{port}/health",
            "ready_timeout": 60,
            "auth": {"login": login, "token": "access_token"},
            "previous_release": "off",
        },
        "versions": [{"name": "1", "image": image}, {"name": "2", "image": image}],
        "matrix": {"fresh": False, "downgrade": "none"},
        "seed": {"api": SEED},
        "verify": {"api": verify},
    }
    path = folder / "migtest.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


def everything_written(outcome) -> str:
    files = [path.read_text() for path in sorted(outcome.report_dir.iterdir()) if path.is_file()]
    return "\n".join([outcome.output, *files])


def test_login_captures_and_every_paging_through_a_real_run(tmp_path, api_app_image, run_migtest, monkeypatch):
    monkeypatch.setenv("API_APP_PASSWORD", PASSWORD)
    outcome = run_migtest(write_config(tmp_path, api_app_image, VERIFY))

    assert outcome.exit_code == EXIT_OK, outcome.output
    checks = {check["name"]: check for check in outcome.scenario("upgrade-1-to-2")["checks"]}
    assert checks["api: GET /tools"]["summary"] == "all 3 expected object(s) found among 3 item(s)"
    assert checks["api: GET /servers"]["summary"] == "all 3 expected object(s) found among 3 item(s)"
    assert checks["api: GET /servers/{main}/tools"]["summary"] == "all 1 expected object(s) found among 1 item(s)"
    seed = next(phase for phase in outcome.scenario("upgrade-1-to-2")["phases"] if phase["name"] == "seed")
    assert "6 API request(s) to 1" in seed["detail"]
    written = everything_written(outcome)
    assert PASSWORD not in written and TOKEN not in written


def test_a_miss_shows_the_nearest_item_and_a_refusal_echoing_the_token_is_masked(
    tmp_path, api_app_image, run_migtest, monkeypatch
):
    monkeypatch.setenv("API_APP_PASSWORD", PASSWORD)
    unslugged = {**TOOLS, "match": {"unwrap": "tool", "case": "camel"}}
    verify = [unslugged, {"path": "/audit", "contains": []}]
    outcome = run_migtest(write_config(tmp_path, api_app_image, verify))

    assert outcome.exit_code == EXIT_FAILED, outcome.output
    assert outcome.failed_checks("upgrade-1-to-2") == {"api: GET /tools", "api: GET /audit"}
    tools = outcome.check("upgrade-1-to-2", "api: GET /tools")
    assert tools["summary"] == "3 of 3 expected object(s) missing among 3 item(s)"
    assert tools["evidence"][1].splitlines() == [
        '{"displayName": "Chair", "name": "Office Chair"}',
        'nearest item read (1 of 2 key(s) equal): {"displayName": "Chair", "id": 2, "name": "office-chair"}',
        '  name: expected "Office Chair", read "office-chair"',
    ]
    audit = outcome.check("upgrade-1-to-2", "api: GET /audit")
    assert audit["summary"] == "GET /audit: expected status 200, got 403"
    assert audit["evidence"] == ['{"detail": "refused: Authorization \'Bearer ***\'"}']
    written = everything_written(outcome)
    assert "Bearer ***" in (outcome.report_dir / "junit.xml").read_text()
    assert PASSWORD not in written and TOKEN not in written
