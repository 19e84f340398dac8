"""`app.services`, `app.stop_timeout`, `app.init` and `verify.command` keys: read into typed objects,
mistakes named by key."""

from pathlib import Path

import pytest
import yaml

from migtest.config import ServiceConfig, load_config
from migtest.errors import ConfigError

APP = {"health": "http://{host}:{port}/health"}
VERSIONS = [{"name": "1", "image": "app:1"}, {"name": "2", "image": "app:2"}]
CACHE = {"name": "cache", "image": "redis:7", "port": 6379}


def load(tmp_path: Path, app: dict, versions=VERSIONS, **sections):
    data = {"migrations": {"tool": "on-start"}, "versions": versions, "app": {**APP, **app}, **sections}
    path = tmp_path / "migtest.yml"
    path.write_text(yaml.safe_dump(data))
    return load_config(str(path))


def error(tmp_path: Path, app: dict, **kwargs) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, app, **kwargs)
    return str(caught.value)


def test_stop_timeout_is_whole_seconds_five_by_default(tmp_path):
    assert load(tmp_path, {}).app.stop_timeout == 5
    assert load(tmp_path, {"stop_timeout": 30}).app.stop_timeout == 30
    assert "app.stop_timeout" in error(tmp_path, {"stop_timeout": 0.5})


def test_init_is_true_or_false_true_by_default(tmp_path):
    assert load(tmp_path, {}).app.init is True
    assert load(tmp_path, {"init": False}).app.init is False
    assert "app.init" in error(tmp_path, {"init": "no"})


def test_services_are_read_with_their_readiness(tmp_path):
    config = load(
        tmp_path, {"services": [{**CACHE, "env": {"MODE": 1}, "command": "redis-server", "ready_timeout": 5}]}
    )
    assert config.app is not None
    assert config.app.services == (
        ServiceConfig(
            name="cache", image="redis:7", env=(("MODE", "1"),), command="redis-server", port=6379, ready_timeout=5.0
        ),
    )


@pytest.mark.parametrize(
    ("service", "message"),
    [
        (
            {"name": "cache"},
            "key 'app.services[0]': missing key 'image'",
        ),
        ({**CACHE, "name": "my cache"}, "key 'app.services[0].name': must be a host name"),
        ({"name": "cache", "image": "redis:7"}, "key 'app.services[0]': needs 'port' (a TCP port), 'health'"),
        ({"name": "peer", "image": "p", "health": "http://{host}:{port}/"}, "key 'app.services[0].health'"),
        ({**CACHE, "ready_log": "("}, "key 'app.services[0].ready_log': not a valid regular expression"),
        ({**CACHE, "porty": 1}, "key 'app.services[0].porty': unknown key (did you mean 'port'?)"),
    ],
)
def test_service_mistakes_name_their_key(tmp_path, service, message):
    assert message in error(tmp_path, {"services": [service]})


def test_service_names_are_unique_and_need_images(tmp_path):
    assert "key 'app.services[1].name': service name 'cache' is used twice" in error(
        tmp_path, {"services": [CACHE, CACHE]}
    )
    trees = [{"name": "1", "revision": "1"}]
    message = error(tmp_path, {"services": [CACHE]}, versions=trees, migrations={"tool": "command", "upgrade": "x"})
    assert "key 'app.services': services start beside the app's image" in message


def test_verify_previous_release_takes_the_app_key_as_its_default(tmp_path):
    assert load(tmp_path, {}).verify.previous_release == "fail"
    assert load(tmp_path, {"previous_release": "warn"}).verify.previous_release == "warn"
    config = load(tmp_path, {}, verify={"command": "check {database_url}", "previous_release": "off", "target": True})
    assert (config.verify.command, config.verify.previous_release, config.verify.target) == (
        "check {database_url}",
        "off",
        True,
    )
