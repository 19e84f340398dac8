"""The Alembic worker forks a child from a warm state (Alembic's runtime, the URL's dialect and
driver imported) that serves the following commands of the same scenario (script folder, database
and environment), reading the revision files once; commands of another scenario never share it,
and a child ends with a failed or timed-out command, or with the migrator. The children of a
release tree come from its zygote, which read the tree's revision files and imported what the
tree's earlier children imported, as long as that left them as a fresh interpreter would be."""

from __future__ import annotations

import importlib.util
import os
import py_compile
import shutil
import signal
from pathlib import Path

import pytest
import sqlalchemy
from machine import wait_for
from pg_sessions import client_sessions

from migtest.config import load_config
from migtest.databases.postgres import PostgresServer
from migtest.databases.sqlite import SqliteServer
from migtest.errors import StepFailed
from migtest.migrators import DOWNGRADE, UPGRADE
from migtest.migrators import alembic as alembic_migrator
from migtest.migrators.alembic import AlembicMigrator
from migtest.sources import Workspace

PROBE_ENV = """
import os
import sys

import counter

counter.commands += 1
print(f"commands in this process: {counter.commands}")
print(f"pid: {os.getpid()}")
print(f"parent: {os.getppid()}")
print(f"driver imported before env.py: {'sqlite3' in sys.modules and 'sqlalchemy.dialects.sqlite' in sys.modules}")
"""

# An env.py that takes its URL from settings the project caches at import, as many do: a process
# that served one database must never run a command for another.
SETTINGS_ENV = """
import settings
from alembic import context
from sqlalchemy import create_engine, pool

engine = create_engine(settings.URL, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
"""

# An env.py whose engine keeps a pool (no NullPool), as many do.
POOLED_ENV = """
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""


RELEASE_PROBE = """
import sys

print(f"release {release.NAME}, only_a loaded: {'only_a' in sys.modules}")
"""

ENVIRONMENT_PROBE = """
import os

import settings

print(f"environment {os.environ['MIGTEST_VERSION']}, settings {settings.VERSION}, url {os.environ['DATABASE_URL']}")
"""


@pytest.fixture
def project(fixture_project):
    """alembic-base whose env.py reports its process and what it imported before it, and counts
    the commands its process ran in a module of the project's own."""
    project = fixture_project("alembic-base")
    project.write("counter.py", "commands = 0\n")
    env = project.root / "migrations" / "env.py"
    env.write_text(PROBE_ENV + env.read_text())
    revision = project.root / "migrations" / "versions" / "0002_add_nickname.py"
    revision.write_text('print("reading 0002")\n' + revision.read_text())
    return project


def migrator_for(project, tmp_path) -> tuple[AlembicMigrator, Workspace]:
    config = load_config(str(project.config))
    return AlembicMigrator(config.migrations, tmp_path), Workspace(config.version("1.1"), config.root, config.root)


@pytest.fixture
def shop(project, tmp_path):
    migrator, workspace = migrator_for(project, tmp_path)
    yield migrator, workspace, SqliteServer(tmp_path).create("shop")
    migrator.close()


def test_commands_of_a_scenario_share_a_warm_process(shop):
    migrator, workspace, database = shop
    outputs = [
        migrator.migrate(workspace, database, UPGRADE, "0002").output,
        migrator.migrate(workspace, database, DOWNGRADE, "0001").output,
        migrator.migrate(workspace, database, UPGRADE, "0002").output,
    ]
    for number, output in enumerate(outputs, 1):
        assert f"commands in this process: {number}" in output, output
        assert "driver imported before env.py: True" in output, output
    assert len({process_of(output) for output in outputs}) == 1


def test_a_command_reads_each_revision_file_once(shop):
    migrator, workspace, database = shop
    run = migrator.migrate(workspace, database, UPGRADE, "0002")
    assert run.output.count("reading 0002") == 1, run.output
    assert run.resolved == "0002"
    assert [file.name for file in run.files] == ["0002_add_nickname.py"]
    assert migrator.history(workspace, database) == ["0001", "0002"]
    again = migrator.migrate(workspace, database, DOWNGRADE, "0001")
    assert "reading 0002" not in again.output, again.output  # read by the first command of the scenario


