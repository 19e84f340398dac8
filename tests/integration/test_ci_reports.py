"""What CI gets from a run, on SQLite projects really run: fan-out across runners and merge,
GitHub annotations/summary/outputs, GitLab's code-quality report, a server URL given on the
command line with its password masked (and announced to GitHub before it could be printed)."""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import jsonschema
import pytest
import yaml

from migtest.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from migtest.reports.github import ANNOTATIONS_PER_KIND

RELEASES = 12  # 11 upgrades that each lose data: more failures than GitHub shows annotations


def dropping_project(root: Path, releases: int = RELEASES) -> Path:
    """Release 1 creates users with columns c2..cN; release k drops column ck while rows hold values in it."""
    (root / "db").mkdir(parents=True)
    (root / "seeds").mkdir()
    columns = ", ".join(f"c{k} TEXT" for k in range(2, releases + 1))
    (root / "db/V1__users.sql").write_text(f"CREATE TABLE users (id INTEGER PRIMARY KEY, {columns});\n")
    for k in range(2, releases + 1):
        (root / f"db/V{k}__drop_c{k}.sql").write_text(f"-- c{k} is unused\nALTER TABLE users DROP COLUMN c{k};\n")
    for release in range(1, releases + 1):
        kept = [f"c{k}" for k in range(release + 1, releases + 1)]
        values = ", ".join(["'x'"] * len(kept))
        seed = f"INSERT INTO users (id, {', '.join(kept)}) VALUES ({release}, {values});" if kept else ""
        (root / f"seeds/{release}.sql").write_text(seed)
    config = {
        "migrations": {"tool": "sql", "dir": "db"},
        "versions": [{"name": str(r), "revision": str(r)} for r in range(1, releases + 1)],
        "seed": {"sql": "seeds/{version}.sql"},
        "matrix": {"fresh": False, "downgrade": "none"},
        "report": {"dir": "out"},
    }
    (root / "migtest.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return root / "migtest.yml"


def passing_project(root: Path) -> Path:
    (root / "db").mkdir(parents=True)
    (root / "db/V1__users.sql").write_text("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);")
    (root / "db/V2__email.sql").write_text("ALTER TABLE users ADD COLUMN email TEXT;")
    (root / "db/U2__email.sql").write_text("ALTER TABLE users DROP COLUMN email;")
    (root / "seed.sql").write_text("INSERT INTO users (id, name) VALUES (1, 'Ada'), (2, 'Grace');")
    config = {
        "migrations": {"tool": "sql", "dir": "db"},
        "versions": [{"name": "1", "revision": "1"}, {"name": "2", "revision": "2"}],
        "seed": {"sql": "seed.sql"},
        "report": {"dir": "out"},
    }
    (root / "migtest.yml").write_text(yaml.safe_dump(config))
    return root / "migtest.yml"


def with_release_3(root: Path, name: str, migration: str) -> Path:
    """The passing project in `root` with a release 3 made of one migration file."""
    config = passing_project(root)
    (root / "db" / name).write_text(migration)
    settings = yaml.safe_load(config.read_text())
    settings["versions"].append({"name": "3", "revision": "3"})
    config.write_text(yaml.safe_dump(settings))
    return config


@pytest.fixture
def actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """The environment of a GitHub Actions step, with its summary and output files."""
    files = {"summary": tmp_path / "step_summary", "output": tmp_path / "set_output"}
    for file in files.values():
        file.write_text("")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(files["summary"]))
    monkeypatch.setenv("GITHUB_OUTPUT", str(files["output"]))
    return files


def read_outputs(path: Path) -> dict[str, str]:
    """$GITHUB_OUTPUT as the runner reads it: name<<delimiter blocks."""
    outputs, lines = {}, iter(path.read_text().splitlines())
    for line in lines:
        name, delimiter = line.split("<<")
        value = []
        for body in lines:
            if body == delimiter:
                break
            value.append(body)
        outputs[name] = "\n".join(value)
    return outputs


def annotations(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("::error ", "::warning "))]


def test_fan_out_by_scenario_then_merge_equals_one_run(tmp_path, capsys):
    config = passing_project(tmp_path / "project")
    assert main(["plan", "-c", str(config), "--format", "github-matrix"]) == EXIT_OK
    matrix = json.loads(capsys.readouterr().out)
    assert matrix == {"scenario": ["fresh-1", "fresh-2", "upgrade-1-to-2", "downgrade-2-to-1"]}

    runners = []
    for scenario in matrix["scenario"]:  # what each runner of the matrix does
        runners.append(tmp_path / f"runner-{scenario}")
        assert main(["run", "-c", str(config), "--scenario", scenario, "--report-dir", str(runners[-1])]) == EXIT_OK
    assert main(["run", "-c", str(config), "--report-dir", str(tmp_path / "whole")]) == EXIT_OK
    capsys.readouterr()

    assert main(["merge", *map(str, reversed(runners)), "--report-dir", str(tmp_path / "merged")]) == EXIT_OK
    assert "4 scenarios, 0 failed" in capsys.readouterr().out
    merged, whole = (json.loads((tmp_path / d / "results.json").read_text()) for d in ("merged", "whole"))
    assert [s["id"] for s in merged["scenarios"]] == [s["id"] for s in whole["scenarios"]]  # plan order
    assert merged["totals"] == whole["totals"] == {"passed": 4, "failed": 0, "skipped": 0}
    assert [[c["name"] for c in s["checks"]] for s in merged["scenarios"]] == [
        [c["name"] for c in s["checks"]] for s in whole["scenarios"]
    ]
    junit = (tmp_path / "merged/junit.xml").read_text()
    assert junit.count("<testsuite ") == 4
    assert "| **1** | ✅" in (tmp_path / "merged/summary.md").read_text()


