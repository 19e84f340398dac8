"""The models of migtest.yml (config_schema): every mistake at once at its line, the JSON Schema
and the configuration reference generated from them, and the older spelling still read."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from migtest import config
from migtest.cli import main
from migtest.commands.init import write_starter
from migtest.config import load_config
from migtest.config import models as config_schema
from migtest.config.generated import REFERENCE_FILE, SCHEMA_FILE, SCHEMA_LINE, reference_text, schema_text
from migtest.errors import ConfigError

REPOSITORY = Path(__file__).resolve().parents[2]
INVALID = sorted((REPOSITORY / "tests/fixtures/invalid-config").glob("*.yml"))
VALID = sorted(
    [*REPOSITORY.glob("examples/**/migtest*.yml"), *REPOSITORY.glob("tests/fixtures/*/migtest.yml")],
)


def test_five_mistakes_are_reported_in_one_run_each_at_its_line(capsys):
    config = REPOSITORY / "tests/fixtures/invalid-config/five-mistakes.yml"
    assert main(["plan", "-c", str(config)]) == 2
    error = capsys.readouterr().err

    assert f"5 problems in {config}" in error
    assert_listed(
        config,
        error,
        (4, 3, "migrations.layot", "unknown key (did you mean 'layout'?)"),
        (9, 3, "matrix.upgrade", "must be one of chain, all-to-head, none; got 'chained'"),
        (11, 3, "checks.data", "must be true or false, got 'sometimes'"),
        (12, 3, "checks.float_tolerance", "must be a finite number >= 0, got -1"),
        (14, 7, "checks.sql[0]", "missing key 'query'"),
    )
    assert "Traceback" not in error


def assert_listed(config: Path, error: str, *expected: tuple[int, int, str, str]) -> None:
    """Each (line, column, key, message) is in the error, at its place in the file."""
    for line, column, key, message in expected:
        assert f"{config}:{line}:{column}: key '{key}': {message}" in error, error


def error_of(tmp_path: Path, text: str) -> tuple[Path, str]:
    """The file written with `text` (beside a migrations folder) and the error loading it gives."""
    (tmp_path / "migrations").mkdir()
    config = tmp_path / "migtest.yml"
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(str(config))
    return config, str(caught.value)


def test_rules_between_keys_are_reported_with_the_other_mistakes(tmp_path):
    config, error = error_of(
        tmp_path,
        'migrations: {tool: command}\nversions: [{name: "1.0"}, {name: "1.0"}]\n'
        "verify:\n  target: true\nchecks:\n  idempotent: maybe\n",
    )
    assert f"3 problems in {config}" in error
    assert f"{config}:1:1: key 'migrations.upgrade': migrations.tool 'command' needs key 'upgrade'" in error
    assert f"{config}:4:3: key 'verify.target': needs 'command'" in error
    assert f"{config}:6:3: key 'checks.idempotent': must be true or false, got 'maybe'" in error


def test_a_rule_between_keys_is_reported_at_its_line(tmp_path):
    config, error = error_of(
        tmp_path,
        'migrations: {tool: sql, dir: migrations}\nversions: [{name: "1.0"}, {name: "2.0"}]\n'
        'matrix:\n  skip: [["2.0", "1.0"]]\n',
    )
    assert f"{config}:4:10: key 'matrix.skip[0]': '2.0' must be older than '1.0'" in error


def test_the_older_spelling_works_and_says_what_to_write(tmp_path, capsys):
    (tmp_path / "migrations").mkdir()
    config = tmp_path / "migtest.yml"
    config.write_text(
        'migrations: {tool: sql, dir: migrations}\nversions: [{name: "1.0"}]\n'
        "app:\n  health: http://{host}:{port}/health\n  previous_release: warn\n"
    )
    assert load_config(str(config)).verify.previous_release == "warn"
    warning = capsys.readouterr().err
    assert f"{config}:5:3: key 'app.previous_release' is deprecated: write verify.previous_release: warn" in warning


def test_app_init_is_read(tmp_path):
    (tmp_path / "migrations").mkdir()
    config = tmp_path / "migtest.yml"
    base = 'migrations: {tool: sql, dir: migrations}\nversions: [{name: "1.0"}]\napp:\n  health: http://h/\n'
    config.write_text(base)
    assert load_config(str(config)).app.init is True
    config.write_text(base + "  init: false\n")
    assert load_config(str(config)).app.init is False
    config.write_text(base + "  init: 0\n")
    with pytest.raises(ConfigError, match=r"key 'app\.init': must be true or false, got 0"):
        load_config(str(config))


def test_the_committed_schema_is_current(capsys):
    """Regenerate with `make reference` when the models change."""
    assert SCHEMA_FILE.read_text() == schema_text()
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(schema_text())


def test_the_configuration_reference_is_current():
    """Regenerate with `make reference` when the models change."""
    assert (REPOSITORY / REFERENCE_FILE).read_text() == reference_text()
    assert "](docs/configuration.md)" in (REPOSITORY / "README.md").read_text()


def test_the_reference_names_every_key():
    reference = reference_text()
    for key in ("`stop_timeout`", "`init`", "`accept_schema`", "`crosses`", "`size_param`", "`naive_timezone`"):
        assert f"| {key} |" in reference


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess:
    tool = Path(sys.executable).with_name("check-jsonschema")
    command = [str(tool), "--schemafile", str(SCHEMA_FILE), *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_the_schema_accepts_every_valid_configuration():
    assert len(VALID) >= 10
    checked = check_jsonschema(*VALID)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("config", INVALID, ids=lambda path: path.stem)
def test_the_schema_and_migtest_reject_each_negative_fixture(config):
    checked = check_jsonschema(config)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    with pytest.raises(ConfigError):
        load_config(str(config))


def test_init_points_editors_at_the_schema(tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations/V1__init.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY);")
    written = write_starter(tmp_path).read_text()
    assert written.splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_FILE}"
    assert written.startswith(SCHEMA_LINE)
    assert yaml.safe_load(written)["migrations"]["tool"] == "sql"


def test_rules_that_need_the_file_are_reported_with_the_other_mistakes(tmp_path, monkeypatch):
    """Paths, version names, placeholders and the environment are checked with the keys' types,
    not after them: one run lists them all, each at its line."""
    monkeypatch.delenv("MIGTEST_UNSET_PASSWORD", raising=False)
    config, error = error_of(
        tmp_path,
        'migrations: {tool: sql, dir: nowhere}\nversions: [{name: "1.0"}, {name: "2.0"}]\n'
        "database: {engine: postgres, url: 'postgresql://u:${MIGTEST_UNSET_PASSWORD}@db/postgres'}\n"
        'matrix:\n  skip: [["1.0", "3.0"]]\nseed:\n  sql: seeds/{version}.sql\n'
        "checks:\n  sql: [{name: n, query: q, expect: [], to: '9'}]\n  idempotent: maybe\n",
    )
    assert f"6 problems in {config}" in error
    assert_listed(
        config,
        error,
        (1, 25, "migrations.dir", "directory not found"),
        (3, 30, "database.url", "environment variable MIGTEST_UNSET_PASSWORD is not set"),
        (5, 10, "matrix.skip[0]", "unknown version '3.0' (versions: 1.0, 2.0)"),
        (7, 3, "seed.sql", "seed file for version '1.0' not found"),
        (9, 41, "checks.sql[0].to", "unknown version '9'"),
        (10, 3, "checks.idempotent", "must be true or false, got 'maybe'"),
    )


def test_the_models_are_the_configuration_the_run_reads(tmp_path):
    """One definition of every key: what load_config returns is the models' instance, with the
    values as the run uses them."""
    (tmp_path / "migrations").mkdir()
    file = tmp_path / "migtest.yml"
    file.write_text("migrations: {tool: sql, dir: migrations}\nversions: [{name: 1.0}]\napp: {ready_log: up}\n")
    loaded = load_config(str(file))
    assert isinstance(loaded, config_schema.Config) and config.Config is config_schema.Config
    assert loaded.migrations.dir == tmp_path / "migrations" and loaded.migrations.tables == ("migtest_schema_history",)
    assert loaded.versions[0].name == "1.0" and loaded.app.env == (("DATABASE_URL", "{database_url}"),)
    assert loaded.report.dir == tmp_path / "migtest-results" and loaded.path == file and loaded.root == tmp_path


def test_a_bare_off_which_yaml_reads_as_false_is_off_for_every_fail_warn_off_key(tmp_path):
    text = """
