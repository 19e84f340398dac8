"""Static lint of migration SQL: the statements known to block reads or writes, or to break the
release still running, found in the text before anything runs (`migtest lint`).

A `Migration` is one unit of the history (an SQL file, or an Alembic revision's offline SQL);
each dialect's module reads its statements with a real parser and returns `Finding`s. Rules about
existing tables skip the tables the same migration creates: they have no rows and no readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from migtest.lint.rules import RULES

FORMATS = ("text", "json", "github")
DIALECTS = {"postgres": "postgres", "postgresql": "postgres", "mysql": "mysql", "mariadb": "mariadb"}
# A server of each dialect that is nowhere: port 1 of this machine, where nothing listens. It makes
# the configuration resolve `{dialect}` for `--dialect`, and Alembic render its offline SQL; an
# env.py or a revision that connects anyway fails at once instead of migrating a real database.
NOWHERE = {
    "postgres": "postgresql://lint@127.0.0.1:1/lint",
    **dict.fromkeys(("mysql", "mariadb"), "mysql+pymysql://lint@127.0.0.1:1/lint"),
}


@dataclass(frozen=True)
class Migration:
    """The SQL of one migration and where a finding in it points."""

    label: str  # how reports name it: its version or revision
    file: Path  # the file a finding names: the SQL file, or the Alembic revision file
    sql: str
    fixed_line: int | None = None  # every finding's line, where the SQL is not the file (Alembic offline)
    ignored: frozenset[str] = frozenset()  # rule ids suppressed for the whole migration
    names: frozenset[str] = frozenset()  # other names a measurement may give it (file name, revision)
    reported: bool = True  # False: read only for what it creates (an earlier file beside the ones given)


@dataclass
class Finding:
    rule: str
    file: str
    line: int
    migration: str
    table: str | None  # the table it is about, that a measurement is matched on
    message: str
    measured: str | None = None  # with --measured: what the dynamic measurement said of it
    names: frozenset[str] = field(default=frozenset(), repr=False)

    def to_dict(self) -> dict[str, object]:
        rule = RULES[self.rule]
        found = {k: getattr(self, k) for k in ("rule", "file", "line", "migration", "table", "message")}
        return {**found, "lock": rule.lock, "fix": rule.fix, **({"measured": self.measured} if self.measured else {})}


@dataclass(frozen=True)
class Unlinted:
    """A migration whose SQL could not be read or parsed, and why: reported, never a crash."""

    migration: str
    file: str
    reason: str