def test_another_database_never_shares_a_process(project, tmp_path):
    project.write("settings.py", "import os\n\nURL = os.environ['DATABASE_URL']\n")
    (project.root / "migrations" / "env.py").write_text(PROBE_ENV + SETTINGS_ENV)
    migrator, workspace = migrator_for(project, tmp_path)
    server = SqliteServer(tmp_path)
    first, second = server.create("first"), server.create("second")
    try:
        outputs = [
            migrator.migrate(workspace, first, UPGRADE, "0002").output,
            migrator.migrate(workspace, second, UPGRADE, "0001").output,
            migrator.migrate(workspace, first, DOWNGRADE, "0001").output,
        ]
        assert (migrator.current(workspace, first), migrator.current(workspace, second)) == ("0001", "0001")
    finally:
        migrator.close()
    for output in outputs:
        assert "commands in this process: 1" in output, output


def test_a_failed_command_ends_its_process(shop):
    migrator, workspace, database = shop
    migrator.migrate(workspace, database, UPGRADE, "0001")
    with pytest.raises(StepFailed):
        migrator.migrate(workspace, database, UPGRADE, "no-such-revision")
    run = migrator.migrate(workspace, database, UPGRADE, "0002")
    assert "commands in this process: 1" in run.output, run.output


def test_a_failed_migrations_traceback_starts_outside_the_worker(shop):
    migrator, workspace, database = shop
    revision = workspace.root / "migrations" / "versions" / "0002_add_nickname.py"
    revision.write_text(
        revision.read_text().replace("def upgrade():", "def upgrade():\n    raise RuntimeError('broken on purpose')", 1)
    )
    with pytest.raises(StepFailed) as failed:
        migrator.migrate(workspace, database, UPGRADE, "0002")
    output = failed.value.output
    assert "0002_add_nickname.py" in output and "RuntimeError: broken on purpose" in output, output
    assert "serve_scenario" not in output and "in run_command" not in output, output


def test_a_revision_file_that_fails_to_load_is_reported_by_the_command(shop):
    """The tree's zygote cannot load it: the command runs in a child of the worker, which reports
    the error with its traceback, once."""
    migrator, workspace, database = shop
    revision = workspace.root / "migrations" / "versions" / "0002_add_nickname.py"
    revision.write_text('raise RuntimeError("broken at load")\n' + revision.read_text())
    for _ in range(2):
        with pytest.raises(StepFailed) as failed:
            migrator.migrate(workspace, database, UPGRADE, "0002")
        output = failed.value.output
        assert output.count("RuntimeError: broken at load") == 1 and "0002_add_nickname.py" in output, output


def test_a_timed_out_command_kills_its_process(project, tmp_path):
    """The process that served the scenario ends with its timed-out command, and the next command
    starts in a new one. Only the hanging command has the short limit, so a loaded machine cannot
    time out the others."""
    project.revision("0003", "0002", "import time\ntime.sleep(300)")
    migrator, workspace = migrator_for(project, tmp_path)
    database = SqliteServer(tmp_path).create("shop")
    try:
        process = process_of(migrator.migrate(workspace, database, UPGRADE, "0002").output)
        limit, migrator.timeout = migrator.timeout, 2
        with pytest.raises(StepFailed, match="still running after 2s"):
            migrator.migrate(workspace, database, UPGRADE, "0003")
        migrator.timeout = limit
        wait_for(lambda: ended(process), "the timed-out command's process to end")
        run = migrator.migrate(workspace, database, DOWNGRADE, "0001")
    finally:
        migrator.close()
    assert "commands in this process: 1" in run.output, run.output


def test_a_process_killed_while_idle_fails_the_next_command_only(shop):
    migrator, workspace, database = shop
    process = process_of(migrator.migrate(workspace, database, UPGRADE, "0001").output)
    os.kill(process, signal.SIGKILL)
    with pytest.raises(StepFailed, match="exited with code -9"):
        migrator.migrate(workspace, database, UPGRADE, "0002")
    run = migrator.migrate(workspace, database, UPGRADE, "0002")
    assert "commands in this process: 1" in run.output, run.output


def test_closing_the_migrator_ends_an_idle_process_and_its_zygote(shop):
    migrator, workspace, database = shop
    output = migrator.migrate(workspace, database, UPGRADE, "0002").output
    processes = process_of(output), parent_of(output)
    assert not any(ended(process) for process in processes)
    migrator.close()
    wait_for(lambda: all(ended(process) for process in processes), "the idle command process and its zygote to end")


def three_scenarios_upgraded(project, tmp_path) -> list[str]:
    """The output of upgrading three databases of one tree, one scenario each."""
    migrator, workspace = migrator_for(project, tmp_path)
    server = SqliteServer(tmp_path)
    try:
        return [migrator.migrate(workspace, server.create(name), UPGRADE, "0002").output for name in "abc"]
    finally:
        migrator.close()


