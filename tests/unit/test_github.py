"""GitHub Actions: escaping of workflow commands, the summary cut under the size limit, inputs."""

from __future__ import annotations

import pytest

from migtest.commands.action import Inputs
from migtest.errors import ConfigError
from migtest.reports.github import cut, escape_data, escape_property


def test_escaping_keeps_messages_on_one_line_and_properties_parseable():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("db/V1__a,b:c.sql") == "db/V1__a%2Cb%3Ac.sql"


def test_cut_summary_closes_its_code_block_and_names_what_it_left_out():
    scenarios = [f"#### upgrade {n} -> {n + 1}\n\n```text\n" + "x" * 500 + "\n```\n" for n in range(20)]
    text = "## migtest\n\n" + "".join(scenarios)
    limit = 4096
    short = cut(text, limit)

    assert len(short.encode()) <= limit
    assert short.count("```") % 2 == 0
    assert "**Summary cut at 4 KiB** (GitHub's limit)" in short
    assert "upgrade 19 -> 20" in short.splitlines()[-1]
    assert cut(text, len(text.encode())) == text


def inputs(**values: str) -> Inputs:
    return Inputs.read({f"INPUT_{name.upper()}": value for name, value in values.items()})


def test_inputs_become_the_command_line():
    assert inputs().arguments() == ["run", "-c", "migtest.yml"]
    run = inputs(scenarios="upgrade-1-to-2, fresh-*\ndowngrade", jobs="3", report_dir="out", database_url="x://")
    assert run.arguments() == [
        "run", "-c", "migtest.yml", "--only", "upgrade-1-to-2", "--only", "fresh-*", "--only", "downgrade",
        "--report-dir", "out", "--jobs", "3", "--database-url", "x://",
    ]  # fmt: skip
    assert inputs(command="plan", config="ci/m.yml").arguments() == [
        "plan", "-c", "ci/m.yml", "--format", "github-matrix",
    ]  # fmt: skip
    assert inputs(command="merge", merge_dirs="a b\nc").arguments() == ["merge", "a", "b", "c"]
    assert inputs(fail_on_failure="FALSE").fail_on_failure is False


def test_comment_input_adds_the_comment_options_to_run_and_merge_only():
    comment = ["--comment", "--comment-token-variable", "INPUT_TOKEN"]
    assert inputs(comment="true").arguments() == ["run", "-c", "migtest.yml", *comment]
    assert inputs(command="merge", merge_dirs="a", comment="True", comment_name="pg-16").arguments() == [
        "merge", "a", "--comment", "--comment-name", "pg-16", "--comment-token-variable", "INPUT_TOKEN",
    ]  # fmt: skip
    assert "--comment" not in inputs(command="plan", comment="true").arguments()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"command": "test"}, "key 'command': must be one of run, plan, merge, got 'test'"),
        ({"jobs": "0"}, "key 'jobs': must be a whole number of at least 1, got '0'"),
        ({"fail_on_failure": "yes"}, "key 'fail_on_failure': must be true or false, got 'yes'"),
        ({"comment": "on"}, "key 'comment': must be true or false, got 'on'"),
        ({"comment_name": "pg 16"}, "key 'comment_name': use 1 to 64 letters, digits, '.', '_' or '-', got 'pg 16'"),
        ({"command": "merge"}, "key 'merge_dirs': command 'merge' needs the report directories to combine"),
    ],
)
def test_bad_inputs_name_the_input(values, message):
    with pytest.raises(ConfigError) as error:
        inputs(**values)
    assert str(error.value) == message


def test_merge_dirs_globs_are_expanded_as_no_shell_does(tmp_path, monkeypatch):
    for name in ("migtest-upgrade-1-to-2", "migtest-fresh-1"):
        (tmp_path / "runs" / name).mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    arguments = inputs(command="merge", merge_dirs="runs/* missing").arguments()
    assert arguments == ["merge", "runs/migtest-fresh-1", "runs/migtest-upgrade-1-to-2", "missing"]
