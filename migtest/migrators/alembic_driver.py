"""A worker that runs Alembic commands for migtest, in the version's own interpreter.

Started as `python -c "<this file's text>"`, so that this folder (whose alembic.py would shadow
Alembic) is not on sys.path. It imports Alembic once, then for each request read from stdin
forks a child that runs one command: every command starts from the same clean interpreter
(env.py and the app's models import fresh) without paying Alembic's import time again.
Only the standard library and alembic may be imported here.

Forking is cheap only from a warm state, so before each fork the worker has imported what every
command imports (Alembic's runtime, the dialect and driver of the request's URL), run the usual
operations once in that dialect on a throwaway database (library code only, never the user's),
and frozen its objects out of the garbage collector's reach: a child neither imports nor fills
first-use caches again, nor touches (and so copies) every page of the worker's heap when it
collects. Each command also reads the revision files once, not once more to resolve its target.

Request (one JSON line): {"ini" (alembic.ini, or the script folder), "direction" (upgrade,
downgrade, or history: list the revisions), "target", "url", "cwd", "env", "log", "prefix",
"file_prefix"}. Reply (one JSON line): {"code": exit code}; the command's output is in the file
"log", a line starting with "prefix" names the revision(s) the target resolved to (history: one
per revision, oldest first), and lines starting with "file_prefix" their script files (after an
upgrade: the newest files that ran).
"""

import contextlib
import gc
import importlib
import io
import json
import os
import sys
import traceback

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

# Imported by every command after Alembic itself: the migration runtime, the operations, the
# dialects' DDL (which imports SQLAlchemy's dialects) and logging.config (env.py's fileConfig).
RUNTIME = ("alembic.runtime.migration", "alembic.operations.toimpl", "alembic.ddl", "logging.config")
warm_drivers = set()


def warm(url: str) -> None:
    """Import the dialect and DBAPI driver of `url`, and rehearse, once per driver."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # the command reports a bad URL
        return
    if parsed.drivername not in warm_drivers:
        warm_drivers.add(parsed.drivername)
        with contextlib.suppress(Exception):  # a warm-up that fails only leaves the cost to the command
            dialect = parsed.get_dialect()
            (getattr(dialect, "import_dbapi", None) or dialect.dbapi)()  # SQLAlchemy 1.4 names it dbapi()
            rehearse(dialect.name)
        gc.freeze()


def rehearse(dialect: str) -> None:
    """Run the usual operations once in `dialect` (SQLite: on an in-memory database; others: as
    SQL text, offline), so that the caches SQLAlchemy and Alembic fill on first use (compiled
    regular expressions, memoized attributes of their classes, the SQLite reflection batch mode
    needs) are full in every command's process from its start."""
    import sqlalchemy as sa
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    with contextlib.ExitStack() as stack:
        if dialect == "sqlite":
            engine = sa.create_engine("sqlite://")
            stack.callback(engine.dispose)
            context = MigrationContext.configure(stack.enter_context(engine.begin()))
        else:
            offline = {"as_sql": True, "output_buffer": io.StringIO()}
            context = MigrationContext.configure(dialect_name=dialect, opts=offline)
        op = Operations(context)
        columns = [sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50), nullable=False)]
        op.create_table("rehearsal", *columns, sa.Column("amount", sa.Numeric(10, 2), server_default="0"))
        op.create_index("ix_rehearsal_name", "rehearsal", ["name"], unique=True)
        op.add_column("rehearsal", sa.Column("at", sa.DateTime, nullable=True))
        op.execute(sa.text("UPDATE rehearsal SET name = lower(name) WHERE id > :id").bindparams(id=0))
        with op.batch_alter_table("rehearsal") as batch:
            batch.alter_column("name", new_column_name="full_name", existing_type=sa.String(50))
            batch.drop_column("at")
            batch.create_check_constraint("ck_rehearsal_amount", "amount >= 0")
        op.drop_table("rehearsal")


def run_command(request: dict) -> None:
    if os.path.isdir(request["ini"]):  # the script folder itself, where no alembic.ini is shipped
        config = Config()
        config.set_main_option("script_location", request["ini"])
    else:
        config = Config(request["ini"])
    config.set_main_option("sqlalchemy.url", request["url"].replace("%", "%%"))
    script = load_once(config)
    if request["direction"] == "history":  # the revisions, oldest first, one per line
        for revision in reversed(list(script.walk_revisions())):
            print(request["prefix"] + revision.revision, flush=True)
        return
    getattr(command, request["direction"])(config, request["target"])
    try:
        revisions = script.get_revisions(request["target"])
    except Exception:  # relative targets such as "-1" resolve only against a database
        return
    resolved = " ".join(sorted(r.revision for r in revisions if r is not None))
    print(request["prefix"] + resolved, flush=True)
    for revision in revisions if request["direction"] == "upgrade" else ():  # a downgrade runs other files
        if revision is not None:
            print(request["file_prefix"] + revision.path, flush=True)


def load_once(config: Config) -> ScriptDirectory:
    """The script folder of `config`, which the command gets too instead of reading every
    revision file again (this process runs one command and ends)."""
    script = ScriptDirectory.from_config(config)
    load = ScriptDirectory.from_config
    ScriptDirectory.from_config = staticmethod(lambda other, *args: script if other is config else load(other, *args))
    return script


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
    for name in RUNTIME:
        importlib.import_module(name)
    gc.freeze()
    for line in sys.stdin:
        request = json.loads(line)
        warm(request["url"])
        pid = os.fork()
        if pid == 0:
            child(request)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        sys.stdout.write(json.dumps({"code": code}) + "\n")
        sys.stdout.flush()


serve()