def test_a_scenarios_first_command_reuses_what_its_tree_loaded(project, tmp_path):
    """The revision files are read, and the modules env.py imported, once per tree: a scenario's
    first command reads and imports neither again, and still finds them as imported (its module
    state fresh, in a process of its own). Here env.py imports the module in a branch, which only
    running it tells: the first scenario's process imports it, and the zygote then."""
    project.write("late.py", 'import os\n\nprint(f"late imported in {os.getpid()}")\n')
    env = project.root / "migrations" / "env.py"
    env.write_text("if __name__ != 'never':\n    import late\n" + env.read_text())
    outputs = three_scenarios_upgraded(project, tmp_path)
    first, *others = outputs
    assert first.count("reading 0002") == 1, first
    assert f"late imported in {process_of(first)}" in first, first
    for output in others:
        assert "reading 0002" not in output, output
        assert "commands in this process: 1" in output, output
        assert f"late imported in {process_of(output)}" not in output, output
    assert len({process_of(output) for output in outputs}) == 3


def test_env_pys_first_imports_are_imported_once_per_tree(project, tmp_path):
    """What env.py imports first thing is imported by the tree's zygote before its first scenario:
    no scenario's process imports it (not once more than the zygote, as the first one would)."""
    project.write("counter.py", 'import os\n\nprint(f"counter imported in {os.getpid()}")\ncommands = 0\n')
    outputs = three_scenarios_upgraded(project, tmp_path)
    assert f"counter imported in {parent_of(outputs[0])}" in outputs[0], outputs[0]
    for output in outputs:
        assert "commands in this process: 1" in output, output
        assert f"counter imported in {process_of(output)}" not in output, output


def test_sqlalchemys_modules_the_models_import_are_imported_once_per_tree(project, tmp_path):
    """env.py imports the project's models after another statement, so its tree's zygote does not
    import them ahead, and they import SQLAlchemy's ORM (through a relative import of their
    package): the zygote imports the ORM before the first scenario, found by reading their source,
    and the first scenario's process imports only the models, as before."""
    project.write("shop_app/__init__.py", "")
    project.write("shop_app/base.py", "from sqlalchemy import orm\n\n\nclass Base(orm.DeclarativeBase):\n    pass\n")
    models = 'import os\n\nfrom .base import Base\n\nprint(f"models imported in {os.getpid()}")\n'
    project.write("shop_app/models.py", models)
    env = project.root / "migrations" / "env.py"
    probe = "print(f\"ORM before the models: {'sqlalchemy.orm' in sys.modules}\")"
    env.write_text(f"import sys\n\n{probe}\nfrom shop_app.models import Base\n" + env.read_text())
    outputs = three_scenarios_upgraded(project, tmp_path)
    for output in outputs:
        assert "ORM before the models: True" in output, output
    first, *others = outputs
    assert f"models imported in {process_of(first)}" in first, first
    for output in others:
        assert f"models imported in {process_of(output)}" not in output, output


def two_trees_upgraded(fixture_project, tmp_path, models: str) -> list[str]:
    """The output of an upgrade in each of two release trees, through one worker, whose env.py
    imports `models` after another statement (so not ahead), and first of all a module that says
    whether SQLAlchemy's ORM was imported before the tree loaded anything."""
    trees = [fixture_project("alembic-base") for _ in range(2)]
    for tree in trees:
        tree.write("shop_models.py", models)
        tree.write("first.py", "import sys\n\nprint(f\"ORM before the tree: {'sqlalchemy.orm' in sys.modules}\")\n")
        env = tree.root / "migrations" / "env.py"
        env.write_text("import first\n\nprint('configuring')\nimport shop_models\n" + env.read_text())
    migrator, workspace = migrator_for(trees[0], tmp_path)
    server = SqliteServer(tmp_path)
    try:
        return [
            migrator.migrate(
                Workspace(workspace.version, tree.root, workspace.project), server.create(name), UPGRADE, "0001"
            ).output
            for name, tree in zip("ab", trees, strict=True)
        ]
    finally:
        migrator.close()


