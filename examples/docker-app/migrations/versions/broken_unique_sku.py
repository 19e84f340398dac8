"""Release "broken": give every item a SKU and make SKUs unique.

The bug: every existing item gets the same placeholder SKU, so creating the unique index fails as
soon as the database holds two items or more (an empty database upgrades fine).
"""

import sqlalchemy as sa
from alembic import op

revision = "broken_unique_sku"
down_revision = "r1_items"


def upgrade() -> None:
    op.add_column("items", sa.Column("sku", sa.String(20), nullable=True))
    op.execute("UPDATE items SET sku = 'TODO'")
    op.create_index("ix_items_sku", "items", ["sku"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_items_sku", table_name="items")
    op.drop_column("items", "sku")
