"""Schema changes of known lock behaviour on MariaDB, each with its undo, on a table `orders` of
many rows (tests/integration/test_lock_observer_mysql.py, bench/locks_mysql.py)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy

ORDERS = "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount int, note varchar(10)) ENGINE=InnoDB"

DROP_EXTRA = "ALTER TABLE orders DROP extra"
MODIFY_NOTE = "ALTER TABLE orders MODIFY note"


@dataclass(frozen=True)
class Change:
    name: str
    sql: str
    undo: str


CHANGES = {
    change.name: change
    for change in (
        Change("copy", "ALTER TABLE orders ADD COLUMN extra int, ALGORITHM=COPY", "ALTER TABLE orders DROP extra"),
        Change(
            "instant", "ALTER TABLE orders ADD COLUMN extra int, ALGORITHM=INSTANT", "ALTER TABLE orders DROP extra"
        ),
        Change(
            "index lock shared",
            "CREATE INDEX orders_amount ON orders (amount) LOCK=SHARED",
            "DROP INDEX orders_amount ON orders",
        ),
        Change(
            "index",
            "CREATE INDEX orders_amount ON orders (amount) ALGORITHM=INPLACE LOCK=NONE",
            "DROP INDEX orders_amount ON orders",
        ),
        Change("int to bigint", "ALTER TABLE orders MODIFY amount bigint", "ALTER TABLE orders MODIFY amount int"),
        Change("varchar wider", f"{MODIFY_NOTE} varchar(20)", f"{MODIFY_NOTE} varchar(10)"),
    )
}
BLOCKING = {"copy", "index lock shared", "int to bigint"}  # each blocks writes; the one after it does not


def fill_orders(connection: sqlalchemy.Connection, rows: int) -> None:
    """`orders` with `rows` rows, made by one INSERT … SELECT from MariaDB's sequence engine."""
    connection.exec_driver_sql(ORDERS)
    connection.exec_driver_sql(f"INSERT INTO orders SELECT seq, MOD(seq, 1000) + 1, seq, 'n' FROM seq_1_to_{rows}")
