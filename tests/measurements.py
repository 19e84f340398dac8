"""Lock measurements of known migrations, as the PostgreSQL observer makes them: for report tests."""

from __future__ import annotations

from migtest.locks import HeldLock, LockMeasurement, Stall, StatementSite


def rewrite(label: str = "0012_add_col", blocked_ms: float = 3400.0) -> LockMeasurement:
    """An ADD COLUMN that rewrote orders under ACCESS EXCLUSIVE, with a quiet table probed beside it."""
    return LockMeasurement(
        label,
        duration_ms=blocked_ms + 10,
        interval_ms=2.5,
        samples=1200,
        locks=[
            HeldLock("orders", "table", "RowExclusiveLock", blocked_ms),
            HeldLock("orders", "table", "AccessExclusiveLock", blocked_ms - 10),
            HeldLock("orders_pkey", "index", "AccessExclusiveLock", blocked_ms - 20),
            HeldLock("customers", "table", "AccessShareLock", 3.0),
        ],
        stalls=[Stall("orders", blocked_ms - 20, blocked_ms), Stall("customers", 0.4, 1.0)],
        rewritten=["orders"],
        site=StatementSite("db/V12__add_col.sql", 3),
    )


def index_build(label: str = "0013_index", blocked_ms: float = 1700.0) -> LockMeasurement:
    """CREATE INDEX without CONCURRENTLY: SHARE blocks writes, not reads."""
    return LockMeasurement(
        label,
        interval_ms=3.0,
        samples=400,
        locks=[HeldLock("items", "table", "ShareLock", blocked_ms)],
        stalls=[Stall("items", 0.5, blocked_ms), Stall("orders", 0.5, 0.9)],
        blocking_indexes=["ix_items_sku"],
    )


def harmless(label: str = "0014_comment") -> LockMeasurement:
    return LockMeasurement(label, interval_ms=2.0, samples=10, stalls=[Stall("items", 0.4, 0.8)])
