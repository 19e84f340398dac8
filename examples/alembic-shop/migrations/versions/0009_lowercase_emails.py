"""Release 2.0: normalise customer e-mail addresses to lower case.

2.0 looks customers up by e-mail case-insensitively; storing the addresses in
lower case keeps the existing unique constraint meaningful.  The UPDATE fails
(unique constraint) if two customers differ only in case; resolve those by
hand before upgrading.

The downgrade is intentionally a no-op: the original spelling is gone, and
lower-case addresses are valid in every earlier release.

Revision ID: 0009_lowercase_emails
Revises: 0008_order_status
Create Date: 2024-06-03 10:05:00

"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009_lowercase_emails"
down_revision: Union[str, Sequence[str], None] = "0008_order_status"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # No `WHERE email <> lower(email)`: MySQL and MariaDB compare case-insensitively, so it
    # matched no row there and nothing was lowercased (found by a step test, migtest/steps).
    op.execute("UPDATE customers SET email = lower(email)")


def downgrade() -> None:
    # Irreversible data normalisation; nothing to undo in the schema.
    pass
