"""A worker that runs Alembic commands for migtest, in the version's own interpreter.

Started from its file by a line of `python -c` (alembic.py's BOOT), so that this folder (whose
alembic.py would shadow Alembic) is not on sys.path, and its bytecode is cached as a module's. It
imports Alembic once, then forks a zygote per release tree (the script folder of the request, a few
at a time) that reads the tree's revision files once, and forks from that state a child per
scenario that runs the commands read from stdin. The following commands of a scenario (same script
folder, database URL, folder and environment) run in its child, which has the project's modules
imported; a command of another scenario gets a new child; a failed command ends its child. The
zygote imports what env.py imports first thing (the project's models, say) before its first child,
and SQLAlchemy's modules that env.py or the project's modules it imports name (its ORM, which
models import; found by reading their source; the worker imports them too, for the next trees'
zygotes), and a child's first command reports the modules it imported, which the zygote imports
before forking the next child: a scenario's first command neither reads the revision files nor
imports the project's modules again, and a release's code never reaches another release's children.

A zygote must leave its children as a fresh interpreter would have started with their scenario's
environment: it notes the environment variables read while it loads (a settings module that reads
DATABASE_URL at import, say), and a scenario whose values differ, a tree whose loading read a
variable that env.py sets (before it imports what read it), or whose loading failed or left a file
or thread open, is served by children forked from the worker itself, each loading the tree anew
as before. env.py runs afresh for every command. Only the standard library and
alembic may be imported here.

Forking is cheap only from a warm state, so before each fork the worker has imported what every
command imports (Alembic's runtime, the dialect and driver of the request's URL), run the usual
operations once in that dialect on a throwaway database (library code only, never the user's),
and frozen its objects out of the garbage collector's reach: a child neither imports nor fills
first-use caches again, nor touches (and so copies) every page of the worker's heap when it
collects. What Alembic and SQLAlchemy import for other uses than a migration (mako's templates,
say) the worker imports lazily: it runs in the child that first uses it, and in no other. Each
command also reads the revision files once, not once more to resolve its target.

Request (one JSON line): {"ini" (alembic.ini, or the script folder), "direction" (upgrade,
downgrade, or history: list the revisions), "target", "url", "cwd", "env", "log", "prefix",
"file_prefix", "scenario" (equal for the commands that may share a child)}. Reply (one JSON
line): {"code": exit code}; the command's output is in the file "log", a line starting with
"prefix" names the revision(s) the target resolved to (history: one per revision of the target
heads, "heads" or revision ids, and their ancestors, oldest first), and lines starting with
"file_prefix" their script files (after an upgrade: the newest that ran; history: each revision's,
after its line).
"""

# ruff: noqa: E402 - the collector is turned off before anything else is imported
import gc

# What the worker imports and a zygote loads lives as long as they do: the collections that making
# it would trigger (about 12% of Alembic's import) find no garbage worth their walk. The collector is
# off until it is frozen, and on again before any child is forked (see serve() and Zygote.prepare).
gc.disable()

import ast
import contextlib
import functools
import importlib
import importlib.machinery
import importlib.util
import io
import itertools
import json
import os
import signal
import sys
import traceback
import weakref

# Imported with Alembic and SQLAlchemy, used by no upgrade, downgrade or history: mako's templates,
# which only `alembic revision` renders (its error pages import pygments: about a fifth of the
# import), what reads a distribution's metadata file (the email package) or a pyproject.toml, and
# SQLAlchemy's dialects for the asyncpg, pg8000 and psycopg2cffi drivers (imported with its
# PostgreSQL dialect, used only by a URL that names them). The worker imports them
# lazily (importlib's LazyLoader): a module runs as it would have, in the child that first reads
# one of its attributes, and in none that does not.
LAZY = (
    *("mako.exceptions", "mako.runtime", "mako.codegen", "mako.cache", "mako.parsetree", "mako.pyparser"),
    *("importlib.metadata._adapters", "tomllib"),
    *(f"sqlalchemy.dialects.postgresql.{name}" for name in ("asyncpg", "pg8000", "psycopg2cffi")),
)


