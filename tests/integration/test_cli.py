"""The command line end to end on a small SQL project: plan, run, reports, init, setup."""

import json
import sys
from pathlib import Path

import pytest
import yaml

from migtest.cli import main

MIGRATIONS = {
    "V1__users.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
    "V2__email.sql": "ALTER TABLE users ADD COLUMN email TEXT;\nCREATE INDEX ix_users_email ON users (email);",
    "U2__email.sql": "DROP INDEX ix_users_email;\nALTER TABLE users DROP COLUMN email;",
}
SEEDS = {
    "1": "INSERT INTO users VALUES (1, 'Ada'), (2, 'Grace');",
    "2": "INSERT INTO users VALUES (1, 'Ada', 'ada@example.com');",
}


def make_project(root: Path, **overrides) -> Path:
    (root / "db").mkdir(parents=True)
    (root / "seeds").mkdir()
    for name, sql in MIGRATIONS.items():
        (root / "db" / name).write_text(sql)
    for version, sql in SEEDS.items():
        (root / "seeds" / f"{version}.sql").write_text(sql)
    config = {
        "migrations": {"tool": "sql", "dir": "db"},
        "versions": [{"name": "1", "revision": "1"}, {"name": "2", "revision": "2"}],
        "seed": {"sql": "seeds/{version}.sql"},
        "report": {"dir": "out"},
        **overrides,
    }
    path = root / "migtest.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_plan_json_lists_scenarios_without_running(tmp_path, capsys):
    config = make_project(tmp_path)
    assert main(["plan", "-c", str(config), "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in plan["scenarios"]] == ["fresh-1", "fresh-2", "upgrade-1-to-2", "downgrade-2-to-1"]
    assert not (tmp_path / "out").exists()


def test_run_writes_every_report_and_groups_for_github(tmp_path, capsys, monkeypatch):
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    config = make_project(tmp_path)
    assert main(["run", "-c", str(config)]) == 0
    output = capsys.readouterr().out
    assert output.count("::group::") == 4 and output.count("::endgroup::") == 4
    assert "  upgrade  " in output.replace("upgrade   ", "upgrade  ")
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["totals"] == {"passed": 4, "failed": 0, "skipped": 0}
    upgrade = next(s for s in results["scenarios"] if s["id"] == "upgrade-1-to-2")
    assert [p["name"] for p in upgrade["phases"]][-3:] == ["upgrade again", "capture again", "check"]
    assert {c["name"]: c["status"] for c in upgrade["checks"]} == dict.fromkeys(
        ["migration", "history", "schema", "rows", "content", "idempotent"], "passed"
    )
    junit = (tmp_path / "out" / "junit.xml").read_text()
    assert '<testsuite name="upgrade 1 -&gt; 2" id="upgrade-1-to-2" tests="6" failures="0" errors="0"' in junit
    markdown = (tmp_path / "out" / "summary.md").read_text()
    assert "| **1** | ✅" in markdown
    assert summary.read_text().startswith("earlier step\n## migtest: ✅")


def test_only_selects_scenarios(tmp_path, capsys):
    config = make_project(tmp_path)
    assert main(["run", "-c", str(config), "--only", "downgrade"]) == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [s["id"] for s in results["scenarios"]] == ["downgrade-2-to-1"]
    assert main(["run", "-c", str(config), "--only", "nothing-*"]) == 2
    assert "no scenario matches --only nothing-*" in capsys.readouterr().err


def test_typo_exits_2_naming_key_and_file(tmp_path, capsys):
    config = make_project(tmp_path, chekcs={"schema": True})
    assert main(["plan", "-c", str(config)]) == 2
    error = capsys.readouterr().err
    assert f"{config}:1:1: key 'chekcs': unknown key (did you mean 'checks'?)" in error


def test_missing_config_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == 2
    assert "migtest.yml: configuration file not found (run 'migtest init'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("layout", "expected"),
    [({"alembic.ini": ""}, "tool: alembic\n  config: alembic.ini"), ({"db/migration/V1__a.sql": ""}, "tool: sql")],
)
def test_init_detects_the_project(tmp_path, capsys, layout, expected):
    for name, text in layout.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert main(["init", "--dir", str(tmp_path)]) == 0
    written = (tmp_path / "migtest.yml").read_text()
    assert expected in written
    assert main(["init", "--dir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_init_without_migrations_exits_2(tmp_path, capsys):
    assert main(["init", "--dir", str(tmp_path)]) == 2
    assert "found neither alembic.ini nor a directory of .sql migrations" in capsys.readouterr().err


MIGRATE_APP = """#!{python}
import os, sqlite3, sys
open(os.path.join(os.environ["MIGTEST_ENV"], "calls"), "a").write("x")
db = sqlite3.connect(sys.argv[1].removeprefix("sqlite:///"))
db.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)")
db.commit()
"""


def test_setup_runs_once_per_version_and_commands_run_in_it(tmp_path, capsys):
    """A `setup:` environment puts its bin/ first on PATH for the version's commands."""
    (tmp_path / "migrate-app").write_text(MIGRATE_APP.format(python=sys.executable))
    setup = "sh -c 'mkdir bin && cp {project}/migrate-app bin/ && chmod +x bin/migrate-app'"
    config = make_project(
        tmp_path,
        migrations={"tool": "command", "upgrade": "migrate-app {database_url}"},
        versions=[{"name": "1", "setup": setup}],
        seed={},
        matrix={"upgrade": "none", "downgrade": "none"},
    )
    assert main(["run", "-c", str(config)]) == 0, capsys.readouterr()
    assert main(["run", "-c", str(config)]) == 0
    (env_dir,) = [path for path in (tmp_path / ".migtest-cache").iterdir() if path.is_dir()]
    assert (env_dir / "calls").read_text() == "xx"


def test_failing_setup_exits_2_with_its_output(tmp_path, capsys):
    config = make_project(tmp_path, versions=[{"name": "1", "revision": "1", "setup": "sh -c 'echo no wheel; exit 3'"}])
    assert main(["run", "-c", str(config)]) == 2
    error = capsys.readouterr().err
    assert "setup of version 1: exited with code 3" in error and "no wheel" in error
    assert not [path for path in (tmp_path / ".migtest-cache").iterdir() if path.suffix != ".lock"]
