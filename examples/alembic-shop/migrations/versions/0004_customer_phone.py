"""Release 1.1: optional customer phone number.

Revision ID: 0004_customer_phone
Revises: 0003_price_cents
Create Date: 2023-05-12 11:20:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = "0004_customer_phone"
down_revision: Union[str, Sequence[str], None] = "0003_price_cents"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _customers():
    """``customers`` as of release 1.1, for offline (``--sql``) batch mode."""
    if not context.is_offline_mode():
        return None
    return sa.Table(
        "customers",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("street", sa.String(200), nullable=True),
        sa.Column("city", sa.String(100), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.UniqueConstraint("email", name="uq_customers_email"),
        sa.Index("ix_customers_name", "name"),
    )


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        # nullable column: plain ALTER TABLE ... ADD COLUMN, no rebuild
        batch_op.add_column(sa.Column("phone", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers", copy_from=_customers()) as batch_op:
        batch_op.drop_column("phone")
