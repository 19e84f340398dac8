"""Alembic: each revision's SQL as `alembic upgrade <down>:<rev> --sql` prints it, made by the
version's own interpreter (its Alembic, its env.py) on no database. A revision that cannot be
rendered offline (it reads the database) is reported as not linted, with the reason."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from migtest.config import Config
from migtest.errors import ConfigError
from migtest.lint import NOWHERE, Migration, Unlinted
from migtest.lint.text import IGNORE, RULE_ID
from migtest.migrators.alembic import AlembicMigrator
from migtest.sources import Workspace

DRIVER = Path(__file__).with_name("offline_driver.py")
UPGRADE = re.compile(r"^def upgrade\b", re.MULTILINE)


def migrations(
    config: Config, workspace: Workspace, dialect: str, shown: Callable[[Path], str]
) -> tuple[list[Migration], list[Unlinted]]:
    """The revisions up to the version's, oldest first; `shown` names a file of the version's tree."""
    migrator = AlembicMigrator(config.migrations)
    ini, python = migrator._ini(workspace), migrator._python(workspace)
    url = NOWHERE[dialect]
    with tempfile.NamedTemporaryFile(prefix="migtest-lint-", suffix=".jsonl") as out:
        try:
            ran = subprocess.run(
                [python, "-c", DRIVER.read_text(), str(ini), url, workspace.version.revision, out.name],
                cwd=ini.parent,
                env={**os.environ, **workspace.environment(url)},
                capture_output=True,
                text=True,
                timeout=config.migrations.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ConfigError(
                f"alembic offline SQL still running after {exc.timeout:g}s", key="migrations.timeout"
            ) from exc
        entries = [json.loads(line) for line in Path(out.name).read_text().splitlines()]
    if ran.returncode != 0:
        tail = (ran.stderr.strip().splitlines() or ["no output"])[-1]
        raise ConfigError(f"alembic could not list the revisions offline: {tail}", file=str(ini))
    linted: list[Migration] = []
    skipped: list[Unlinted] = []
    for entry in entries:
        path = Path(entry["path"])
        if "error" in entry:
            reason = f"alembic upgrade --sql failed (its env.py or the revision wants a database?): {entry['error']}"
            skipped.append(Unlinted(entry["revision"], shown(path), reason))
        else:
            linted.append(_migration(entry, path, shown(path)))
    return linted, skipped


def _migration(entry: dict[str, str], path: Path, shown: str) -> Migration:
    """Findings point at the revision's `def upgrade` line; a `# migtest: ignore <rule-id>`
    comment anywhere in the revision file suppresses that rule for the revision."""
    source = path.read_text(errors="replace")
    upgrade = UPGRADE.search(source)
    ignored = {rule for match in IGNORE.finditer(source) for rule in RULE_ID.findall(match["ids"].lower())}
    return Migration(
        entry["revision"],
        Path(shown),
        entry["sql"],
        fixed_line=source.count("\n", 0, upgrade.start()) + 1 if upgrade else 1,
        ignored=frozenset(ignored),
        names=frozenset({entry["revision"], path.name, path.stem}),
    )
