from pathlib import Path

import pytest
import yaml

from migtest.config import load_config
from migtest.errors import ConfigError

BASE = {
    "migrations": {"tool": "sql", "dir": "migrations"},
    "versions": [{"name": "1.0", "revision": "1"}, {"name": "2.0", "revision": 2}],
}


def write(tmp_path: Path, data: dict) -> Path:
    (tmp_path / "migrations").mkdir(exist_ok=True)
    path = tmp_path / "migtest.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def error_for(tmp_path: Path, **changes) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(str(write(tmp_path, {**BASE, **changes})))
    return str(caught.value)


def test_defaults(tmp_path):
    config = load_config(str(write(tmp_path, BASE)))
    assert [v.revision for v in config.versions] == ["1", "2"]
    assert config.matrix.upgrade == "chain" and config.matrix.downgrade == "chain"
    assert config.report.dir == tmp_path / "migtest-results"
    assert config.checks.schema and config.checks.data and config.checks.idempotent


def test_typo_names_key_file_and_suggestion(tmp_path):
    message = error_for(tmp_path, checks={"schemma": True})
    assert "key 'checks.schemma'" in message and "did you mean 'schema'" in message
    assert str(tmp_path / "migtest.yml") in message


def test_wrong_type(tmp_path):
    assert "key 'checks.data': must be true or false" in error_for(tmp_path, checks={"data": "yes"})


def test_unknown_version_in_skip(tmp_path):
    message = error_for(tmp_path, matrix={"skip": [["1.0", "3.0"]]})
    assert "key 'matrix.skip[0]': unknown version '3.0'" in message


def test_skip_must_go_forward(tmp_path):
    assert "'2.0' must be older than '1.0'" in error_for(tmp_path, matrix={"skip": [["2.0", "1.0"]]})


def test_missing_seed_file_names_version(tmp_path):
    message = error_for(tmp_path, seed={"sql": "seeds/{version}.sql"})
    assert "key 'seed.sql': seed file for version '1.0' not found" in message


def test_missing_directory(tmp_path):
    message = error_for(tmp_path, migrations={"tool": "sql", "dir": "nowhere"})
    assert "key 'migrations.dir': directory not found" in message


def test_tool_needs_its_key(tmp_path):
    assert "needs key 'upgrade'" in error_for(tmp_path, migrations={"tool": "command"})


def test_a_package_is_refused_where_no_alembic_runs(tmp_path):
    (tmp_path / "db").mkdir()
    message = error_for(tmp_path, migrations={"tool": "sql", "dir": "db", "package": "app"})
    refused = "a package's migrations are found for tools alembic and command, not 'sql'"
    assert f"key 'migrations.package': {refused}" in message


def test_duplicate_version(tmp_path):
    assert "used twice" in error_for(tmp_path, versions=[{"name": "1"}, {"name": "1"}])


def test_server_engines_are_named_as_not_yet_supported(tmp_path):
    assert "key 'database.engine'" in error_for(tmp_path, database={"engine": "postgres"})


def test_missing_file():
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config("/nonexistent/migtest.yml")


POSTGRES = {"engine": "postgres", "url": "postgresql://migtest@db/postgres"}


@pytest.mark.parametrize(
    ("database", "migrations_schema", "expected"),
    [
        ({}, "app", (None,)),
        (POSTGRES, None, (None,)),
        (POSTGRES, "app", (None, "app")),
        ({**POSTGRES, "schemas": ["billing"]}, "app", ("billing",)),
    ],
)
def test_captured_schemas(tmp_path, database, migrations_schema, expected):
    """database.schemas when given, else the default schema (None) and migrations.schema; PostgreSQL only."""
    migrations = {**BASE["migrations"], **({"schema": migrations_schema} if migrations_schema else {})}
    config = load_config(str(write(tmp_path, {**BASE, "migrations": migrations, "database": database})))
    assert config.schemas == expected


ON_START = {
    "migrations": {"tool": "on-start"},
    "app": {"health": "http://{host}:{port}/health"},
    "versions": [{"name": "1", "image": "app:1"}, {"name": "2", "build": {"context": ".", "args": {"RELEASE": 2}}}],
}


def on_start_error(tmp_path: Path, **changes) -> str:
    """The error for ON_START with these sections replaced (None: left out)."""
    data = {key: value for key, value in {**ON_START, **changes}.items() if value is not None}
    with pytest.raises(ConfigError) as caught:
        load_config(str(write(tmp_path, data)))
    return str(caught.value)


