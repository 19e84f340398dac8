"""Release 1.3: move customer addresses into their own table.

``customers.street`` / ``customers.city`` become an ``addresses`` row (one per
customer, ``customer_id`` is unique).  Every existing customer gets an address
row, even if street and city are empty, so "every customer has an address"
holds from 1.3 on.  The address id is taken from the customer id, which keeps
the copy deterministic (upgrade -> downgrade -> upgrade yields the same rows).

The downgrade copies street/city back onto customers and drops ``addresses``.

Revision ID: 0006_split_addresses
Revises: 0005_rename_customer_name
Create Date: 2024-01-15 10:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = "0006_split_addresses"
down_revision: Union[str, Sequence[str], None] = "0005_rename_customer_name"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _customers():
    """``customers`` as of release 1.2, for offline (``--sql``) batch mode."""
    if not context.is_offline_mode():
        return None
    return sa.Table(
        "customers",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("full_name", sa.String(120), nullable=False),
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
        sa.Index("ix_customers_full_name", "full_name"),
    )


def upgrade() -> None:
    op.create_table(
        "addresses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("street", sa.String(200), nullable=True),
        sa.Column("city", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_addresses_customer_id_customers",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("customer_id", name="uq_addresses_customer_id"),
    )

    op.execute(
        "INSERT INTO addresses (id, customer_id, street, city) "
        "SELECT id, id, street, city FROM customers"
    )

    with op.batch_alter_table("customers", copy_from=_customers()) as batch_op:
        batch_op.drop_column("street")
        batch_op.drop_column("city")


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        # nullable columns: plain ALTER TABLE ... ADD COLUMN, no rebuild
        batch_op.add_column(sa.Column("street", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("city", sa.String(100), nullable=True))

    op.execute(
        "UPDATE customers SET "
        "street = (SELECT a.street FROM addresses a WHERE a.customer_id = customers.id), "
        "city = (SELECT a.city FROM addresses a WHERE a.customer_id = customers.id)"
    )

    op.drop_table("addresses")
