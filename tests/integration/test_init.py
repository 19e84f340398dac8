"""`migtest init` recognises per-database folders and golang-migrate layouts, and writes a file
that works as it is: `migtest plan` lists its scenarios and `migtest run` passes."""

from __future__ import annotations

import json

import pytest
import yaml

from migtest.cli import EXIT_OK, main


def init(project, capsys) -> dict:
    (project / "migtest.yml").unlink(missing_ok=True)
    assert main(["init", "--dir", str(project)]) == EXIT_OK, capsys.readouterr()
    capsys.readouterr()
    return yaml.safe_load((project / "migtest.yml").read_text())


def plan_ids(project, capsys) -> list[str]:
    assert main(["plan", "-c", str(project / "migtest.yml"), "--format", "json"]) == EXIT_OK
    return [scenario["id"] for scenario in json.loads(capsys.readouterr().out)["scenarios"]]


@pytest.mark.parametrize(
    ("name", "migrations", "versions", "scenarios"),
    [
        (
            "flyway-shop",
            {"tool": "sql", "dir": "db/migration/{dialect}", "layout": "flyway"},
            ["1", "2", "3", "4", "5"],
            13,
        ),
        ("golang-migrate", {"tool": "sql", "dir": "migrations", "layout": "golang-migrate"}, ["1", "2", "3"], 7),
    ],
)
def test_init_writes_a_working_file(project, run_migtest, capsys, name, migrations, versions, scenarios):
    root = project(name)
    written = init(root, capsys)

    assert written["migrations"] == migrations
    assert written["database"] == {"engine": "sqlite"}
    assert [v["revision"] for v in written["versions"]] == versions
    ids = plan_ids(root, capsys)
    assert len(ids) == scenarios and f"upgrade-1-to-{versions[1]}" in ids
    outcome = run_migtest(root / "migtest.yml")
    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.results["totals"] == {"passed": scenarios, "failed": 0, "skipped": 0}


def test_per_engine_folders_without_sqlite_use_a_server_image(tmp_path, capsys):
    for folder in ("postgresql", "mariadb"):
        (tmp_path / "sql" / folder).mkdir(parents=True)
        (tmp_path / "sql" / folder / "V1__init.sql").write_text("CREATE TABLE t (id INT PRIMARY KEY);")
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "1.0.sql").write_text("INSERT INTO t VALUES (1);")  # not a migration
    written = init(tmp_path, capsys)

    assert written["migrations"]["dir"] == "sql/postgresql"
    assert written["database"] == {"engine": "postgres", "image": "postgres:16"}
    assert plan_ids(tmp_path, capsys) == ["fresh-1"]


def test_golang_migrate_folder_found_deeper_in_the_tree(tmp_path, capsys):
    folder = tmp_path / "internal" / "store" / "schema"
    folder.mkdir(parents=True)
    for number, name in ((1, "users"), (2, "emails")):
        (folder / f"{number:06d}_{name}.up.sql").write_text(f"CREATE TABLE {name} (id INT PRIMARY KEY);")
        (folder / f"{number:06d}_{name}.down.sql").write_text(f"DROP TABLE {name};")
    (tmp_path / "node_modules" / "pkg").mkdir(parents=True)
    (tmp_path / "node_modules" / "pkg" / "V1__x.sql").write_text("SELECT 1;")
    written = init(tmp_path, capsys)

    assert written["migrations"] == {"tool": "sql", "dir": "internal/store/schema", "layout": "golang-migrate"}
    assert plan_ids(tmp_path, capsys)[:2] == ["fresh-1", "fresh-2"]
