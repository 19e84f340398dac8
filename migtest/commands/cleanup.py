"""`migtest cleanup`: remove what kept or killed runs left.

With `--run ID`: that run's containers, networks, volumes and images (label `migtest.run=ID`),
its databases on the `database.url` server (`migtest_ID_…`) and its temporary folder. Without:
the Docker objects of every run but those alive on this machine (another job on a shared runner
would fail mid-run), and the databases and temporary folders of the runs of this machine whose
process has ended; databases of runs this machine knows nothing of (another CI job's, on a shared
server) are left alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from migtest.config import DEFAULT_CONFIG, engine_of_url, load_config
from migtest.docker import RUN_LABEL
from migtest.errors import ConfigError
from migtest.run.folders import run_folders


def clean(run_id: str | None, config_path: str | None, database_url: str | None) -> list[str]:
    """What was removed, one line each; notes say what could not be looked at."""
    found = run_folders(run_id)
    folders = [folder for folder in found if run_id or not folder.alive]
    runs = {run_id} if run_id else {folder.run_id for folder in folders}
    removed = _docker(run_id, spare_runs=set() if run_id else {folder.run_id for folder in found if folder.alive})
    for folder in folders:  # before the server, which may refuse the login
        shutil.rmtree(folder.path, ignore_errors=True)
        removed.append(f"folder {folder.path}")
    if runs:
        removed += _databases(runs, config_path, database_url)
    return removed


def _docker(run_id: str | None, spare_runs: set[str]) -> list[str]:
    from migtest.docker import connect, remove_labelled

    try:
        client = connect()
    except ConfigError as exc:
        print(f"note: {exc}: no containers looked for")
        return []
    return remove_labelled(client, {RUN_LABEL: run_id}, spare_runs=spare_runs)


def _databases(runs: set[str], config_path: str | None, database_url: str | None) -> list[str]:
    """On the configuration's `database.url` server (or --database-url); nothing to do without one."""
    from migtest.databases.mysql import MysqlServer
    from migtest.databases.postgres import PostgresServer

    if config_path is not None or Path(DEFAULT_CONFIG).is_file():
        database = load_config(config_path, database_url=database_url).database
        engine, url = database.engine, database.url
    elif database_url is not None:
        engine, url = engine_of_url(database_url), database_url
    else:
        print(f"note: no {DEFAULT_CONFIG} here: no databases looked for on a server (give -c or --database-url)")
        return []
    if url is None:  # SQLite files are in the run's folder; a server container goes with the Docker objects
        return []
    server = (PostgresServer if engine == "postgres" else MysqlServer)(url, probe=False)
    return [f"database {name}" for name in server.remove(server.run_databases(runs))]
