"""What a run starts writes its temporary files in the run's folder, removed with it: an app's
lock file in /tmp (mcp-contextforge-gateway leaves `gateway_service_leader.lock` there) does not
outlive the run."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from migtest.cli import EXIT_OK

LEAVES_A_LOCK = (
    "import pathlib, sys, tempfile; folder = tempfile.gettempdir();"
    " pathlib.Path(folder, 'app.lock').touch(); pathlib.Path(sys.argv[1]).write_text(folder)"
)


def test_a_commands_temporary_files_go_with_the_run(fixture_project, run_migtest, tmp_path, monkeypatch):
    scratch, seen = tmp_path / "scratch", tmp_path / "seen"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)  # chosen again, from TMPDIR
    project = fixture_project("alembic-base")
    project.configure(verify={"command": f'{sys.executable} -c "{LEAVES_A_LOCK}" {seen}'})

    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    used = Path(seen.read_text())
    assert used.parent.parent == scratch and used.parent.name.startswith("migtest-")  # the run's folder
    assert list(scratch.iterdir()) == []
