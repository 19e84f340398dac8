"""A worker that runs Alembic commands for migtest, in the version's own interpreter.

Started as `python -c "<this file's text>"`, so that this folder (whose alembic.py would shadow
Alembic) is not on sys.path. It imports Alembic once, then for each request read from stdin
forks a child that runs one command: every command starts from the same clean interpreter
(env.py and the app's models import fresh) without paying Alembic's import time again.
Only the standard library and alembic may be imported here.

Request (one JSON line): {"ini" (alembic.ini, or the script folder), "direction" (upgrade,
downgrade, or history: list the revisions), "target", "url", "cwd", "env", "log", "prefix",
"file_prefix"}. Reply (one JSON
line): {"code": exit code}; the command's output is in the file "log", a line starting with
"prefix" names the revision(s) the target resolved to (history: one per revision, oldest
first), and lines starting with "file_prefix" their script files (after an upgrade: the newest
files that ran).
"""

import json
import os
import sys
import traceback

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory


def run_command(request: dict) -> None:
    if os.path.isdir(request["ini"]):  # the script folder itself, where no alembic.ini is shipped
        config = Config()
        config.set_main_option("script_location", request["ini"])
    else:
        config = Config(request["ini"])
    config.set_main_option("sqlalchemy.url", request["url"].replace("%", "%%"))
    if request["direction"] == "history":  # the revisions, oldest first, one per line
        for script in reversed(list(ScriptDirectory.from_config(config).walk_revisions())):
            print(request["prefix"] + script.revision, flush=True)
        return
    getattr(command, request["direction"])(config, request["target"])
    try:
        revisions = ScriptDirectory.from_config(config).get_revisions(request["target"])
    except Exception:  # relative targets such as "-1" resolve only against a database
        return
    resolved = " ".join(sorted(r.revision for r in revisions if r is not None))
    print(request["prefix"] + resolved, flush=True)
    for script in revisions if request["direction"] == "upgrade" else ():  # a downgrade runs other files
        if script is not None:
            print(request["file_prefix"] + script.path, flush=True)


def child(request: dict) -> None:
    """In the forked child: redirect output to the log, run, exit with the outcome."""
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.chdir(request["cwd"])
    os.environ.update(request["env"])
    sys.path.insert(0, "")
    code = 0
    try:
        run_command(request)
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def serve() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            child(request)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        sys.stdout.write(json.dumps({"code": code}) + "\n")
        sys.stdout.flush()


serve()
