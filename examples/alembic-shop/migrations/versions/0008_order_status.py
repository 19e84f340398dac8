"""Release 2.0: constrain orders.status and default new orders to 'pending'.

2.0 introduces payment processing: new orders start as 'pending' (awaiting
payment) and orders can be 'refunded'.  'new' stays valid because orders
created before 2.0 keep their status.

Revision ID: 0008_order_status
Revises: 0007_reviews
Create Date: 2024-06-03 09:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = "0008_order_status"
down_revision: Union[str, Sequence[str], None] = "0007_reviews"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

STATUS_CHECK = "ck_orders_status"
STATUSES = ("new", "pending", "paid", "shipped", "delivered", "cancelled", "refunded")
STATUS_SQL = "status IN ({})".format(", ".join(f"'{s}'" for s in STATUSES))


def _orders(*, default: str, checked: bool):
    """``orders`` before the rebuild, for offline (``--sql``) batch mode."""
    if not context.is_offline_mode():
        return None
    args = []
    if checked:
        args.append(sa.CheckConstraint(STATUS_SQL, name=STATUS_CHECK))
    return sa.Table(
        "orders",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("status", sa.String(20), nullable=False, server_default=default),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_orders_customer_id_customers",
        ),
        sa.Index("ix_orders_customer_id", "customer_id"),
        sa.Index("ix_orders_created_at", "created_at"),
        *args,
    )


def upgrade() -> None:
    with op.batch_alter_table(
        "orders", copy_from=_orders(default="new", checked=False)
    ) as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.String(20),
            existing_nullable=False,
            existing_server_default="new",
            server_default="pending",
        )
        batch_op.create_check_constraint(STATUS_CHECK, STATUS_SQL)


def downgrade() -> None:
    with op.batch_alter_table(
        "orders", copy_from=_orders(default="pending", checked=True)
    ) as batch_op:
        batch_op.drop_constraint(STATUS_CHECK, type_="check")
        batch_op.alter_column(
            "status",
            existing_type=sa.String(20),
            existing_nullable=False,
            existing_server_default="pending",
            server_default="new",
        )