def test_sqlalchemys_modules_a_tree_imported_ahead_are_imported_once_per_worker(fixture_project, tmp_path):
    """A zygote that imported SQLAlchemy's ORM ahead of env.py (its models import it) tells the
    worker, which imports it for the next trees' zygotes: the second release tree's zygote finds
    it imported before it loads anything (here in the module env.py imports first thing)."""
    outputs = two_trees_upgraded(fixture_project, tmp_path, "from sqlalchemy.orm import DeclarativeBase\n")
    assert "ORM before the tree: False" in outputs[0], outputs[0]
    assert "ORM before the tree: True" in outputs[1], outputs[1]


def test_a_sqlalchemy_module_that_fails_to_import_ahead_is_left_to_env_py(fixture_project, tmp_path):
    """The models name, in a function no command calls, a module of SQLAlchemy that raises as it is
    imported (sqlalchemy.ext.asyncio without greenlet does; sqlalchemy.testing.plugin.bootstrap
    always does). Imported ahead, it must fail neither the zygote's loading nor the worker, which
    imports what a zygote imported ahead for the next trees: both releases migrate, and the
    second tree's zygote still finds the ORM imported."""
    models = (
        "from sqlalchemy.orm import DeclarativeBase\n\n\ndef plugin():\n"
        "    from sqlalchemy.testing.plugin import bootstrap\n\n    return bootstrap\n"
    )
    outputs = two_trees_upgraded(fixture_project, tmp_path, models)
    assert "ORM before the tree: True" in outputs[1], outputs[1]


def test_every_scenario_collects_its_garbage(project, tmp_path):
    """The worker and the zygotes load with the collector off (what they load lives as long as they
    do); every scenario's process has it on, as a fresh interpreter would, the first one and those
    forked after the zygote imported what the first one imported."""
    env = project.root / "migrations" / "env.py"
    env.write_text('import gc\n\nprint(f"collector on: {gc.isenabled()}")\n' + env.read_text())
    for output in three_scenarios_upgraded(project, tmp_path):
        assert "collector on: True" in output, output


def test_a_module_env_py_imports_after_setting_the_environment_sees_it_set(project, tmp_path):
    """env.py sets a variable, then imports a module that reads it at import: no scenario's
    process may find that module imported without it (ahead of env.py, by the zygote)."""
    project.write("mode.py", 'import os\n\nMODE = os.environ.get("SHOP_MODE")\n')
    env = project.root / "migrations" / "env.py"
    env.write_text(
        'import os\n\nos.environ["SHOP_MODE"] = "migrating"\nimport mode\n\nprint(f"mode {mode.MODE}")\n'
        + env.read_text()
    )
    for output in three_scenarios_upgraded(project, tmp_path):
        assert "mode migrating" in output, output


def test_a_scenario_whose_env_py_rebinds_os_environ_keeps_its_process(project, tmp_path):
    """The first command's watch on the environment ends on the object it watched, whatever
    env.py made of the name os.environ."""
    env = project.root / "migrations" / "env.py"
    env.write_text(env.read_text() + "\nos.environ = dict(os.environ)\n")
    migrator, workspace = migrator_for(project, tmp_path)
    database = SqliteServer(tmp_path).create("shop")
    try:
        outputs = [migrator.migrate(workspace, database, UPGRADE, target).output for target in ("0001", "0002")]
    finally:
        migrator.close()
    assert "commands in this process: 2" in outputs[1], outputs[1]


def test_env_py_is_compiled_once_per_tree_where_no_bytecode_is_written(project, tmp_path, monkeypatch):
    """Without bytecode files, every import of env.py compiles it: the tree's zygote compiles it
    once for all its children (a module env.py imports first thing reports each compile)."""
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    project.write(
        "compiles.py",
        "import sys\n\n"
        "sys.addaudithook(lambda event, args: event == 'compile' and str(args[1]).endswith('env.py')"
        " and print('compiling env.py'))\n",
    )
    env = project.root / "migrations" / "env.py"
    env.write_text("import compiles\n" + env.read_text())
    migrator, workspace = migrator_for(project, tmp_path)
    server = SqliteServer(tmp_path)
    try:
        outputs = [migrator.migrate(workspace, server.create(name), UPGRADE, "0001").output for name in "abc"]
        database = server.create("d")
        outputs += [migrator.migrate(workspace, database, UPGRADE, target).output for target in ("0001", "0002")]
    finally:
        migrator.close()
    for output in outputs:
        assert "compiling env.py" not in output, output


