"""Migrations shipped inside an installed package (`migrations.package`): `config` is found in the
package's folder as each version's `setup:` environment has it installed, the way PyPI packages
ship theirs (mcp-contextforge-gateway: mcpgateway/alembic.ini; optuna: optuna/storages/_rdb/).

Two releases of a small package are installed, each into a virtualenv of its own, by a real pip
from a wheel made here (offline: building one from source would need the `wheel` package, which
the test machine lacks); the new virtualenvs see this interpreter's packages (Alembic,
SQLAlchemy) through a .pth file."""

from __future__ import annotations

import base64
import hashlib
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import yaml
from integration_support import statuses

from migtest.cli import EXIT_OK, EXIT_USAGE

WHEEL = "Wheel-Version: 1.0\nGenerator: migtest-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
ALEMBIC_INI = """
[alembic]
script_location = %(here)s/migrations
"""
ENV_PY = """
from alembic import context
from sqlalchemy import create_engine, pool

engine = create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
"""
REVISIONS = {
    "0001": (
        None,
        'op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True), sa.Column("body", sa.Text))',
        'op.drop_table("notes")',
    ),
    "0002": (
        "0001",
        'op.add_column("notes", sa.Column("title", sa.String(50)))',
        'with op.batch_alter_table("notes") as batch:\n        batch.drop_column("title")',
    ),
}
REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = {down!r}


def upgrade():
    {upgrade}


def downgrade():
    {downgrade}
"""
SEEDS = {
    "1.0": "INSERT INTO notes (id, body) VALUES (1, 'first'), (2, 'second');",
    "2.0": "INSERT INTO notes (id, body, title) VALUES (1, 'first', 'one');",
}


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


def package_release(root: Path, version: str, revisions: list[str]) -> None:
    """notesapp VERSION with these revisions, as a wheel in `root`."""
    source = root / "source"
    write(source / "notesapp/__init__.py", f'__version__ = "{version}"\n')
    write(source / "notesapp/alembic.ini", ALEMBIC_INI)
    write(source / "notesapp/migrations/env.py", ENV_PY)
    for revision in revisions:
        down, upgrade, downgrade = REVISIONS[revision]
        text = REVISION.format(revision=revision, down=down, upgrade=upgrade, downgrade=downgrade)
        write(source / f"notesapp/migrations/versions/{revision}.py", text)
    make_wheel(source, version, root / f"notesapp-{version}-py3-none-any.whl")


def make_wheel(source: Path, version: str, wheel: Path) -> None:
    dist_info = f"notesapp-{version}.dist-info"
    files = {path.relative_to(source).as_posix(): path.read_bytes() for path in source.rglob("*") if path.is_file()}
    files[f"{dist_info}/METADATA"] = f"Metadata-Version: 2.1\nName: notesapp\nVersion: {version}\n".encode()
    files[f"{dist_info}/WHEEL"] = WHEEL.encode()
    record = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in files.items()]
    files[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,", ""]).encode()
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def setup_command(version: str) -> str:
    """A virtualenv with notesapp VERSION installed by pip from its wheel beside migtest.yml. The
    virtualenv gets no pip of its own (ensurepip costs about 10 s of CPU): this interpreter's,
    seen through the .pth file, installs into it."""
    site = Path(sysconfig.get_paths()["purelib"])
    own_site = f"lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
    script = (
        f"{sys.executable} -m venv --without-pip . && echo {site} > {own_site}/migtest-test-deps.pth && "
        f"bin/python -m pip install -q --no-index {{project}}/packages/{version}/notesapp-{version}-py3-none-any.whl"
    )
    return f"sh -c '{script}'"


def package_project(root: Path, **migrations: str) -> Path:
    package_release(root / "packages/1.0", "1.0", ["0001"])
    package_release(root / "packages/2.0", "2.0", ["0001", "0002"])
    for version, seed in SEEDS.items():
        write(root / f"seeds/{version}.sql", seed)
    return configure(root, **migrations)


def configure(root: Path, **migrations: str) -> Path:
    config = root / "migtest.yml"
    settings = {
        "migrations": {"tool": "alembic", **migrations},
        "versions": [{"name": version, "setup": setup_command(version)} for version in SEEDS],
        "seed": {"sql": "seeds/{version}.sql"},
    }
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    return config


def test_alembic_ini_inside_each_versions_installed_package(tmp_path, run_migtest):
    root = tmp_path / "project"
    outcome = run_migtest(package_project(root, package="notesapp"))

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.results["totals"] == {"passed": 4, "failed": 0, "skipped": 0}
    assert statuses(outcome, "upgrade-1.0-to-2.0") == dict.fromkeys(
        ["migration", "history", "schema", "rows", "content", "idempotent"], "passed"
    )
    assert outcome.check("upgrade-1.0-to-2.0", "migration")["summary"] == "ended at revision 0002"
    # 0001 as 1.0's package applied it and as 2.0's ships it, each found in its own environment
    assert outcome.check("upgrade-1.0-to-2.0", "history")["summary"] == "every applied migration is unchanged"
    assert outcome.check("downgrade-2.0-to-1.0", "migration")["summary"] == "ended at revision 0001"

    # the script folder itself, for packages that ship no alembic.ini
    folder = run_migtest(configure(root, package="notesapp", config="migrations"), "--only", "upgrade")
    assert folder.exit_code == EXIT_OK, folder.output
    assert folder.check("upgrade-1.0-to-2.0", "migration")["summary"] == "ended at revision 0002"

    # one scenario at a time: the first one, installing 1.0, meets the error
    missing_file = run_migtest(configure(root, package="notesapp", config="db/alembic.ini"), "--jobs", "1")
    assert missing_file.exit_code == EXIT_USAGE
    assert "key 'migrations.config': version 1.0: package 'notesapp' has no db/alembic.ini" in missing_file.output

    missing_package = run_migtest(configure(root, package="notes_app"), "--jobs", "1")
    assert missing_package.exit_code == EXIT_USAGE
    message = "key 'migrations.package': version 1.0: package 'notes_app' is not installed for "
    assert message in missing_package.output