class LazyFinder:
    """On sys.meta_path while the worker imports Alembic: the modules of LAZY found on sys.path
    are made lazy (their code runs when one of their attributes is first read)."""

    @staticmethod
    def find_spec(name: str, path=None, target=None):
        if name not in LAZY:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


sys.meta_path.insert(0, LazyFinder)  # until import_runtime() has imported Alembic's runtime
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

# Imported by every command after Alembic itself: the migration runtime, the operations, the
# dialects' DDL (which imports SQLAlchemy's dialects) and logging.config (env.py's fileConfig).
RUNTIME = ("alembic.runtime.migration", "alembic.operations.toimpl", "alembic.ddl", "logging.config")
warm_drivers = set()
read_script_folder = ScriptDirectory.from_config
ZYGOTES = 4  # zygotes a worker keeps, one per release tree: the trees of the releases in use
AHEAD = {"sqlalchemy"}  # packages whose modules a zygote imports before env.py names them (library_imports)
SCANNED = 32  # source files a zygote reads at most to find what env.py imports of them
ALL = "="  # no variable's name: the whole environment was read
env_reads = set()  # in a zygote preparing: the variables read
env_sets = set()  # in a child's first command: the variables it set or removed
pipes = set()  # in this process: the pipes to the processes it forked
channel = []  # in a forked process: its pipes to its parent
scripts = {}  # in a child: the script folder its first command read (config file name -> it)
open_connections = weakref.WeakSet()
compiled = {}  # in a zygote and its children: env.py's code (path -> its source, its code)
ahead = []  # in a zygote: the modules of SQLAlchemy it imported before env.py named them
compile_source = importlib.machinery.SourceFileLoader.source_to_code


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


def import_runtime() -> None:
    """Import what every command imports, then import as usual again."""
    try:
        for name in RUNTIME:
            importlib.import_module(name)
    finally:
        sys.meta_path.remove(LazyFinder)


def freeze() -> None:
    """Keep what this process made so far out of the collector's reach, so that the children forked
    from it neither collect it nor copy its pages by collecting, and turn the collector (back) on:
    a child collects its own garbage as any interpreter does."""
    gc.freeze()
    gc.enable()


def run_command(request: dict) -> None:
    config = config_of(request)
    script = load_once(config)
    if request["direction"] == "history":  # the target's revisions and their ancestors, oldest first
        walked = (revision for head in request["target"].split() for revision in script.walk_revisions("base", head))
        for revision in reversed(list({revision.revision: revision for revision in walked}.values())):
            print(request["prefix"] + revision.revision, flush=True)
            print(request["file_prefix"] + revision.path, flush=True)
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


def config_of(request: dict) -> Config:
    if os.path.isdir(request["ini"]):  # the script folder itself, where no alembic.ini is shipped
        config = Config()
        config.set_main_option("script_location", request["ini"])
    else:
        config = Config(request["ini"])
    config.set_main_option("sqlalchemy.url", request["url"].replace("%", "%%"))
    return config


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


class Forked:
    """A forked process that answers JSON lines with JSON lines over two pipes. The pipes of the
    other processes this one forked, and its own to its parent, are closed in it, so that each
    sees the end of its requests when its parent closes them, and its parent the end of its
    replies when it ends."""

    def __init__(self, main) -> None:
        requests, to_child = os.pipe()
        from_child, replies = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            for fd in (to_child, from_child, *pipes, *channel):
                os.close(fd)
            pipes.clear()
            channel[:] = [requests, replies]
            try:
                main(os.fdopen(requests), os.fdopen(replies, "w"))
            finally:
                end(0)
        os.close(requests)
        os.close(replies)
        pipes.update((to_child, from_child))
        self.outgoing = os.fdopen(to_child, "w")
        self.incoming = os.fdopen(from_child)

    def ask(self, message: dict) -> dict | None:
        """Its reply, or None when it ended instead."""
        try:
            self.outgoing.write(json.dumps(message) + "\n")
            self.outgoing.flush()
        except BrokenPipeError:
            return None
        reply = self.incoming.readline()
        return json.loads(reply) if reply else None

    def stop(self, kill: bool) -> int:
        """End it (kill: at once; otherwise it ends on the end of its requests) and its exit code."""
        if kill:
            os.kill(self.pid, signal.SIGKILL)
        pipes.difference_update((self.outgoing.fileno(), self.incoming.fileno()))
        with contextlib.suppress(BrokenPipeError):
            self.outgoing.close()
        _, status = os.waitpid(self.pid, 0)
        self.incoming.close()
        return os.waitstatus_to_exitcode(status)


