"""`migrations.timeout` and `database.connect_timeout`: seconds above 0, anything else is refused
naming the key (exit 2) rather than turned into a wait that never ends or never starts."""

from pathlib import Path

import pytest
import yaml

from migtest.cli import EXIT_USAGE, main
from migtest.config import load_config

BASE = {
    "migrations": {"tool": "sql", "dir": "migrations"},
    "versions": [{"name": "1.0", "revision": "1"}],
}
SERVER = {"engine": "postgres", "url": "postgresql://u:p@127.0.0.1:5432/db"}


def write(tmp_path: Path, migrations: dict, database: dict | None = None) -> Path:
    (tmp_path / "migrations").mkdir(exist_ok=True)
    path = tmp_path / "migtest.yml"
    data = {**BASE, "migrations": {**BASE["migrations"], **migrations}}
    path.write_text(yaml.safe_dump({**data, **({"database": database} if database else {})}))
    return path


def test_defaults(tmp_path):
    config = load_config(str(write(tmp_path, {}, SERVER)))
    assert config.migrations.timeout == 600.0
    assert config.database.connect_timeout == 30.0


def test_values_are_read(tmp_path):
    config = load_config(str(write(tmp_path, {"timeout": 2.5}, {**SERVER, "connect_timeout": 3})))
    assert (config.migrations.timeout, config.database.connect_timeout) == (2.5, 3.0)


@pytest.mark.parametrize("value", [0, -1, "10s", True, None, float("nan"), float("inf"), [5]])
@pytest.mark.parametrize("key", ["migrations.timeout", "database.connect_timeout"])
def test_not_a_positive_number_exits_2_naming_the_key(tmp_path, capsys, key, value):
    section, name = key.split(".")
    migrations = {name: value} if section == "migrations" else {}
    database = {**SERVER, name: value} if section == "database" else SERVER

    code = main(["plan", "-c", str(write(tmp_path, migrations, database))])

    assert code == EXIT_USAGE
    error = capsys.readouterr().err
    assert f"key '{key}': must be a number of seconds above 0" in error, error