def test_merge_reads_results_written_before_phases_had_start_times(tmp_path):
    """A runner of an older migtest wrote no `start` per phase and no `startup`: its scenarios
    still merge, their phases drawn one after the other in report.html's timeline."""
    config = passing_project(tmp_path / "project")
    runs = [tmp_path / "new", tmp_path / "old"]
    for run, scenario in zip(runs, ("upgrade-1-to-2", "fresh-1"), strict=True):
        assert main(["run", "-c", str(config), "--scenario", scenario, "--report-dir", str(run)]) == EXIT_OK
    old = json.loads((runs[1] / "results.json").read_text())
    del old["startup"]
    for phase in old["scenarios"][0]["phases"]:
        del phase["start"]
    (runs[1] / "results.json").write_text(json.dumps(old))

    assert main(["merge", *map(str, runs), "--report-dir", str(tmp_path / "merged")]) == EXIT_OK
    merged = json.loads((tmp_path / "merged/results.json").read_text())
    fresh, upgrade = merged["scenarios"]
    assert "start" not in fresh["phases"][0] and all("start" in phase for phase in upgrade["phases"])
    page = (tmp_path / "merged/report.html").read_text()
    row = '>fresh install of 1</a></span><div class="track"><div class="bar k-install" style="left:0.00%'
    assert row in page


def test_merge_exits_1_when_a_runner_failed_and_2_on_bad_input(tmp_path, capsys):
    config = dropping_project(tmp_path / "project", releases=3)
    runs = [tmp_path / "a", tmp_path / "b"]
    assert main(["run", "-c", str(config), "--scenario", "upgrade-1-to-2", "--report-dir", str(runs[0])]) == 1
    assert main(["run", "-c", str(config), "--scenario", "upgrade-2-to-3", "--report-dir", str(runs[1])]) == 1
    assert main(["merge", *map(str, runs), "--report-dir", str(tmp_path / "merged")]) == EXIT_FAILED
    merged = json.loads((tmp_path / "merged/results.json").read_text())
    assert merged["totals"] == {"passed": 0, "failed": 2, "skipped": 0}
    capsys.readouterr()

    assert main(["merge", str(runs[0]), str(runs[0] / "results.json")]) == EXIT_USAGE
    assert "scenario upgrade-1-to-2 is in" in capsys.readouterr().err
    assert main(["merge", str(tmp_path / "missing")]) == EXIT_USAGE
    assert f"{tmp_path / 'missing'}: no results.json here" in capsys.readouterr().err
    assert main(["run", "-c", str(config), "--scenario", "upgrade-1-to-9"]) == EXIT_USAGE
    assert "no scenario upgrade-1-to-9 in the plan; it has: upgrade-1-to-2, upgrade-2-to-3" in capsys.readouterr().err


def test_github_annotations_point_at_the_files_at_most_ten_with_the_rest_counted(tmp_path, capsys, actions):
    config = dropping_project(tmp_path / "project")
    assert main(["run", "-c", str(config), "--jobs", "2"]) == EXIT_FAILED
    output = capsys.readouterr().out

    shown = annotations(output)
    assert len(shown) == ANNOTATIONS_PER_KIND
    # the most important first (all are `content` here), in plan order, each at the line that dropped it
    assert shown[0] == (
        "::error file=project/db/V2__drop_c2.sql,line=2,title=migtest content::upgrade 1 -> 2: "
        "1 change(s) to existing data"
        "%0Atable 'users': column 'c2' dropped while 1 row(s) held a value in it"
    )
    assert [re.search(r"file=([^,]+),line=(\d+)", line).groups() for line in shown] == [
        (f"project/db/V{k}__drop_c{k}.sql", "2") for k in range(2, 12)
    ]
    summary = actions["summary"].read_text()
    assert summary.startswith("## migtest: ❌ migrations broke")
    assert "not annotated: 1 error (all are listed above)" in summary
    outputs = read_outputs(actions["output"])
    assert outputs == {
        "passed": "0",
        "failed": "11",
        "html": "project/out/report.html",
        "results": "project/out/results.json",
        "junit": "project/out/junit.xml",
        "summary": "project/out/summary.md",
        "code_quality": "project/out/gl-code-quality-report.json",
    }
    declared = yaml.safe_load((Path(__file__).parents[2] / "action.yml").read_text())["outputs"]
    assert set(outputs) <= set(declared), "every output the run sets is declared in action.yml"
    # what the migrations print stays inside ::stop-commands::, so it cannot act as a workflow command
    token = re.search(r"^::stop-commands::(\w+)$", output, re.MULTILINE)[1]
    assert output.count(f"::stop-commands::{token}") == output.count(f"::{token}::") == RELEASES - 1