migrations: {tool: sql, dir: .}
versions: [{name: "1"}]
verify: {previous_release: off}
checks: {history: off, rolling: off, locks: {blocked: off, rewrite: warn}}
"""
    (tmp_path / "migtest.yml").write_text(text)
    loaded = load_config(str(tmp_path / "migtest.yml"))
    assert (loaded.verify.previous_release, loaded.checks.history, loaded.checks.rolling) == ("off", "off", "off")
    assert (loaded.checks.locks.blocked, loaded.checks.locks.rewrite) == ("off", "warn")
    (tmp_path / "migtest.yml").write_text(text.replace("rolling: off", "rolling: no-such"))
    with pytest.raises(ConfigError, match=r"checks\.rolling.*must be one of fail, warn, off"):
        load_config(str(tmp_path / "migtest.yml"))
    (tmp_path / "migtest.yml").write_text(text.replace("history: off", "history: true"))
    with pytest.raises(ConfigError, match=r"checks\.history"):
        load_config(str(tmp_path / "migtest.yml"))


def test_problems_are_listed_top_to_bottom_as_the_file_reads(tmp_path: Path, capsys):
    """pydantic reports in the models' field order (migrations, database, app, matrix ...); a file
    written in another order must still read from its first line down."""
    path = tmp_path / "migtest.yml"
    path.write_text(
        "checks:\n  data: sometimes\n"
        "matrix:\n  upgrade: chained\n"
        "versions:\n  - name: '1.0'\n"
        "migrations:\n  tool: sql\n  dir: .\n  layot: flyway\n"
    )
    assert main(["plan", "-c", str(path)]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith(f"  {path}:")]

    assert [int(line.split(":")[1]) for line in lines] == [2, 4, 10]


def test_the_python_names_of_keys_are_unknown_keys_as_in_the_schema(tmp_path):
    fixture = REPOSITORY / "tests/fixtures/invalid-config/python-field-names.yml"
    config, error = error_of(tmp_path, fixture.read_text())
    assert_listed(
        config,
        error,
        (5, 3, "checks.schema_", "unknown key (did you mean 'schema'?)"),
        (6, 12, "checks.moves[0].from_", "unknown key"),
    )
