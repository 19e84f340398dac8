"""Commands run without a shell: shell syntax, or a quote left open, is a configuration error
naming the key, found before anything runs; quoted operators are literal and fine."""

from __future__ import annotations

import pytest

from migtest.cli import EXIT_OK, EXIT_USAGE

COMMAND_KEYS = {
    "migrations.upgrade": lambda command: {"migrations": {"tool": "command", "upgrade": command}},
    "migrations.downgrade": lambda command: {
        "migrations": {"tool": "command", "upgrade": "true {target}", "downgrade": command}
    },
    "migrations.current": lambda command: {"migrations": {"tool": "command", "upgrade": "true", "current": command}},
    "migrations.history": lambda command: {"migrations": {"tool": "command", "upgrade": "true", "history": command}},
    "seed.command": lambda command: {"seed": {"command": command}},
    "versions[1].setup": lambda command: {
        "versions": [{"name": "1.0", "revision": "1"}, {"name": "1.1", "revision": "2", "setup": command}]
    },
}

SHELL_COMMANDS = {
    "and": ("migrate up && migrate check", "&&"),
    "or": ("migrate up || true", "||"),
    "pipe": ("migrate up | tee log", "|"),
    "sequence": ("migrate up; migrate check", ";"),
    "redirect": ("migrate up > log.txt", ">"),
    "input": ("psql {database_url} < dump.sql", "<"),
    "append": ("migrate up >>log.txt", ">>"),
    "stderr": ("migrate up 2>&1", "2>&1"),
    "substitution": ("migrate up $(cat target)", "$("),
    "backticks": ("migrate up `cat target`", "`"),
    "variable": ("migrate --url $DATABASE_URL", "$DATABASE_URL"),
    "background": ("migrate up &", "&"),
}


@pytest.mark.parametrize("command", ["plan", "run"])
@pytest.mark.parametrize("key", sorted(COMMAND_KEYS))
@pytest.mark.parametrize("case", sorted(SHELL_COMMANDS))
def test_shell_syntax_in_a_command_exits_2_naming_the_key(fixture_project, run_migtest, command, key, case):
    project = fixture_project("flyway-base")
    text, operator = SHELL_COMMANDS[case]
    project.configure(**COMMAND_KEYS[key](text))

    outcome = run_migtest(project.config, command=command)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert f"migtest: error: {project.config}:" in outcome.output
    assert f"key '{key}': '{operator}" in outcome.output
    assert "commands run without a shell" in outcome.output
    assert "write it as: sh -c '" in outcome.output
    assert "Traceback" not in outcome.output and outcome.results is None


@pytest.mark.parametrize("key", sorted(COMMAND_KEYS))
def test_unclosed_quote_exits_2_naming_the_key(fixture_project, run_migtest, key):
    project = fixture_project("flyway-base")
    project.configure(**COMMAND_KEYS[key]("sh -c 'migrate up"))

    outcome = run_migtest(project.config, command="plan")

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert f"{project.config}:" in outcome.output
    assert f"key '{key}': cannot be split into arguments (no closing quotation)" in outcome.output
    assert "Traceback" not in outcome.output


def test_operators_inside_quotes_are_literal_arguments(fixture_project, run_migtest, tmp_path):
    """`sh -c '... && ...'` is how to write it: the quoted operators reach sh, which runs both."""
    project = fixture_project("flyway-base")
    marker = tmp_path / "seeded"
    seed = f'sh -c \'test "$MIGTEST_VERSION" != "" && echo {{version}} >> {marker}; echo "a|b > c"\''
    matrix = {"upgrade": "none", "downgrade": "none"}
    project.configure(seed={"sql": "seeds/{version}.sql", "command": seed}, matrix=matrix)

    outcome = run_migtest(project.config, "--jobs", "1")

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert sorted(marker.read_text().split()) == ["1.0", "1.1"]


@pytest.mark.parametrize("key", sorted(COMMAND_KEYS))
@pytest.mark.parametrize("placeholder", ["{databse_url}", "{root}"])
def test_a_placeholder_migtest_does_not_fill_exits_2_naming_the_key(fixture_project, run_migtest, key, placeholder):
    """Left in the command as it is, it would fail every scenario with the program's own error
    (found on JupyterHub: `python {root}/hubdb.py` failed 8 of 8 scenarios with "can't open file")."""
    project = fixture_project("flyway-base")
    project.configure(**COMMAND_KEYS[key](f"python tool.py {placeholder}"))

    outcome = run_migtest(project.config, command="plan")

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert f"key '{key}': {placeholder} is no placeholder migtest fills; it fills {{database_url}}" in outcome.output
    assert "Traceback" not in outcome.output and outcome.results is None
