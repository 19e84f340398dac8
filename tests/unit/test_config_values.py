"""Values that were accepted but wrong (or crashed the load): each is refused, naming the key,
the option or the file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from migtest.config import MAX_GENERATED_ROWS, load_config
from migtest.errors import ConfigError
from migtest.run.step_tests import discover

BASE = {
    "migrations": {"tool": "sql", "dir": "migrations"},
    "versions": [{"name": "1.0", "revision": "1"}, {"name": "2.0", "revision": "2"}],
}
IMAGES = [{"name": "1.0", "image": "app:1"}, {"name": "2.0", "image": "app:2"}]
APP = {"health": "http://{host}:{port}/health"}
PORT_RANGE = "the port must be a number from 1 to 65535, got"


def error_for(tmp_path: Path, database_url: str | None = None, **changes) -> str:
    (tmp_path / "migrations").mkdir(exist_ok=True)
    path = tmp_path / "migtest.yml"
    path.write_text(yaml.safe_dump({**BASE, **changes}))
    with pytest.raises(ConfigError) as caught:
        load_config(str(path), database_url=database_url)
    return str(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://app:secret@db:abc/shop", f"{PORT_RANGE} 'abc'"),
        ("postgresql://app:secret@db:99999/shop", f"{PORT_RANGE} 99999"),
        ("mysql+pymysql://app:secret@db:0/shop", f"{PORT_RANGE} 0"),
        ("postgresql://app:secret@[::1]:x/shop", f"{PORT_RANGE} 'x'"),
    ],
)
def test_database_url_with_a_port_that_is_no_port(tmp_path, url, expected):
    engine = url.split(":")[0].split("+")[0].replace("postgresql", "postgres")
    message = error_for(tmp_path, database={"engine": engine, "url": url})
    assert f"key 'database.url': {expected}" in message
    assert f"key '--database-url': {expected}" in error_for(tmp_path, database_url=url)
    assert "secret" not in message


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"app": {**APP, "port": 99999999}}, f"key 'app.port': {PORT_RANGE} 99999999"),
        ({"app": {**APP, "port": "http"}}, f"key 'app.port': {PORT_RANGE} 'http'"),
        (
            {"app": {**APP, "services": [{"name": "cache", "image": "redis", "port": 70000}]}},
            f"key 'app.services[0].port': {PORT_RANGE} 70000",
        ),
        ({"checks": {"renamed": {"users": {"name": None}}}}, "key 'checks.renamed.users.name': must be the column's"),
        ({"checks": {"float_tolerance": float("nan")}}, "key 'checks.float_tolerance': must be a finite number >= 0"),
        ({"checks": {"float_tolerance": float("inf")}}, "key 'checks.float_tolerance': must be a finite number >= 0"),
        ({"checks": {"float_tolerance": -0.1}}, "key 'checks.float_tolerance': must be a finite number >= 0"),
        (
            {"seed": {"generate": {"rows": 10**30}}},
            f"key 'seed.generate.rows': at most {MAX_GENERATED_ROWS:,} rows per table, got 1,000,000,000,000,000,",
        ),
        ({"seed": {"generate": {"rows": 1e30}}}, "key 'seed.generate.rows': must be a whole number >= 1, got 1e+30"),
        ({"seed": {"generate": {"rows": "1e30"}}}, "key 'seed.generate.rows': must be a whole number >= 1, got '1e30'"),
        # a list where a mapping of names to strings belongs: refused, not read as pairs of characters
        ({"versions": [{"name": "1.0", "build": {"args": ["A"]}}]}, "key 'versions[0].build.args': must be a mapping"),
        ({"versions": [{"name": "1.0", "build": {"args": ["AB"]}}]}, "key 'versions[0].build.args': must be a mapping"),
        (
            {"checks": {"moves": [{"from": None, "to": "b.c"}]}},
            "key 'checks.moves[0].from': must be given, got nothing",
        ),
    ],
)
def test_value_that_would_be_wrong_is_refused_naming_the_key(tmp_path, changes, expected):
    if "app" in changes:
        changes = {"versions": IMAGES, "migrations": {"tool": "on-start"}, **changes}
    assert expected in error_for(tmp_path, **changes)


def test_ports_in_range_are_taken(tmp_path):
    (tmp_path / "migrations").mkdir()
    path = tmp_path / "migtest.yml"
    services = [{"name": "cache", "image": "redis", "port": 65535}]
    settings = {**BASE, "versions": IMAGES, "migrations": {"tool": "on-start"}, "app": {**APP, "port": 1}}
    path.write_text(yaml.safe_dump({**settings, "app": {**settings["app"], "services": services}}))
    config = load_config(str(path), database_url="postgresql://app:pw@db:5432/shop")
    assert config.app is not None and (config.app.port, config.app.services[0].port) == (1, 65535)
    assert config.database.url == "postgresql://app:pw@db:5432/shop"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("t.yml", 'before: "1"\ntarget: "2"\nengines: [sqllite]\n', "t.yml, key 'engines': unknown engine 'sqllite'"),
        ("t.py", "BEFORE = '1'\nTARGET = '2'\nENGINES = ['postgresql']\n", "t.py, key 'ENGINES': unknown engine"),
    ],
)
def test_step_test_for_an_unknown_engine_is_refused_with_a_hint(tmp_path, name, text, expected):
    (tmp_path / name).write_text(text)
    with pytest.raises(ConfigError) as caught:
        discover(tmp_path)
    assert expected in str(caught.value)
    assert "did you mean" in str(caught.value)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"migrations": {"tool": "sql", "dir": "d" * 300}}, "key 'migrations.dir': directory not found"),
        ({"seed": {"sql": "x" * 300 + "{version}.sql"}}, "key 'seed.sql': seed file for version '1.0' not found"),
        ({"steps": {"dir": "s" * 300}}, "key 'steps.dir': directory not found"),
    ],
)
def test_path_too_long_to_look_up_is_not_found(tmp_path, changes, expected):
    """Found by the fuzz test: Python 3.11 raised ENAMETOOLONG from is_file() as a traceback."""
    assert expected in error_for(tmp_path, **changes)
