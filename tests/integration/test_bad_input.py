"""Bad input exits 2 with its cause named, never a traceback; input that would be wrong (or run
forever) is refused up front instead of accepted."""

from __future__ import annotations

import pytest

from migtest.cli import EXIT_USAGE

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
    assert f"migtest: error: {path}: not UTF-8: byte 0xe9 at offset" in outcome.output
    assert "Traceback" not in outcome.output
