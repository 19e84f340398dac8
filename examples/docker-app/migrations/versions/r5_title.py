"""Release 5: items.name is renamed to items.title, keeping its values.

Not backward compatible: release 4's code still reads items.name, which no longer exists.
"""

import sqlalchemy as sa
from alembic import op

revision = "r5_title"
down_revision = "r4_description"


def upgrade() -> None:
    op.alter_column("items", "name", new_column_name="title", existing_type=sa.String(100), existing_nullable=False)


def downgrade() -> None:
    op.alter_column("items", "title", new_column_name="name", existing_type=sa.String(100), existing_nullable=False)
