"""The rules: what each finds, the lock it is about, and the fix (the README's table is this one)."""

from __future__ import annotations

from dataclasses import dataclass

EXPAND_CONTRACT = (
    "expand/contract: add the new one, write both, move readers over, and drop the old one in a later release"
)

# What renames and drops hold; their harm is to the release still running, which reads the old names.
BRIEF = "ACCESS EXCLUSIVE (MySQL: an exclusive metadata lock), brief; the previous release, still running, reads"


@dataclass(frozen=True)
class Rule:
    id: str
    what: str
    lock: str
    fix: str
    dialects: tuple[str, ...] = ("postgres", "mysql")


RULES = {
    rule.id: rule
    for rule in (
        Rule(
            "index-not-concurrent",
            "CREATE INDEX without CONCURRENTLY on an existing table",
            "SHARE on the table for the whole build: writes blocked",
            "CREATE INDEX CONCURRENTLY, outside a transaction",
            ("postgres",),
        ),
        Rule(
            "drop-index-not-concurrent",
            "DROP INDEX without CONCURRENTLY",
            "ACCESS EXCLUSIVE on the index's table: reads and writes blocked",
            "DROP INDEX CONCURRENTLY, outside a transaction",
            ("postgres",),
        ),
        Rule(
            "constraint-not-valid",
            "ADD FOREIGN KEY or CHECK without NOT VALID on an existing table",
            "FOREIGN KEY: SHARE ROW EXCLUSIVE on both tables, CHECK: ACCESS EXCLUSIVE, while every row is checked",
            "ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT in a later transaction (SHARE UPDATE EXCLUSIVE)",
            ("postgres",),
        ),
        Rule(
            "unique-constraint",
            "ADD UNIQUE or PRIMARY KEY building its index on an existing table",
            "ACCESS EXCLUSIVE while the index is built: reads and writes blocked",
            "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … UNIQUE/PRIMARY KEY USING INDEX",
            ("postgres",),
        ),
        Rule(
            "set-not-null",
            "ALTER COLUMN … SET NOT NULL on an existing table",
            "ACCESS EXCLUSIVE while every row is scanned",
            "ADD CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (PostgreSQL 12+ skips the scan)",
            ("postgres",),
        ),
        Rule(
            "type-rewrite",
            "ALTER COLUMN … TYPE that rewrites the table (not varchar widening, varchar → text, numeric widening)",
            "ACCESS EXCLUSIVE while the table and its indexes are rewritten",
            f"a new column backfilled in batches ({EXPAND_CONTRACT}), or a widening change only",
            ("postgres",),
        ),
        Rule(
            "volatile-default",
            "ADD COLUMN with a volatile default (random(), clock_timestamp(), gen_random_uuid(), serial, identity…)",
            "ACCESS EXCLUSIVE while the table is rewritten (a constant default is instant on PostgreSQL 11+)",
            "ADD COLUMN without the default (or a constant one), SET DEFAULT afterwards, backfill in batches",
            ("postgres",),
        ),
        Rule(
            "rename-column",
            "RENAME COLUMN on an existing table",
            f"{BRIEF} the old name",
            EXPAND_CONTRACT,
        ),
        Rule(
            "rename-table",
            "RENAME of an existing table",
            f"{BRIEF} the old name",
            f"{EXPAND_CONTRACT} (or leave a view under the old name)",
        ),
        Rule(
            "drop-column",
            "DROP COLUMN",
            f"{BRIEF} the column",
            "stop reading it in one release, drop it in the next",
        ),
        Rule(
            "drop-table",
            "DROP TABLE",
            f"{BRIEF} the table",
            "stop reading it in one release, drop it in the next",
        ),
        Rule(
            "drop-cascade",
            "DROP … CASCADE",
            "ACCESS EXCLUSIVE on every dependent object it drops with it, unnamed",
            "drop the dependent views and constraints by name first, then drop without CASCADE",
            ("postgres",),
        ),
        Rule(
            "lock-timeout",
            "a migration that takes ACCESS EXCLUSIVE on an existing table without lock_timeout set before",
            "ACCESS EXCLUSIVE queued behind a long query blocks every query after it, reads included",
            "SET lock_timeout = '2s' at the migration's start (and retry the migration when it times out)",
            ("postgres",),
        ),
        Rule(
            "mysql-table-copy",
            "ALTER TABLE that copies the table: ALGORITHM=COPY, a column type change, CONVERT TO CHARACTER SET, "
            "ADD FOREIGN KEY with foreign_key_checks on",
            "writes blocked (shared lock) while every row is copied to a new table",
            "ALGORITHM=INPLACE or INSTANT with LOCK=NONE where MySQL allows it; else an online schema change tool "
            "(gh-ost, pt-online-schema-change)",
            ("mysql",),
        ),
        Rule(
            "mysql-lock-wait-timeout",
            "a migration that alters an existing table without lock_wait_timeout set before",
            "the exclusive metadata lock queued behind a long transaction blocks every query after it "
            "(the default wait is a year)",
            "SET SESSION lock_wait_timeout = 5 at the migration's start (and retry when it times out)",
            ("mysql",),
        ),
    )
}
