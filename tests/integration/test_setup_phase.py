"""A version's `setup:` is a phase of its own: run once before the scenarios, its output streamed
on the console while it runs, its time reported apart (results.json `setups`, summary.md), and a
cached setup reported as cached in 0 s; a failing one stops the run with exit code 2 naming it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from started import Started

from migtest.cli import EXIT_OK, EXIT_USAGE
from migtest.errors import StepFailed
from migtest.masking import register_secret
from migtest.run.process import stream

SECRET = "setup-token-8d1f"


def with_setup(fixture_project, setup: str):
    project = fixture_project("alembic-base")
    versions = project.settings()["versions"]
    versions[0]["setup"] = setup
    project.configure(versions=versions)
    return project


def test_setup_output_streams_under_its_line_and_is_timed_apart_then_cached(fixture_project, run_migtest):
    register_secret(SECRET)
    project = with_setup(fixture_project, f"sh -c 'echo fetching {{version}}; echo token {SECRET}; mkdir data'")

    first = run_migtest(project.config, "--only", "fresh")

    assert first.exit_code == EXIT_OK, first.output
    lines = first.output.splitlines()
    start = lines.index("setup 1.0")
    assert lines[start + 1 : start + 3] == ["  | fetching 1.0", "  | token ***"]
    assert lines[start + 3].split()[:2] == ["setup", "1.0"] and lines[start + 3].endswith("s")
    assert lines[start + 4].startswith("[1/2] fresh install of 1.0"), "the setup runs before any scenario"
    assert SECRET not in first.output
    [setup] = first.results["setups"]
    assert (setup["name"], setup["status"], setup["detail"]) == ("setup 1.0", "passed", "")
    phases = [phase["name"] for scenario in first.results["scenarios"] for phase in scenario["phases"]]
    assert "setup 1.0" not in phases, "the setup is not charged to a scenario's install"
    assert f"Environments: setup 1.0 {setup['seconds']:.1f}s." in (first.report_dir / "summary.md").read_text()

    second = run_migtest(project.config, "--only", "fresh")

    assert second.exit_code == EXIT_OK, second.output
    assert "fetching" not in second.output
    (cached,) = second.results["setups"]
    assert cached.pop("start") >= 0  # seconds since the run began: where report.html draws it
    assert cached == {"name": "setup 1.0", "seconds": 0.0, "status": "passed", "detail": "cached", "figures": {}}
    assert "Environments: setup 1.0 cached." in (second.report_dir / "summary.md").read_text()


def test_setup_is_folded_into_a_github_group(fixture_project, run_migtest, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    project = with_setup(fixture_project, "sh -c 'echo ::error::not a command; mkdir data'")

    outcome = run_migtest(project.config, "--only", "fresh-1.0")

    lines = outcome.output.splitlines()
    start = lines.index("::group::setup 1.0")
    token = lines[start + 1].removeprefix("::stop-commands::")
    assert lines[start + 2 : start + 5] == ["  | ::error::not a command", f"::{token}::", "::endgroup::"]
    assert lines[start + 5].split()[:2] == ["setup", "1.0"]


def test_failing_setup_is_exit_2_naming_its_key_with_its_output(fixture_project, run_migtest):
    project = with_setup(fixture_project, "sh -c 'echo compiling {version}; echo no compiler >&2; exit 3'")

    outcome = run_migtest(project.config, "--only", "fresh")

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "  | compiling 1.0" in outcome.output
    lines = outcome.output.splitlines()
    assert lines[0].startswith("run id ")
    assert "setup of version 1.0: exited with code 3" in lines[4]
    assert "FAILED" in lines[4]
    error = outcome.output[outcome.output.index("migtest: error:") :]
    assert error.startswith(f"migtest: error: {project.config}, key 'versions[0].setup': setup of version 1.0:")
    assert "the end of its output:\ncompiling 1.0\nno compiler" in error
    assert "Traceback" not in outcome.output
    assert not setup_folders(project.root), "a failed setup leaves no folder to reuse"


def test_stream_hands_over_each_line_while_the_command_still_runs(tmp_path: Path):
    """The command waits for a file that only the handler of its first line creates: handed
    over only at the end, the command would never end and the bounded wait would fail."""
    seen: list[str] = []

    def on_line(line: str) -> None:
        seen.append(line)
        (tmp_path / "go").touch()

    script = "\n".join(
        [
            "import os, time",
            "print('first', flush=True)",
            "while not os.path.exists('go'): time.sleep(0.01)",
            "print('second')",
        ]
    )
    output = stream([sys.executable, "-c", script], cwd=tmp_path, what="streamed", timeout=60, on_line=on_line)

    assert seen == ["first", "second"] and output == "first\nsecond\n"


def test_stream_timeout_stops_the_command_and_says_what_it_waited_for(tmp_path: Path):
    with pytest.raises(StepFailed) as caught:
        stream(["sh", "-c", "echo started; sleep 60"], cwd=tmp_path, what="setup of x", timeout=1, on_line=print)
    assert str(caught.value) == "setup of x: still running after 1s"
    assert caught.value.output == "started"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_interrupted_setup_stops_its_command_and_leaves_no_folder(fixture_project, tmp_path, signum):
    marker = f"sleep 600.{os.getpid()}{int(signum)}"  # a child of the shell, which the group kill must reach
    project = with_setup(fixture_project, f"sh -c 'echo started; {marker}; echo done'")
    run = Started("run", "-c", project.config, "--report-dir", tmp_path / "r")
    run.wait_for(lambda line: line == "  | started\n", "the setup's first line")
    run.send(signum)
    code, output = run.finish()

    assert code == 130, output
    assert "FAILED   interrupted" in output and "Traceback" not in output
    assert gone_within(marker, seconds=30), "the setup's command still runs"
    assert not setup_folders(project.root)


def setup_folders(root: Path) -> list[Path]:
    """What the cache holds but the lock files, which stay (empty) for the next run to take."""
    return [path for path in (root / ".migtest-cache").iterdir() if path.suffix != ".lock"]


def gone_within(marker: str, seconds: float) -> bool:
    """No process matches `marker` any more: the kernel ends SIGKILLed processes a moment after the
    signal, later on a loaded machine, so this waits for it (bounded)."""
    deadline = time.monotonic() + seconds
    while subprocess.run(["pgrep", "-f", marker], capture_output=True).stdout:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
