"""Evidence keeps the line that matters: a real Alembic migration failing deep inside the standard
library (a traceback of some 300 lines) keeps its own frame and the error in results.json and the
console, and one 17 KB log line is capped instead of carried whole."""

from __future__ import annotations

import sys

from integration_support import failed

UPGRADE = "upgrade-1.1-to-2.0"
# A data migration deep-copying a nested settings tree that holds a lock: copy.py recurses 60
# levels (two frames each) before it fails, far from the migration's own line.
DEEP_COPY = """
import copy
import threading

settings = {"lock": threading.Lock()}
for _ in range(60):
    settings = {"nested": settings}
copy.deepcopy(settings)
"""
ERROR = "TypeError: cannot pickle '_thread.lock' object"


def test_deep_traceback_keeps_the_migrations_frame_and_its_error(fixture_project, run_migtest):
    project = fixture_project("alembic-base")
    revision = project.revision("0003", "0002", DEEP_COPY)
    project.add_version("2.0", "0003")
    frame_line = revision.read_text().splitlines().index("    copy.deepcopy(settings)") + 1

    outcome = run_migtest(project.config, "--only", UPGRADE)

    migration = failed(outcome, UPGRADE, "migration")["migration"]
    (evidence,) = migration["evidence"]
    lines = evidence.splitlines()
    assert f'  File "{revision}", line {frame_line}, in upgrade' in lines
    assert "    copy.deepcopy(settings)" in lines
    assert lines[-1] == ERROR
    assert any(line.startswith("... (") and line.endswith(" lines left out) ...") for line in lines)
    assert len(lines) < 60
    assert migration["location"] == {"path": "migrations/versions/0003.py", "line": frame_line}
    assert f"at migrations/versions/0003.py:{frame_line}" in outcome.output
    assert ERROR in outcome.output


def test_a_17_kb_log_line_is_capped(fixture_project, run_migtest):
    project = fixture_project("command-steps")
    settings = project.settings()
    project.write(
        "noisy.py",
        """
        import json, sys
        print(json.dumps({"event": "migrating", "payload": "x" * 17_000, "end": True}))
        sys.exit(3)
        """,
    )
    upgrade = f"{sys.executable} noisy.py {{target}}"
    project.configure(migrations={**settings["migrations"], "upgrade": upgrade})

    outcome = run_migtest(project.config, "--only", "fresh-1.0")

    install = failed(outcome, "fresh-1.0", "migration")["migration"]
    (line,) = install["evidence"]
    assert line.startswith('{"event": "migrating"') and line.endswith('"end": true}')
    assert "characters left out" in line and len(line) < 1100
    assert "x" * 1000 not in outcome.output