# Notes each compile of the driver's source in the file named by $DRIVER_COMPILES (a site module
# imported as the interpreter starts, before the worker loads its driver).
COMPILES_HOOK = """
import os
import sys

def note(event, args):
    if event == "compile" and isinstance(args[0], (str, bytes)) and "def serve()" in str(args[0]):
        with open(os.environ["DRIVER_COMPILES"], "a") as file:
            file.write(f"{args[1]}\\n")

sys.addaudithook(note)
"""


def test_the_worker_runs_its_drivers_cached_bytecode(shop, tmp_path, monkeypatch):
    """Where the driver's bytecode is cached (as pip writes it when it installs migtest), the
    worker runs it instead of compiling the whole driver at every start."""
    driver = tmp_path / "driver" / "alembic_driver.py"
    driver.parent.mkdir()
    shutil.copy(alembic_migrator.DRIVER, driver)
    py_compile.compile(str(driver), cfile=importlib.util.cache_from_source(str(driver)), doraise=True)
    (tmp_path / "site" / "sitecustomize.py").parent.mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(COMPILES_HOOK)
    compiles = tmp_path / "compiles.txt"
    compiles.write_text("")
    monkeypatch.setattr(alembic_migrator, "DRIVER", driver)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    monkeypatch.setenv("DRIVER_COMPILES", str(compiles))
    migrator, workspace, database = shop
    output = migrator.migrate(workspace, database, UPGRADE, "0002").output
    assert "commands in this process: 1" in output, output
    assert compiles.read_text() == ""


# An env.py that tells which of the modules no command needs its process has run (by what they
# import: pygments is mako's, email.message the metadata's, tomllib._parser tomllib's), and in the
# scenario of database "uses.db" uses them.
UNNEEDED_ENV = """
import os
import sys

print(f"run: {sorted({'pygments', 'email.message', 'tomllib._parser'} & sys.modules.keys())}")
print(f"finders: {[getattr(finder, '__name__', type(finder).__name__) for finder in sys.meta_path]}")
if os.environ["DATABASE_URL"].endswith("uses.db"):
    import importlib.metadata
    import tomllib

    from mako import exceptions
    from mako.template import Template

    print(Template("rendered by ${name}").render(name="mako"))
    print(f"highlighting: {exceptions.pygments_html_formatter is not None}")
    print(f"metadata: {importlib.metadata.metadata('alembic')['Name']}, {tomllib.loads('a = 1')}")
"""


def test_modules_no_command_needs_run_only_in_a_scenario_that_uses_them(project, tmp_path):
    """The worker imports lazily what Alembic and SQLAlchemy import for other uses than a
    migration (mako's templates, and so pygments; the email package for a distribution's metadata;
    tomllib): a scenario's process has not run them, until its env.py uses them, and then finds
    them as a fresh interpreter would."""
    env = project.root / "migrations" / "env.py"
    env.write_text(UNNEEDED_ENV + env.read_text())
    migrator, workspace = migrator_for(project, tmp_path)
    server = SqliteServer(tmp_path)
    try:
        outputs = [migrator.migrate(workspace, server.create(name), UPGRADE, "0002").output for name in ("a", "uses")]
    finally:
        migrator.close()
    assert "run: []" in outputs[0], outputs[0]
    assert "LazyFinder" not in outputs[0], outputs[0]  # later imports are as usual
    assert "rendered by mako" in outputs[1], outputs[1]
    assert "highlighting: True" in outputs[1], outputs[1]
    assert "metadata: alembic, {'a': 1}" in outputs[1], outputs[1]


def test_a_release_never_sees_another_releases_modules(fixture_project, tmp_path):
    """Two release trees with a module of the same name, and one only the first has: each
    release's commands, alternating, import their own, and never see the other's."""
    trees = [fixture_project("alembic-base") for _ in range(2)]
    for name, tree in zip("ab", trees, strict=True):
        tree.write("release.py", f'NAME = "{name}"\n')
        tree.write("only_a.py", "")
        imports = "import release\nimport only_a\n" if name == "a" else "import release\n"
        env = tree.root / "migrations" / "env.py"
        env.write_text(imports + RELEASE_PROBE + env.read_text())
    migrator, workspace = migrator_for(trees[0], tmp_path)
    workspaces = [workspace, Workspace(workspace.version, trees[1].root, workspace.project)]
    server = SqliteServer(tmp_path)
    try:
        outputs = [
            (name, migrator.migrate(workspaces[index], server.create(f"{name}{round}"), UPGRADE, "0002").output)
            for round in range(3)
            for index, name in enumerate("ab")
        ]
    finally:
        migrator.close()
    for name, output in outputs:
        assert f"release {name}, only_a loaded: {name == 'a'}" in output, output


