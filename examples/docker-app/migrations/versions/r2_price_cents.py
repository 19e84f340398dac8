"""Release 2: items have a price (existing items cost 0)."""

import sqlalchemy as sa
from alembic import op

revision = "r2_price_cents"
down_revision = "r1_items"


def upgrade() -> None:
    op.add_column("items", sa.Column("price_cents", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("items", "price_cents")
