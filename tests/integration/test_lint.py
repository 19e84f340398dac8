"""`migtest lint` end to end: files given (as pre-commit gives them), a configured SQL project,
a real Alembic project rendered offline, exit codes, and `--measured` against a results.json."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from migtest.cli import main
from migtest.locks import HeldLock, LockMeasurement, Stall
from migtest.plan import Scenario
from migtest.results import RunResult, ScenarioResult

FILES = {
    "V1__orders.sql": "CREATE TABLE orders (id int PRIMARY KEY, note varchar(20));\nCREATE INDEX ix ON orders (note);",
    "V2__widen.sql": "SET lock_timeout = '2s';\nALTER TABLE orders ALTER COLUMN note TYPE varchar(80);",
    "V3__index.sql": "SET lock_timeout = '2s';\n\nCREATE INDEX ix_orders_id_note ON orders (id, note);",
    "U3__index.sql": "DROP TABLE orders CASCADE;",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "db").mkdir()
    for name, sql in FILES.items():
        (tmp_path / "db" / name).write_text(sql + "\n")
    config = {
        "migrations": {"tool": "sql", "dir": "db"},
        "database": {"engine": "postgres", "url": "postgresql://nobody@127.0.0.1:1/none"},
        "versions": [{"name": "1", "revision": "2"}, {"name": "2", "revision": "3"}],
    }
    (tmp_path / "migtest.yml").write_text(yaml.safe_dump(config))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["lint", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_file_with_findings_exits_1_naming_file_line_rule_and_fix(project: Path, capsys) -> None:
    code, out, _ = lint(capsys, "--dialect", "postgres", "db/V3__index.sql")
    assert code == 1
    assert out.splitlines()[0] == (
        "db/V3__index.sql:3: index-not-concurrent: index ix_orders_id_note built on orders without CONCURRENTLY"
    )
    assert "fix: CREATE INDEX CONCURRENTLY" in out


def test_a_clean_file_exits_0_its_widening_known_from_the_earlier_file(project: Path, capsys) -> None:
    code, out, _ = lint(capsys, "--dialect", "postgres", "db/V2__widen.sql")
    assert (code, out.strip()) == (0, "0 finding(s) in 1 migration(s)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dialect", "postgres", "db/V9__missing.sql"], "db/V9__missing.sql: no such file"),
        (["db/V2__widen.sql"], "key '--dialect': give --dialect"),
        (["--dialect", "postgres", "--ignore", "no-such-rule", "db/V2__widen.sql"], "no rule no-such-rule"),
        (["--version", "7"], "key '--version': no version 7"),
        (["--measured", "nowhere.json"], "no results.json here"),
    ],
)
def test_bad_input_exits_2_naming_it(project: Path, capsys, args: list[str], message: str) -> None:
    code, _, err = lint(capsys, *args)
    assert code == 2
    assert message in err


def test_the_configured_history_is_linted_oldest_first(project: Path, capsys) -> None:
    code, out, _ = lint(capsys, "--format", "json")
    document = json.loads(out)
    assert code == 1
    assert document["migrations"] == 3  # the undo file is not a migration
    assert [(f["file"], f["line"], f["rule"]) for f in document["findings"]] == [
        ("db/V3__index.sql", 3, "index-not-concurrent")
    ]
    assert document["findings"][0]["lock"].startswith("SHARE")


def test_a_version_lints_its_history_only(project: Path, capsys) -> None:
    code, out, _ = lint(capsys, "--version", "1")
    assert (code, out.strip()) == (0, "0 finding(s) in 2 migration(s)")


def test_ignore_and_the_github_format(project: Path, capsys) -> None:
    assert lint(capsys, "--ignore", "index-not-concurrent")[0] == 0
    _, out, _ = lint(capsys, "--format", "github")
    assert out.startswith("::warning file=db/V3__index.sql,line=3,title=migtest lint%3A index-not-concurrent::")


def measurement(label: str, table: str, mode: str | None, stall_ms: float = 0.0) -> LockMeasurement:
    held = [HeldLock(table, "table", mode, 3400.0, "CREATE INDEX …")] if mode else []
    return LockMeasurement(label, 3500.0, 2.0, 1700, held, [Stall(table, 0.0, stall_ms)])


def report(path: Path, *measurements: LockMeasurement) -> Path:
    scenario = ScenarioResult(Scenario("upgrade", "1", "2"), locks=list(measurements))
    path.write_text(json.dumps(RunResult("migtest.yml", ["1", "2"], [scenario], 1.0).to_dict()))
    return path


@pytest.mark.parametrize(
    ("measured", "verdict"),
    [
        ([measurement("V3__index.sql", "orders", "ShareLock", 3400.0)], "confirmed: ShareLock on orders held 3.4 s"),
        ([measurement("3", "orders", None, 2500.0)], "confirmed: reads or writes of orders stalled 2500 ms"),
        ([measurement("3", "orders", "ShareUpdateExclusiveLock", 3.0)], "not confirmed: no blocking lock"),
        ([measurement("V2__widen.sql", "orders", "AccessExclusiveLock")], "not measured"),
    ],
)
def test_measured_says_whether_the_run_confirmed_each_finding(
    project: Path, capsys, measured: list[LockMeasurement], verdict: str
) -> None:
    code, out, _ = lint(capsys, "--measured", str(report(project / "results.json", *measured)), "--format", "json")
    (finding,) = json.loads(out)["findings"]
    assert code == 1
    assert finding["measured"].startswith(verdict)
    if "ShareLock" in verdict:
        assert "stalled 3400 ms" in finding["measured"]


ENV = """
from alembic import context
from sqlalchemy import create_engine