class Scenarios:
    """The child serving the current scenario of a process (the worker, or a tree's zygote), forked
    for a scenario's first command and ended when another scenario comes or a command fails."""

    def __init__(self, main, before_fork=lambda request: None) -> None:
        self.main = main
        self.before_fork = before_fork  # may raise Unsafe: the child must not come from here
        self.child: Forked | None = None
        self.scenario: str | None = None

    def run(self, request: dict) -> tuple[int, dict]:
        """The command's exit code, and what its child learnt if it was its first (the modules it
        imported, the environment variables it set). A child that ended while idle (killed from
        outside) fails the command with its code."""
        if self.child is not None and self.scenario != request["scenario"]:
            self.drop()
        if self.child is None:
            self.before_fork(request)
            self.child, self.scenario = Forked(self.main), request["scenario"]
        reply = self.child.ask(request)
        if reply is not None:
            return 0, reply
        code, self.child = self.child.stop(kill=False), None
        return code, {}

    def drop(self) -> None:
        """End an idle child, which holds nothing that needs a clean exit."""
        if self.child is not None:
            self.child.stop(kill=True)
            self.child = None


class Unsafe(Exception):
    """A zygote whose children would not start as a fresh interpreter with the scenario's
    environment would (a module read a variable that differs, left a file or thread open)."""


class RecordedEnviron(os._Environ):
    """os.environ while a zygote prepares: notes the variables read (ALL: the whole of it)."""

    def __getitem__(self, key):
        env_reads.add(key)
        return super().__getitem__(key)

    def __iter__(self):
        env_reads.add(ALL)
        return super().__iter__()


class WatchedEnviron(os._Environ):
    """os.environ while a child's first command runs: notes the variables it sets or removes
    (update, setdefault, pop and the rest go through these)."""

    def __setitem__(self, key, value):
        env_sets.add(key)
        super().__setitem__(key, value)

    def __delitem__(self, key):
        env_sets.add(key)
        super().__delitem__(key)


class Zygote:
    """In a tree's zygote: what it loaded and with which environment variables it did."""

    def __init__(self, request: dict) -> None:
        self.seen: dict[str, str | None] = {}  # the variables preparing read, and their values
        self.whole: dict[str, str] | None = None  # the environment, if preparing read all of it
        self.unsafe: str | None = None
        self.pending: list[str] = []  # modules the children imported that are not loaded here yet
        self.set_by_commands: set[str] = set()  # the variables a child's first command (env.py) set
        self.base = dict(os.environ)
        self.prepare(request, lambda: load_tree(config_of(request)))

    def prepare(self, request: dict, load) -> None:
        """Run `load` as a command would (its folder, environment, output in its log), noting
        what it read of the environment and whether it left files or threads open. The output of
        a load that leaves this zygote unsafe is taken out of the log again: a command run
        without the zygote then loads and prints it itself."""
        fds = open_fds()
        os.environ.update(request["env"])
        logged = os.path.getsize(request["log"]) if os.path.exists(request["log"]) else 0
        redirect(request["log"])
        env_reads.clear()
        os.environ.__class__ = RecordedEnviron
        gc.disable()
        try:
            load()
        except BaseException as exc:  # a broken release: the command, run without a zygote, reports it
            self.unsafe = f"preparing failed: {exc!r}"
        finally:
            os.environ.__class__ = os._Environ
            flush()
            redirect(os.devnull)
            effective = dict(os.environ)
            self.seen.update({key: effective.get(key) for key in env_reads - {ALL}})
            if ALL in env_reads:
                self.whole = effective
            os.environ.clear()
            os.environ.update(self.base)
        if "threading" in sys.modules and sys.modules["threading"].active_count() > 1:
            self.unsafe = "preparing started a thread"
        if open_fds() - fds:
            self.unsafe = "preparing left a file open"
        if self.unsafe:
            os.truncate(request["log"], logged)
        freeze()

    def ready(self, request: dict) -> None:
        """Before forking the child of `request`'s scenario: the modules of earlier children
        loaded, or Unsafe when this zygote must not be its parent."""
        effective = {**self.base, **request["env"]}
        changed = sorted(key for key, value in self.seen.items() if effective.get(key) != value)
        if self.whole is not None and self.whole != effective:
            changed.append("the whole environment")
        if not self.unsafe and changed:
            self.unsafe = f"preparing read {changed[0]}, which differs for this scenario"
        if not self.unsafe and self.pending:
            self.prepare(request, lambda: preload(self.pending))
            self.pending = []
        if not self.unsafe and self.set_by_commands & self.seen.keys():
            name = min(self.set_by_commands & self.seen.keys())
            self.unsafe = f"preparing read {name}, which env.py sets before it imports what it loaded"
        if self.unsafe:
            raise Unsafe(self.unsafe)

    def learn(self, learnt: dict) -> None:
        """What a child's first command did that the next child's preparation must know: the
        modules it imported (imported here before the next fork), the variables it set (a module
        imported here that read one would not be the one env.py imported after setting it)."""
        self.pending += learnt.get("modules", [])
        self.set_by_commands.update(learnt.get("set", []))