def test_failed_statement_is_annotated_at_its_line(tmp_path, capsys, actions):
    migration = "ALTER TABLE users ADD COLUMN age INTEGER;\n\nUPDATE users SET age = nope;\n"
    config = with_release_3(tmp_path, "V3__age.sql", migration)
    assert main(["run", "-c", str(config), "--only", "upgrade-2-to-3"]) == EXIT_FAILED

    (error,) = annotations(capsys.readouterr().out)
    assert error.startswith("::error file=db/V3__age.sql,line=3,title=migtest migration::upgrade 2 -> 3: V3__age.sql:")
    assert "%0A" in error and "\n" not in error


CODE_QUALITY_SCHEMA = {  # the fields GitLab documents for a code-quality report
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


def test_code_quality_report_has_gitlabs_fields_and_unique_fingerprints(tmp_path, monkeypatch):
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    config = dropping_project(tmp_path / "project", releases=4)
    (tmp_path / "project/db/V4__drop_c4.sql").write_text("-- broken\nALTER TABLE nowhere DROP COLUMN c4;\n")
    assert main(["run", "-c", str(config)]) == EXIT_FAILED

    report = json.loads((tmp_path / "project/out/gl-code-quality-report.json").read_text())
    jsonschema.validate(report, CODE_QUALITY_SCHEMA)
    assert len({issue["fingerprint"] for issue in report}) == len(report) == 3
    first = report[0]  # the failed migration first, at its statement
    assert (first["check_name"], first["severity"]) == ("migtest/migration", "critical")
    assert first["location"] == {"path": "project/db/V4__drop_c4.sql", "lines": {"begin": 2}}
    assert [issue["location"] for issue in report[1:]] == [
        {"path": "project/db/V2__drop_c2.sql", "lines": {"begin": 2}},
        {"path": "project/db/V3__drop_c3.sql", "lines": {"begin": 2}},
    ]
    assert main(["run", "-c", str(config)]) == EXIT_FAILED  # the same failures: the same fingerprints
    again = json.loads((tmp_path / "project/out/gl-code-quality-report.json").read_text())
    assert [issue["fingerprint"] for issue in again] == [issue["fingerprint"] for issue in report]


def test_code_quality_points_a_changed_value_at_the_update_and_describes_the_evidence(tmp_path, monkeypatch):
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    shout = "-- capitals\nALTER TABLE users ADD COLUMN age INTEGER;\n\nUPDATE users\n   SET name = upper(name);"
    config = with_release_3(tmp_path, "V3__shout.sql", shout)
    assert main(["run", "-c", str(config), "--only", "upgrade-2-to-3"]) == EXIT_FAILED

    (issue,) = json.loads((tmp_path / "out/gl-code-quality-report.json").read_text())
    jsonschema.validate([issue], CODE_QUALITY_SCHEMA)
    assert issue["location"] == {"path": "db/V3__shout.sql", "lines": {"begin": 5}}  # SET name = ..., not line 1
    assert issue["description"] == (
        "upgrade 2 -> 3: content: 2 change(s) to existing data "
        "(table 'users': id=1: name 'Ada' -> 'ADA'; 1 more line(s) in the job's report)"
    )


def test_database_url_option_is_masked_and_announced_first(tmp_path, capsys, actions, postgres_host):
    config = passing_project(tmp_path)
    password = urllib.parse.urlsplit(postgres_host.url).password
    assert password
    assert main(["run", "-c", str(config), "--database-url", postgres_host.url, "--only", "upgrade"]) == EXIT_OK
    output = capsys.readouterr().out

    assert output.splitlines()[0] == f"::add-mask::{password}"
    assert output.count(password) == 1
    everything = [*(tmp_path / "out").iterdir(), actions["summary"], actions["output"]]
    assert not [file.name for file in everything if password in file.read_text()]
    results = json.loads((tmp_path / "out/results.json").read_text())
    assert results["totals"]["passed"] == 1


def test_database_url_option_with_an_unknown_scheme_exits_2(tmp_path, capsys):
    config = passing_project(tmp_path)
    assert main(["run", "-c", str(config), "--database-url", "oracle://u:secret@db/x"]) == EXIT_USAGE
    error = capsys.readouterr().err
    assert "key '--database-url': expected a URL starting with postgresql://" in error
    assert "secret" not in error
