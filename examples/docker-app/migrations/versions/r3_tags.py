"""Release 3: items have tags."""

import sqlalchemy as sa
from alembic import op

revision = "r3_tags"
down_revision = "r2_price_cents"


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", name="fk_tags_item_id"), nullable=False),
        sa.Column("label", sa.String(50), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tags")