def load_tree(config: Config) -> None:
    """Read the tree's revision files, compile its env.py, and import the modules env.py imports
    first thing that a command finds before env.py runs (the project's models, often): the first
    scenario's child then imports none of them either, instead of importing them once more than
    the zygote does."""
    script = load_once(config)
    script.revision_map.heads  # noqa: B018 - reads every revision file
    path = script.env_py_location
    try:
        with open(path, "rb") as file:
            source = file.read()
        code = compile(source, path, "exec", dont_inherit=True)
    except (OSError, SyntaxError, ValueError):  # the command reports what is wrong with it
        return
    compiled[path] = (source, code)
    tree = ast.parse(source, path)
    preload([name for name in leading_imports(tree) if findable(name)])
    ahead[:] = importable(library_imports(tree))


def leading_imports(tree: ast.Module) -> list[str]:
    """The modules a Python file imports before it does anything else (after its docstring), by
    name: nothing it does can change what they are, or what they see as they are imported (not
    the environment, sys.path, or the logging configuration, which names the loggers that exist
    when it is made), so importing them ahead is what it would do first."""
    names = []
    for index, node in enumerate(tree.body):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif not (index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            break
    return names


def library_imports(tree: ast.Module) -> list[str]:
    """The modules of SQLAlchemy that env.py imports anywhere in it, or that a module it imports
    does (the project's models import its ORM, say), found by reading their source, not running
    it (at most SCANNED files). A zygote imports them before its first child, with the collector
    off: otherwise that child imports them as it imports the models (with the collector on), and
    the zygote once more after it reported them. Safe ahead of anything env.py does first, as
    SQLAlchemy's core is, which the worker imports before any tree: its modules read nothing of
    the environment as they are imported, and resolve within the package the worker imported
    whatever env.py does to sys.path. The project's own modules are still imported as before."""
    wanted: list[str] = []
    files: set[str] = set()
    pending = [(tree, "")]
    while pending:
        module_tree, package = pending.pop(0)
        for name in imported_names(module_tree, package):
            spec = None if name in sys.modules or name in wanted else spec_of(name)
            if spec is None:
                continue
            if name.partition(".")[0] in AHEAD:
                wanted.append(name)
            elif spec.origin and spec.origin.endswith(".py") and spec.origin not in files and len(files) < SCANNED:
                files.add(spec.origin)
                with contextlib.suppress(OSError, SyntaxError, ValueError):  # its import reports it
                    with open(spec.origin, "rb") as file:
                        source = file.read()
                    is_package = spec.submodule_search_locations is not None
                    pending.append((ast.parse(source, spec.origin), name if is_package else name.rpartition(".")[0]))
    return wanted


def imported_names(tree: ast.Module, package: str) -> list[str]:
    """The modules a file of `package` imports anywhere in it, by absolute name (for `from a
    import b`, a and a.b: b may be a module)."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                if node.level > len(parts):
                    continue
                base = ".".join([*parts[: len(parts) - node.level + 1], *([base] if base else [])])
            names += [base, *(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")]
    return names


def spec_of(name: str) -> importlib.machinery.ModuleSpec | None:
    """Where module `name` is, found on sys.path as it is (or in its imported parent package),
    without importing it or its parents."""
    parts = name.split(".")
    search, spec = None, None
    for index in range(len(parts)):
        prefix = ".".join(parts[: index + 1])
        module = sys.modules.get(prefix)
        try:  # a lazy module's attribute would run it: its spec is read past its class
            spec = (
                object.__getattribute__(module, "__spec__")
                if module is not None
                else importlib.machinery.PathFinder.find_spec(prefix, search)
            )
        except Exception:  # a path entry or namespace package it cannot read: not worth reading
            return None
        if spec is None or (index < len(parts) - 1 and spec.submodule_search_locations is None):
            return None
        search = spec.submodule_search_locations
    return spec


def importable(names: list[str]) -> list[str]:
    """Import `names` ahead, and those that imported: one that fails (an optional dependency it
    needs is not installed, say) is left to env.py, whose command reports it, rather than failing
    the zygote's loading, or the worker."""
    imported = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # env.py imports it, and its command says why it fails
            continue
        imported.append(name)
    return imported


def source_to_code(loader, data, path, *, _optimize=-1):
    """SourceFileLoader's compile, which env.py's every run calls where no bytecode is written
    (PYTHONDONTWRITEBYTECODE, as container images often set): the code its zygote compiled from
    the same source, if it did."""
    source, code = compiled.get(path, (None, None))
    if data == source and _optimize == -1:
        return code
    return compile_source(loader, data, path, _optimize=_optimize)


def findable(name: str) -> bool:
    """Whether the package of module `name` is found on sys.path as it is (env.py may extend it
    first: what it would find there is left to its command), without running any of its code."""
    try:
        return importlib.util.find_spec(name.partition(".")[0]) is not None
    except (ImportError, ValueError):
        return False


def preload(names: list[str]) -> None:
    """Import what an earlier child imported, so that the children to come have it loaded."""
    for name in names:
        module = sys.modules.get(name)
        if module is None:
            importlib.import_module(name)


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"))


def redirect(path: str) -> None:
    """This process's output (fds 1 and 2) to the end of `path`."""
    log = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)


