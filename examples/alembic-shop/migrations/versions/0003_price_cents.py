"""Release 1.1: store product prices as integer cents.

Floating point dollars caused rounding errors in order totals.  The new
``price_cents`` column is filled from ``round(price * 100)`` and ``price`` is
dropped.  The downgrade restores ``price`` as ``price_cents / 100.0``.

Revision ID: 0003_price_cents
Revises: 0002_orders
Create Date: 2023-05-10 14:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = "0003_price_cents"
down_revision: Union[str, Sequence[str], None] = "0002_orders"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PRICE_CHECK = "ck_products_price_cents_nonnegative"


def _products(*, before: str):
    """Shape of ``products`` just before a batch rebuild.

    Only used in offline (``--sql``) mode, where batch mode cannot reflect the
    table; online runs reflect the live table instead.  Columns added with
    ALTER TABLE ... ADD COLUMN come last.
    """
    if not context.is_offline_mode():
        return None
    cols = [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sku", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
    ]
    args = [sa.UniqueConstraint("sku", name="uq_products_sku")]
    if before == "upgrade":
        cols.append(sa.Column("price", sa.REAL(), nullable=False))
        cols.append(sa.Column("price_cents", sa.Integer(), nullable=True))
    else:
        cols.append(sa.Column("price_cents", sa.Integer(), nullable=False))
        cols.append(sa.Column("price", sa.REAL(), nullable=True))
        args.append(sa.CheckConstraint("price_cents >= 0", name=PRICE_CHECK))
    return sa.Table("products", sa.MetaData(), *cols, *args)


def upgrade() -> None:
    with op.batch_alter_table("products") as batch_op:
        # plain ALTER TABLE ... ADD COLUMN, no table rebuild
        batch_op.add_column(sa.Column("price_cents", sa.Integer(), nullable=True))

    op.execute("UPDATE products SET price_cents = CAST(round(price * 100) AS INTEGER)")

    with op.batch_alter_table(
        "products",
        copy_from=_products(before="upgrade"),
    ) as batch_op:
        batch_op.alter_column("price_cents", existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(PRICE_CHECK, "price_cents >= 0")
        batch_op.drop_column("price")


def downgrade() -> None:
    with op.batch_alter_table("products") as batch_op:
        batch_op.add_column(sa.Column("price", sa.REAL(), nullable=True))

    op.execute("UPDATE products SET price = price_cents / 100.0")

    with op.batch_alter_table(
        "products",
        copy_from=_products(before="downgrade"),
    ) as batch_op:
        batch_op.alter_column("price", existing_type=sa.REAL(), nullable=False)
        batch_op.drop_constraint(PRICE_CHECK, type_="check")
        batch_op.drop_column("price_cents")
