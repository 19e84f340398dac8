"""Release 1.2: rename customers.name to customers.full_name.

The index on the column is renamed along with it (ix_customers_name ->
ix_customers_full_name).

Revision ID: 0005_rename_customer_name
Revises: 0004_customer_phone
Create Date: 2023-09-04 16:45:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = "0005_rename_customer_name"
down_revision: Union[str, Sequence[str], None] = "0004_customer_phone"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _customers(name_column: str, *, indexed: bool):
    """``customers`` before the rebuild, for offline (``--sql``) batch mode."""
    if not context.is_offline_mode():
        return None
    extra = [sa.Index(f"ix_customers_{name_column}", name_column)] if indexed else []
    return sa.Table(
        "customers",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(name_column, sa.String(120), nullable=False),
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
        *extra,
    )


def upgrade() -> None:
    # Index changes stay outside the batch: SQLite can drop/create indexes in
    # place, and alembic's batch rebuild cannot combine a column rename with
    # a new index on the renamed column in one batch.
    op.drop_index("ix_customers_name", table_name="customers")
    with op.batch_alter_table(
        "customers", copy_from=_customers("name", indexed=False)
    ) as batch_op:
        batch_op.alter_column(
            "name",
            new_column_name="full_name",
            existing_type=sa.String(120),
            existing_nullable=False,
        )
    op.create_index("ix_customers_full_name", "customers", ["full_name"])


def downgrade() -> None:
    op.drop_index("ix_customers_full_name", table_name="customers")
    with op.batch_alter_table(
        "customers", copy_from=_customers("full_name", indexed=False)
    ) as batch_op:
        batch_op.alter_column(
            "full_name",
            new_column_name="name",
            existing_type=sa.String(120),
            existing_nullable=False,
        )
    op.create_index("ix_customers_name", "customers", ["name"])