def serve_tree(request: dict, incoming, outgoing) -> None:
    """In a tree's zygote: fork a child per scenario from what the tree's commands load."""
    sys.path.insert(0, "")
    os.chdir(request["cwd"])
    zygote = Zygote(request)
    scenarios = Scenarios(serve_scenario, before_fork=zygote.ready)
    report = list(ahead)  # told to the worker with the first reply, for the zygotes it forks next
    for line in incoming:
        request = json.loads(line)
        reply = {}
        if request.get("drop"):
            scenarios.drop()
        else:
            try:
                reply["code"], learnt = scenarios.run(request)
                zygote.learn(learnt)
            except Unsafe as exc:
                reply["unsafe"] = str(exc)
            reply["ahead"], report = report, []
        outgoing.write(json.dumps(reply) + "\n")
        outgoing.flush()
    scenarios.drop()


def serve_scenario(incoming, outgoing, fresh: bool = False) -> None:
    """In a scenario's child: run commands until its parent closes the pipe. A command's output
    goes to its log; a failed command ends the child, since it may have left state half-changed.
    The reply to its first command names the modules it imported and the environment variables it
    set. Fresh: forked from the worker, not a zygote, which has put the commands' folder first on
    sys.path already."""
    if fresh:
        sys.path.insert(0, "")
    before = len(sys.modules)
    for line in incoming:
        request = json.loads(line)
        redirect(request["log"])
        os.chdir(request["cwd"])
        environ = os.environ  # the same object after the command, even if env.py rebinds os.environ
        environ.update(request["env"])
        if before:
            environ.__class__ = WatchedEnviron
        try:
            run_command(request)
        except BaseException as exc:
            print_error(exc)
            end(1)
        environ.__class__ = os._Environ
        close_connections()
        flush()
        learnt = {"modules": imported_since(before), "set": sorted(env_sets)} if before else {}
        before = 0
        outgoing.write(json.dumps(learnt) + "\n")
        outgoing.flush()