def test_image_versions_and_app_defaults(tmp_path):
    config = load_config(str(write(tmp_path, {**ON_START, "seed": {"api": [{"path": "/items", "json": {"a": 1}}]}})))
    assert config.versions[1].build.args == (("RELEASE", "2"),)
    assert config.app.env == (("DATABASE_URL", "{database_url}"),) and config.app.database_path == "/data/app.db"
    assert config.migrations.table is None
    request = config.seed.api[0]
    assert (request.method, request.status) == ("POST", 201)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"app": None}, "key 'app': missing section 'app'"),
        ({"app": {"port": 8000}}, "key 'app': needs 'health'"),
        ({"app": {"ready_log": "(unclosed"}}, "key 'app.ready_log': not a valid regular expression"),
        ({"app": {"health": "x", "database_path": "data/app.db"}}, "key 'app.database_path': must be an absolute"),
        (
            {"versions": [{"name": "1", "image": "app:1"}, {"name": "2", "revision": "2"}]},
            "key 'versions[1]': give every version an image or a build, or none of them",
        ),
        (
            {"versions": [{"name": "1", "image": "app:1", "build": {"context": "."}}]},
            "key 'versions[0].image': an image is used as it is",
        ),
        ({"migrations": {"tool": "sql", "dir": "migrations"}}, "versions with images need migrations.tool on-start"),
        ({"seed": {"api": [{"path": "items"}]}}, "key 'seed.api[0].path': needs a 'path' starting with /"),
        ({"verify": {"api": [{"path": "/items", "contains": 3}]}}, "key 'verify.api[0].contains': must be 'seeded'"),
        (
            {"database": {"engine": "postgres", "url": "postgresql://migtest:not-used@localhost/postgres"}},
            "key 'database.url': the versions' containers cannot reach a server on localhost",
        ),
    ],
)
def test_image_version_errors_name_the_key(tmp_path, changes, expected):
    assert expected in on_start_error(tmp_path, **changes)


def test_migrations_table_is_one_name_or_a_list_for_every_tool(tmp_path):
    def tables(**migrations) -> tuple[str, ...]:
        return load_config(str(write(tmp_path, {**BASE, "migrations": migrations}))).migrations.tables

    assert tables(tool="sql", dir="migrations") == ("migtest_schema_history",)
    assert tables(tool="sql", dir="migrations", table="history") == ("history",)
    assert tables(tool="command", upgrade="up") == ()
    assert tables(tool="command", upgrade="up", table=["app_history", "app_lock"]) == ("app_history", "app_lock")


@pytest.mark.parametrize(
    ("migrations", "checks", "expected"),
    [
        ({"tool": "command", "upgrade": "up", "table": []}, {}, "key 'migrations.table': must name at least one"),
        ({"tool": "command", "upgrade": "up", "table": ["a", 3]}, {}, "key 'migrations.table[1]': must be a string"),
        ({"tool": "command", "upgrade": "up", "install": ""}, {}, "key 'migrations.install': must be a non-empty"),
        ({"tool": "sql", "dir": "migrations", "package": "app"}, {}, "key 'migrations.package': a package's"),
        (
            {"tool": "alembic", "package": "app", "config": "../alembic.ini"},
            {},
            "key 'migrations.config': must be a path inside",
        ),
        ({"tool": "alembic", "config": "missing.ini"}, {}, "key 'migrations.config': file or directory not found"),
        (
            {"tool": "sql", "dir": "migrations"},
            {"history": "maybe"},
            "key 'checks.history': must be one of fail, warn, off",
        ),
    ],
)
def test_migrator_keys_name_the_key(tmp_path, migrations, checks, expected):
    message = error_for(tmp_path, migrations=migrations, checks=checks)
    assert expected in message and str(tmp_path / "migtest.yml") in message


def test_package_config_defaults_to_its_alembic_ini(tmp_path):
    config = load_config(str(write(tmp_path, {**BASE, "migrations": {"tool": "alembic", "package": "app"}})))
    assert (config.migrations.package, config.migrations.config) == ("app", Path("alembic.ini"))


def test_declarations_made_in_code_are_taken_as_sections():
    """A section made in code may hold its entries as models (a mapping, not a name)."""
    from migtest.config import ChecksConfig, LocksConfig, RowChange

    checks = ChecksConfig(allow_changes={"users": [RowChange(column="email")]}, locks=LocksConfig(max_blocked_ms=5))
    assert [change.describe() for change in checks.row_changes] == ["users.email"]
    assert checks.row_changes[0].rows.label == "checks.allow_changes.users[0]"
    assert checks.locks.max_blocked_ms == 5 and checks.locks.measure
    assert not ChecksConfig(locks="off").locks.measure


def test_a_file_that_is_no_mapping_is_refused_with_database_url_too(tmp_path):
    path = tmp_path / "migtest.yml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="must be a mapping, got a list"):
        load_config(str(path), database_url="postgresql://u:p@db/shop")