if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    with create_engine(context.config.get_main_option("sqlalchemy.url")).connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
"""
COLUMNS = 'sa.Column("id", sa.Integer, primary_key=True), sa.Column("note", sa.String(20))'
TOKEN = 'sa.Column("token", sa.Uuid, server_default=sa.text("gen_random_uuid()"))'
REVISIONS = {
    "0001": ("None", f'op.create_table("orders", {COLUMNS})\n    op.create_index("ix_note", "orders", ["note"])'),
    "0002": (
        "'0001'",
        'op.execute("SET lock_timeout = \'2s\'")\n    op.alter_column("orders", "note", nullable=False)',
    ),
    "0003": ("'0002'", 'count = op.get_bind().execute(sa.text("SELECT count(*) FROM orders")).scalar()'),
    "0004": (
        "'0003'",
        f'# migtest: ignore lock-timeout\n    op.add_column("orders", {TOKEN})',
    ),
}


@pytest.fixture
def alembic_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (tmp_path / "migrations" / "env.py").write_text(ENV)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    for revision, (down, body) in REVISIONS.items():
        (versions / f"{revision}_step.py").write_text(
            f"import sqlalchemy as sa\nfrom alembic import op\n\nrevision = '{revision}'\ndown_revision = {down}\n\n\n"
            f"def upgrade():\n    {body}\n"
        )
    config = {
        "migrations": {"tool": "alembic", "config": "alembic.ini"},
        "database": {"engine": "postgres", "url": "postgresql://nobody@127.0.0.1:1/none"},
        "versions": [{"name": "1", "revision": "head"}],
    }
    (tmp_path / "migtest.yml").write_text(yaml.safe_dump(config))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_alembic_revisions_are_linted_from_their_offline_sql(alembic_project: Path, capsys) -> None:
    code, out, _ = lint(capsys, "--format", "json")
    document = json.loads(out)
    found = [(f["file"], f["line"], f["rule"], f["migration"]) for f in document["findings"]]
    assert code == 1
    assert found == [
        ("migrations/versions/0002_step.py", 8, "set-not-null", "0002"),
        ("migrations/versions/0004_step.py", 8, "volatile-default", "0004"),
    ]
    (skipped,) = document["not_linted"]
    assert skipped["migration"] == "0003"
    assert skipped["file"] == "migrations/versions/0003_step.py"
    assert "wants a database" in skipped["reason"]
    assert document["migrations"] == 4


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_the_pre_commit_hook_runs_for_real(tmp_path: Path) -> None:
    """pre-commit installs this repository's hook in an environment of its own (about 25 s, the
    only test of `.pre-commit-hooks.yaml` as pre-commit reads it) and runs it on the files given."""
    pre_commit = Path(sys.executable).with_name("pre-commit")
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    repository = Path(__file__).parents[2]
    work = tmp_path / "work"
    (work / "db").mkdir(parents=True)
    for name, sql in FILES.items():
        (work / "db" / name).write_text(sql + "\n")
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    subprocess.run(["git", "add", "."], cwd=work, check=True)
    env = {"PRE_COMMIT_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    command = [str(pre_commit), "try-repo", str(repository), "migtest-lint", "--files"]
    found = subprocess.run([*command, "db/V3__index.sql"], cwd=work, env=env, capture_output=True, text=True)
    assert found.returncode == 1, found.stdout + found.stderr
    assert "db/V3__index.sql:3: index-not-concurrent" in found.stdout
    clean = subprocess.run([*command, "db/V2__widen.sql"], cwd=work, env=env, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_the_hook_passes_filenames_with_a_dialect() -> None:
    (hook,) = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["entry"], hook["language"], hook["pass_filenames"]) == (
        "migtest-lint",
        "migtest lint",
        "python",
        True,
    )
    assert hook["args"] == ["--dialect", "postgres"]
    assert hook["files"] == r"\.sql$"


def test_dialect_picks_that_dialects_folder_of_a_project_tested_on_sqlite(tmp_path: Path, monkeypatch, capsys) -> None:
    for dialect, sql in {"sqlite": "DROP INDEX ix;", "postgres": "DROP INDEX CONCURRENTLY ix;"}.items():
        (tmp_path / "db" / dialect).mkdir(parents=True)
        (tmp_path / "db" / dialect / "V1__x.sql").write_text(sql)
    config = {"migrations": {"tool": "sql", "dir": "db/{dialect}"}, "versions": [{"name": "1", "revision": "1"}]}
    (tmp_path / "migtest.yml").write_text(yaml.safe_dump(config))
    monkeypatch.chdir(tmp_path)
    code, out, _ = lint(capsys, "--dialect", "postgres")
    assert (code, out.strip()) == (0, "0 finding(s) in 1 migration(s)")
    code, _, err = lint(capsys)
    assert code == 2
    assert "key 'database.engine': lint knows postgres, mysql and mariadb, not sqlite" in err


def test_a_version_at_a_git_ref_is_linted_in_its_own_tree(project: Path, capsys) -> None:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=project, check=True, capture_output=True, text=True)
        return done.stdout.strip()

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "start")
    (project / "db" / "V3__index.sql").write_text("CREATE INDEX CONCURRENTLY ix_orders_id_note ON orders (id, note);\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "concurrent index")
    (project / "db" / "V3__index.sql").write_text(FILES["V3__index.sql"] + "\n")  # edited since, not committed
    config = yaml.safe_load((project / "migtest.yml").read_text())
    config["versions"][0] = {"name": "1", "ref": "HEAD", "revision": "head"}
    (project / "migtest.yml").write_text(yaml.safe_dump(config))
    code, out, _ = lint(capsys, "--version", "1", "--format", "json")
    assert (code, json.loads(out)["findings"]) == (0, [])
    code, out, _ = lint(capsys, "--version", "2", "--format", "json")
    assert code == 1
    assert [f["file"] for f in json.loads(out)["findings"]] == ["db/V3__index.sql"]


def test_lint_ignore_in_the_configuration_keeps_a_rule_off(project: Path, capsys) -> None:
    config = yaml.safe_load((project / "migtest.yml").read_text())
    (project / "migtest.yml").write_text(yaml.safe_dump({**config, "lint": {"ignore": ["index-not-concurrent"]}}))
    assert lint(capsys)[0] == 0
    (project / "migtest.yml").write_text(yaml.safe_dump({**config, "lint": {"ignore": ["index-not-concurent"]}}))
    code, _, err = lint(capsys)
    assert code == 2
    assert "key 'lint.ignore[0]': must be one of index-not-concurrent" in err


def test_a_command_migrator_has_no_sql_to_lint(project: Path, capsys) -> None:
    config = yaml.safe_load((project / "migtest.yml").read_text())
    config["migrations"] = {"tool": "command", "upgrade": "true"}
    (project / "migtest.yml").write_text(yaml.safe_dump(config))
    code, _, err = lint(capsys)
    assert code == 2
    assert "key 'migrations.tool': lint reads sql and alembic migrations, not command's" in err