def imported_since(count: int) -> list[str]:
    """The modules imported since sys.modules held `count`, oldest first: the last entries of
    sys.modules, read from its end (walking all of it would write to the reference count of every
    module's name, about 120 pages the child would copy from its parent)."""
    return list(itertools.islice(reversed(sys.modules), max(len(sys.modules) - count, 0)))[::-1]


def print_error(exc: BaseException) -> None:
    """The traceback from the first frame that is not this driver's (nor the `-c` line's that
    started it): the driver's own frames are noise in a failed migration's evidence."""
    frames = exc.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename in (__file__, "<string>"):
        frames = frames.tb_next
    traceback.print_exception(type(exc), exc, frames)


def flush() -> None:
    sys.stdout.flush()
    sys.stderr.flush()


def end(code: int) -> None:
    flush()
    os._exit(code)


class Trees:
    """In the worker: a zygote per release tree (the most recently used few), whose children
    serve its scenarios; the worker's own children serve the trees no zygote may serve."""

    def __init__(self) -> None:
        self.zygotes: dict[str, Forked] = {}  # least recently used first
        self.unsafe: set[str] = set()
        self.cold = Scenarios(functools.partial(serve_scenario, fresh=True))
        self.serving: Forked | None = None  # the zygote whose child may be running, if any
        self.ahead: list[str] = []  # SQLAlchemy's modules a zygote imported ahead, for the next zygotes

    def run(self, request: dict) -> int:
        warm(request["url"])
        tree = request["ini"]
        if tree not in self.unsafe:
            zygote = self.zygote(request)
            reply = zygote.ask(request)
            if reply is None:  # killed from outside, and its child with it
                del self.zygotes[tree]
                self.serving = None
                return zygote.stop(kill=False) or 1
            self.ahead += reply.get("ahead", [])  # of AHEAD's packages only (library_imports)
            if "code" in reply:
                return reply["code"]
            self.unsafe.add(tree)
            self.close(tree)
        self.switch(None)
        return self.cold.run(request)[0]

    def zygote(self, request: dict) -> Forked:
        tree = request["ini"]
        zygote = self.zygotes.pop(tree, None)
        if zygote is None:
            self.import_ahead()
            zygote = Forked(functools.partial(serve_tree, request))
        self.zygotes[tree] = zygote
        while len(self.zygotes) > ZYGOTES:
            self.close(next(iter(self.zygotes)))
        self.switch(zygote)
        return zygote

    def import_ahead(self) -> None:
        """Import what an earlier zygote imported of SQLAlchemy ahead of its env.py (its ORM, say),
        library code as safe here as in a zygote (see library_imports): the next trees' zygotes
        then find it imported instead of each importing it again."""
        if self.ahead:
            gc.disable()
            importable(self.ahead)
            self.ahead = []
            freeze()

    def switch(self, zygote: Forked | None) -> None:
        """One command process at a time: the previous scenario's child ends when another
        process serves the next command."""
        if self.serving is not None and self.serving is not zygote:
            self.serving.ask({"drop": True})
        if zygote is not None:
            self.cold.drop()
        self.serving = zygote

    def close(self, tree: str) -> None:
        zygote = self.zygotes.pop(tree)
        if self.serving is zygote:
            self.serving = None
        zygote.stop(kill=False)

    def close_all(self) -> None:
        """End every zygote and child, and wait for them: nothing outlives the worker."""
        for tree in list(self.zygotes):
            self.close(tree)
        self.cold.drop()


def serve() -> None:
    importlib.machinery.SourceFileLoader.source_to_code = source_to_code
    import_runtime()
    track_connections()
    freeze()
    trees = Trees()
    for line in sys.stdin:
        code = trees.run(json.loads(line))
        sys.stdout.write(json.dumps({"code": code}) + "\n")
        sys.stdout.flush()
    trees.close_all()


serve()
