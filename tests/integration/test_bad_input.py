"""Bad input exits 2 with its cause named, never a traceback; input that would be wrong (or run
forever) is refused up front instead of accepted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from migtest.cli import EXIT_USAGE, main

NOT_UTF8 = b"\n-- caf\xe9\n"


@pytest.mark.parametrize(
    "relative", ["migtest.yml", "seeds/1.0.sql", "migrations/V2__add_nickname.sql", "migtest/steps/V2.yml"]
)
def test_file_that_is_not_utf8_exits_2_naming_it_and_the_byte(fixture_project, run_migtest, relative):
    project = fixture_project("flyway-base")
    project.write("migtest/steps/V2.yml", 'before: "1"\ntarget: "2"\n')
    path = project.root / relative
    path.write_bytes(path.read_bytes() + NOT_UTF8)
    outcome = run_migtest(project.config, command="steps")

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "migtest: error: " in outcome.output  # a seed file's error also names seed.sql's line before it
    assert f"{path}: not UTF-8: byte 0xe9 at offset" in outcome.output
    assert "Traceback" not in outcome.output


@pytest.mark.parametrize("where", ["--report-dir", "report.dir"])
def test_report_folder_that_cannot_be_made_exits_2_before_any_scenario(fixture_project, capsys, where):
    project = fixture_project("flyway-base")
    blocker = project.write("blocker", "a file where the report folder would be")
    options = ["--report-dir", str(blocker / "reports")] if where == "--report-dir" else []
    if where == "report.dir":
        project.configure(report={"dir": "blocker"})
    code = main(["run", "-c", str(project.config), *options])
    output = capsys.readouterr()

    assert code == EXIT_USAGE, output
    assert "[1/" not in output.out  # no scenario started
    expected = {
        "--report-dir": f"key '--report-dir': cannot write reports to {blocker / 'reports'}: Not a directory",
        "report.dir": f"{project.config}, key 'report.dir': cannot write reports to {blocker}: a file of that name",
    }[where]
    assert expected in output.err


def test_reports_that_fail_at_the_end_keep_the_results_and_say_where(fixture_project, capsys, tmp_path):
    """The folder was fine at the start and is taken away during the run (here by the seed command)."""
    reports = tmp_path / "reports"
    project = fixture_project("flyway-base")
    project.configure(seed={"command": f"sh -c 'rm -rf {reports} && touch {reports}'"}, matrix={"downgrade": "none"})
    code = main(["run", "-c", str(project.config), "--jobs", "1", "--report-dir", str(reports)])
    output = capsys.readouterr()

    assert code == EXIT_USAGE, output
    assert "3 scenarios, 0 failed, 0 skipped" in output.out
    message = output.err.strip().splitlines()[-1]
    assert message.startswith(f"migtest: error: cannot write reports to {reports}: "), message
    saved = Path(message.split("the results are saved in ", 1)[1].split(" ", 1)[0])
    try:
        assert [s["id"] for s in json.loads(saved.read_text())["scenarios"]] == [
            "fresh-1.0",
            "fresh-1.1",
            "upgrade-1.0-to-1.1",
        ]
        assert f"(migtest merge {saved.parent} --report-dir DIR writes the reports from them)" in message
    finally:
        shutil.rmtree(saved.parent)


def test_report_folder_without_permission_exits_2_before_any_scenario(fixture_project, capsys):
    """sysfs refuses a new folder to every user, root too (a mode-0555 folder would not stop root)."""
    project = fixture_project("flyway-base")
    refused = Path("/sys/migtest-reports")
    code = main(["run", "-c", str(project.config), "--report-dir", str(refused)])

    assert code == EXIT_USAGE
    output = capsys.readouterr()
    assert f"key '--report-dir': cannot write reports to {refused}: Operation not permitted" in output.err
    assert "[1/" not in output.out, "no scenario ran"


IMAGE_VERSIONS = [{"name": "1.0", "image": "app:1"}, {"name": "1.1", "image": "app:2"}]
UNCLOSED = "sh -c 'migrate up"


@pytest.mark.parametrize(
    ("key", "settings"),
    [
        ("migrations.install", {"migrations": {"tool": "command", "upgrade": "true", "install": UNCLOSED}}),
        ("verify.command", {"verify": {"command": UNCLOSED}}),
        (
            "app.services[0].command",
            {
                "versions": IMAGE_VERSIONS,
                "migrations": {"tool": "on-start"},
                "app": {
                    "health": "http://{host}:{port}/",
                    "services": [{"name": "c", "image": "c", "command": UNCLOSED}],
                },
            },
        ),
    ],
)
def test_unclosed_quote_in_any_command_exits_2_naming_the_key(fixture_project, run_migtest, key, settings):
    """The keys test_shell_commands.py does not cover (a service's command was split only when it started)."""
    project = fixture_project("flyway-base")
    project.configure(**settings)
    outcome = run_migtest(project.config, command="plan")

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert f"{project.config}:" in outcome.output
    assert f"key '{key}': cannot be split into arguments (no closing quotation)" in outcome.output


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda run: run["scenarios"][0].update(checks=[None]), "AttributeError"),
        (lambda run: run["scenarios"][0]["phases"][0].update(figures=None), ".scenarios[0].phases[0].figures is not a"),
        (lambda run: run["scenarios"][0]["checks"][0].update(status="fine"), "unknown status 'fine' of check"),
        (lambda run: run["scenarios"][0].update(kind="sideways"), "unknown scenario kind 'sideways'"),
        (lambda run: run.update(seconds="long"), ".seconds is not a float"),
    ],
)
def test_merge_of_a_results_file_of_another_shape_exits_2_naming_it(
    fixture_project, capsys, tmp_path, change, expected
):
    """Found by the fuzz test: values of other types passed the reading and broke the reports."""
    project = fixture_project("flyway-base")
    assert main(["run", "-c", str(project.config), "--only", "fresh-1.0", "--report-dir", str(tmp_path / "run")]) == 0
    results = tmp_path / "run/results.json"
    run = json.loads(results.read_text())
    change(run)
    results.write_text(json.dumps(run))
    capsys.readouterr()
    code = main(["merge", str(results), "--report-dir", str(tmp_path / "merged")])
    error = capsys.readouterr().err

    assert code == EXIT_USAGE, error
    assert f"migtest: error: {results}: not a migtest results.json: " in error and expected in error
