"""A worker that runs Alembic commands for migtest, in the version's own interpreter.

Started as `python -c "<this file's text>"`, so that this folder (whose alembic.py would shadow
Alembic) is not on sys.path. It imports Alembic once, then forks a child per scenario that runs
the commands read from stdin: every scenario starts from the same clean interpreter (env.py and
the app's models import fresh) without paying Alembic's import time again, and the following
commands of a scenario (same script folder, database URL, folder and environment) run in its
child, which has the project's modules imported and the revision files read. A command of another
scenario gets a new child; a failed command ends its child. Only the standard library and alembic
may be imported here.

Forking is cheap only from a warm state, so before each fork the worker has imported what every
command imports (Alembic's runtime, the dialect and driver of the request's URL), run the usual
operations once in that dialect on a throwaway database (library code only, never the user's),
and frozen its objects out of the garbage collector's reach: a child neither imports nor fills
first-use caches again, nor touches (and so copies) every page of the worker's heap when it
collects. Each command also reads the revision files once, not once more to resolve its target.

Request (one JSON line): {"ini" (alembic.ini, or the script folder), "direction" (upgrade,
downgrade, or history: list the revisions), "target", "url", "cwd", "env", "log", "prefix",
"file_prefix", "scenario" (equal for the commands that may share a child)}. Reply (one JSON
line): {"code": exit code}; the command's output is in the file "log", a line starting with
"prefix" names the revision(s) the target resolved to (history: one per revision, oldest first),
and lines starting with "file_prefix" their script files (after an upgrade: the newest that ran).
"""

import contextlib
import gc
import importlib
import io
import json
import os
import signal
import sys
import traceback
import weakref

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

# Imported by every command after Alembic itself: the migration runtime, the operations, the
# dialects' DDL (which imports SQLAlchemy's dialects) and logging.config (env.py's fileConfig).
RUNTIME = ("alembic.runtime.migration", "alembic.operations.toimpl", "alembic.ddl", "logging.config")
warm_drivers = set()
read_script_folder = ScriptDirectory.from_config
scripts = {}  # in a child: the script folder its first command read (config file name -> it)
open_connections = weakref.WeakSet()


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
    """The script folder of `config`, read by a child's first command only (its commands share
    the release's tree) and given to the command too instead of it reading every revision file
    again."""
    if config.config_file_name not in scripts:
        scripts[config.config_file_name] = read_script_folder(config)
    script = scripts[config.config_file_name]
    ScriptDirectory.from_config = staticmethod(
        lambda other, *args: script if other is config else read_script_folder(other, *args)
    )
    return script


def track_connections() -> None:
    """Note every connection the commands' pools open, for close_connections()."""
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    event.listen(Pool, "connect", lambda _connection, record: open_connections.add(record))


def close_connections() -> None:
    """Close what a command's pools keep open: an idle child must not hold its scenario's
    database, which PostgreSQL would refuse to clone or drop."""
    for record in list(open_connections):
        with contextlib.suppress(Exception):  # one that failed to close is the server's to end
            record.close()
    open_connections.clear()


class Child:
    """A forked process serving the commands of one scenario, and the pipes to it."""

    def __init__(self, scenario: str) -> None:
        self.scenario = scenario
        requests, self.requests = os.pipe()
        self.replies, replies = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self.requests)
            os.close(self.replies)
            serve_scenario(requests, replies)
        os.close(requests)
        os.close(replies)

    def run(self, request: dict) -> int | None:
        """The command's exit code, or None when it succeeded and the child waits for the next.
        A child that ended while idle (killed from outside) fails the command with its code."""
        with contextlib.suppress(BrokenPipeError):
            data = (json.dumps(request) + "\n").encode()
            while data:
                data = data[os.write(self.requests, data) :]
            if os.read(self.replies, 16):
                return None
        return self.stop(kill=False)

    def stop(self, kill: bool = True) -> int:
        """End the child (kill: an idle one, which holds nothing that needs a clean exit)."""
        if kill:
            os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        os.close(self.requests)
        os.close(self.replies)
        return os.waitstatus_to_exitcode(status)


def serve_scenario(requests: int, replies: int) -> None:
    """In the forked child: run commands until the worker closes the pipe. A command's output
    goes to its log; a failed command ends the child, since it may have left state half-changed."""
    sys.path.insert(0, "")
    with os.fdopen(requests) as incoming, os.fdopen(replies, "w") as outgoing:
        for line in incoming:
            request = json.loads(line)
            log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.close(log)
            os.chdir(request["cwd"])
            os.environ.update(request["env"])
            try:
                run_command(request)
            except BaseException as exc:
                print_error(exc)
                end(1)
            close_connections()
            flush()
            outgoing.write("0\n")
            outgoing.flush()
    end(0)


def print_error(exc: BaseException) -> None:
    """The traceback from the first frame that is not this driver's (run with -c, its frames are
    in "<string>"): the driver's own frames are noise in a failed migration's evidence."""
    frames = exc.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename == "<string>":
        frames = frames.tb_next
    traceback.print_exception(type(exc), exc, frames)


def flush() -> None:
    sys.stdout.flush()
    sys.stderr.flush()


def end(code: int) -> None:
    flush()
    os._exit(code)


def serve() -> None:
    for name in RUNTIME:
        importlib.import_module(name)
    track_connections()
    gc.freeze()
    child = None
    for line in sys.stdin:
        request = json.loads(line)
        if child is not None and child.scenario != request["scenario"]:
            child.stop()
            child = None
        if child is None:
            warm(request["url"])
            child = Child(request["scenario"])
        code = child.run(request)
        if code is not None:
            child = None
        sys.stdout.write(json.dumps({"code": code or 0}) + "\n")
        sys.stdout.flush()


serve()
