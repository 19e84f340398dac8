"""`verify.command` for versions that are images: run in a throw-away container of the previous
release's image on the database the newest migrated, beside starting its app. Release 5 of the
example app renames items.name to title, which release 4's code still selects."""

from __future__ import annotations

from test_on_start import VERIFY, write_config

from migtest.cli import EXIT_FAILED

SELECT_NAME = "sa.create_engine(sys.argv[1]).connect().execute(sa.text('SELECT name FROM items')).all()"
READS_NAME = f'python3 -c "import sys, sqlalchemy as sa; {SELECT_NAME}" {{database_url}}'


def test_previous_image_runs_the_command_on_the_new_schema(tmp_path, app_image, run_migtest, leftovers):
    verify = {"api": [{**VERIFY[0], "versions": ["4"]}], "command": READS_NAME, "previous_release": "fail"}
    config = write_config(
        tmp_path,
        ["4", "5"],
        app_image,
        matrix={"fresh": False, "downgrade": "none"},
        checks={"renamed": {"items": {"name": "title"}}},
        verify=verify,
    )

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_FAILED, outcome.output
    assert outcome.failed_checks("upgrade-4-to-5") == {"previous-release"}
    check = outcome.check("upgrade-4-to-5", "previous-release")
    assert check["summary"] == "4 against the migrated database: GET /items: expected status 200, got 500 (and 1 more)"
    command = check["evidence"][1]
    assert command.startswith(f"command: verify.command in {app_image('4')}: exited with code 1\n")
    assert "no such column: name" in command
    assert leftovers() == {}
