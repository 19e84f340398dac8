"""Rolling deploy with `verify.command` on the host, SQLite (the file is shared, unlike in
containers): with `checks.rolling` set, release 1.0's command is run in a loop while 2.0 migrates.
2.0's script renames items.name, which 1.0's command reads, and adds it back, waiting in between
until 1.0's command, failing, connects to its socket (no sleep: the window is certain to be seen).
The default leaves the command out."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from migtest.cli import EXIT_FAILED, EXIT_OK

UPGRADE = "upgrade-1.0-to-2.0"
SOCKET = "read-failed.sock"  # relative: both commands run in the project's folder
UNWATCHED = "nobody-probes"  # the migration does not wait for a failure nobody would cause
MIGRATE = f'''
import os, pathlib, socket, sqlite3, sys

db = sqlite3.connect(os.environ["DATABASE_URL"].removeprefix("sqlite:///"), isolation_level=None)
db.execute("CREATE TABLE IF NOT EXISTS version (step INTEGER NOT NULL)")
at = db.execute("SELECT coalesce(max(step), 0) FROM version").fetchone()[0]
if sys.argv[1] == "current":
    sys.exit(print(at))
goal = 2 if sys.argv[2] == "head" else int(sys.argv[2])
if at < 1 <= goal:
    db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
if at < 2 <= goal:
    served = at == 1 and not pathlib.Path("{UNWATCHED}").exists()
    if served:  # listening before the rename, so that 1.0's first failure finds the socket
        pathlib.Path("{SOCKET}").unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX)
        listener.bind("{SOCKET}")
        listener.listen()
        listener.settimeout(60)
    db.execute("ALTER TABLE items RENAME COLUMN name TO title")
    if served:
        listener.accept()  # 1.0 has failed once (socket.timeout after 60 s: the upgrade fails)
        os.unlink("{SOCKET}")
    db.execute("ALTER TABLE items ADD COLUMN name TEXT")
    db.execute("UPDATE items SET name = title")
db.execute("DELETE FROM version")
db.execute("INSERT INTO version VALUES (?)", (max(at, goal),))
'''
CHECK = f'''
import os, socket, sqlite3

db = sqlite3.connect(os.environ["DATABASE_URL"].removeprefix("sqlite:///"))
try:
    print(db.execute("SELECT id, name FROM items").fetchall())
except sqlite3.Error:
    with socket.socket(socket.AF_UNIX) as told:
        told.connect("{SOCKET}")
    raise
'''


def project(folder: Path, **checks: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "migrate.py").write_text(MIGRATE)
    (folder / "check.py").write_text(CHECK)
    (folder / "seed.sql").write_text("INSERT INTO items (id, name) VALUES (1, 'lamp'), (2, 'desk');\n")
    settings = {
        "migrations": {
            "tool": "command",
            "upgrade": f"{sys.executable} migrate.py upgrade {{target}}",
            "current": f"{sys.executable} migrate.py current",
            "table": "version",
        },
        "versions": [{"name": "1.0", "revision": "1"}, {"name": "2.0", "revision": "2"}],
        "matrix": {"fresh": False, "downgrade": "none"},
        "seed": {"sql": "seed.sql"},
        "verify": {"command": f"{sys.executable} check.py"},
        "checks": {"idempotent": False, **checks},
    }
    path = folder / "migtest.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


def test_the_previous_release_command_fails_only_while_the_migration_runs(tmp_path, run_migtest):
    outcome = run_migtest(project(tmp_path / "project", rolling="fail"))

    assert outcome.exit_code == EXIT_FAILED, outcome.output
    assert outcome.failed_checks(UPGRADE) == {"rolling-deploy"}
    assert outcome.check(UPGRADE, "previous-release")["status"] == "passed"
    rolling = outcome.check(UPGRADE, "rolling-deploy")
    assert rolling["summary"].startswith("1.0 failed ") and " probe(s) during the " in rolling["summary"]
    assert rolling["summary"].endswith("verify.command (rolling deploy): exited with code 1")
    assert "no such column: name" in rolling["evidence"][1]


def test_by_default_the_command_is_not_run_during_the_migration(tmp_path, run_migtest):
    folder = tmp_path / "project"
    (folder / UNWATCHED).parent.mkdir(parents=True)
    (folder / UNWATCHED).touch()

    outcome = run_migtest(project(folder))

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert "rolling-deploy" not in {check["name"] for check in outcome.scenario(UPGRADE)["checks"]}
