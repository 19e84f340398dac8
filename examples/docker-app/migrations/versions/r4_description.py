"""Release 4: items have an optional description."""

import sqlalchemy as sa
from alembic import op

revision = "r4_description"
down_revision = "r3_tags"


def upgrade() -> None:
    op.add_column("items", sa.Column("description", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("items", "description")