@pytest.mark.parametrize(
    "read", ["os.environ['MIGTEST_VERSION']", "os.getenv('MIGTEST_VERSION')", "dict(os.environ)['MIGTEST_VERSION']"]
)
def test_each_scenario_sees_its_own_environment(project, tmp_path, read):
    """A module that reads the environment at import (here the scenario's release; by name, or
    all of it) is never imported ahead for a scenario whose environment differs."""
    project.write("settings.py", f"import os\n\nVERSION = {read}\n")
    env = project.root / "migrations" / "env.py"
    env.write_text(ENVIRONMENT_PROBE + env.read_text())
    migrator, workspace = migrator_for(project, tmp_path)
    config = load_config(str(project.config))
    server = SqliteServer(tmp_path)
    try:
        outputs = []
        for index, version in enumerate(["1.0", "1.1", "1.0", "1.1"]):
            release = Workspace(config.version(version), workspace.root, workspace.project)
            database = server.create(f"db{index}")
            outputs.append((version, database.url, migrator.migrate(release, database, UPGRADE, "0001").output))
    finally:
        migrator.close()
    for version, url, output in outputs:
        assert f"environment {version}, settings {version}, url {url}" in output, output


def test_a_module_that_opens_a_file_at_import_is_imported_by_each_scenario(project, tmp_path):
    """An open file would be shared by every child of a zygote that imported it ahead: such a
    tree's children import it themselves, and only its output is in their log."""
    project.write("audit.py", 'import os\n\nLOG = open("audit.log", "a")\nprint(f"audit imported in {os.getpid()}")\n')
    env = project.root / "migrations" / "env.py"
    env.write_text("import audit\n" + env.read_text())
    outputs = three_scenarios_upgraded(project, tmp_path)
    for output in outputs:
        assert output.count("audit imported in") == 1, output
        assert f"audit imported in {process_of(output)}" in output, output


def test_a_worker_keeps_a_few_zygotes(fixture_project, tmp_path):
    """One zygote per release tree in use: the least recently used ends when a worker has served
    more trees than it keeps."""
    trees = [fixture_project("alembic-base") for _ in range(6)]
    for tree in trees:
        tree.write("counter.py", "commands = 0\n")
        env = tree.root / "migrations" / "env.py"
        env.write_text(PROBE_ENV + env.read_text())
    migrator, workspace = migrator_for(trees[0], tmp_path)
    server = SqliteServer(tmp_path)
    try:
        zygotes = []
        for index, tree in enumerate(trees):
            release = Workspace(workspace.version, tree.root, workspace.project)
            zygotes.append(parent_of(migrator.migrate(release, server.create(f"db{index}"), UPGRADE, "0001").output))
        wait_for(lambda: ended(zygotes[0]) and ended(zygotes[1]), "the least recently used zygotes to end")
        assert not any(ended(zygote) for zygote in zygotes[2:])
    finally:
        migrator.close()


def test_an_idle_process_holds_no_connection(fixture_project, tmp_path, postgres_host):
    """A pooled engine's connection would keep the scenario's database busy between commands:
    PostgreSQL refuses to clone (as a template) or drop a database with sessions."""
    project = fixture_project("alembic-base")
    (project.root / "migrations" / "env.py").write_text(POOLED_ENV)
    migrator, workspace = migrator_for(project, tmp_path)
    server = PostgresServer(postgres_host.url)
    database = server.create("pooled")
    try:
        migrator.migrate(workspace, database, UPGRADE, "0002")
        # The idle process closed its connection; the server ends the backend a moment after.
        wait_for(lambda: not sessions_on(postgres_host.url, database.url), "the command's session to end", timeout=30)
    finally:
        migrator.close()
        server.close()


def parent_of(output: str) -> int:
    return int(output.split("parent: ", 1)[1].split()[0])


def sessions_on(server_url: str, url: str) -> set[int]:
    """The client sessions on `url`'s database, asked from the server's own (so none of them)."""
    engine = sqlalchemy.create_engine(server_url, poolclass=sqlalchemy.NullPool)
    try:
        with engine.connect() as connection:
            return client_sessions(connection, sqlalchemy.make_url(url).database)
    finally:
        engine.dispose()


def process_of(output: str) -> int:
    return int(output.split("pid: ", 1)[1].split()[0])


def ended(pid: int) -> bool:
    """Gone, or a zombie its new parent has yet to reap."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
