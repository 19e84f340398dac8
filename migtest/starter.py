"""`migtest init`: a starter migtest.yml for the migrations it finds in a project folder."""

from __future__ import annotations

from pathlib import Path

from migtest.config import DEFAULT_CONFIG
from migtest.errors import ConfigError

SQL_DIRS = ("db/migration", "db/migrations", "migrations", "sql", "db")

COMMON = """database:
  engine: sqlite
versions:                      # oldest first; add every release you support
  # - {{name: "1.0", ref: "v1.0.0"}}        # the migrations as they were at a git ref
  # - {{name: "1.1", revision: "{example}"}}
  - {{name: "head", revision: "head"}}
matrix:
  upgrade: chain               # chain | all-to-head | none
  downgrade: chain             # chain | none
  # skip: [["1.0", "head"]]
seed:
  # sql: "seeds/{{version}}.sql"  # data written against each release's schema
checks:
  schema: true
  data: true
  idempotent: true
  # allow_changes: {{users: [email]}}
report:
  dir: migtest-results
"""


def detect(project: Path) -> str:
    """The `migrations:` section for what the project holds."""
    if (project / "alembic.ini").is_file():
        return "migrations:\n  tool: alembic\n  config: alembic.ini\n"
    for candidate in SQL_DIRS:
        directory = project / candidate
        if directory.is_dir() and any(directory.glob("*.sql")):
            return f"migrations:\n  tool: sql\n  dir: {candidate}\n"
    raise ConfigError(
        "found neither alembic.ini nor a directory of .sql migrations "
        f"({', '.join(SQL_DIRS)}); write migtest.yml by hand (see the README)",
        file=str(project),
    )


def write_starter(project: Path, *, force: bool = False) -> Path:
    path = project / DEFAULT_CONFIG
    if path.exists() and not force:
        raise ConfigError("already exists; pass --force to overwrite it", file=str(path))
    migrations = detect(project)
    example = "<revision id>" if "alembic" in migrations else "3"
    path.write_text(migrations + COMMON.format(example=example))
    return path
