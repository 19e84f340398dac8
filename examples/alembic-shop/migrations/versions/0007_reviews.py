"""Release 2.0: product reviews.

Revision ID: 0007_reviews
Revises: 0006_split_addresses
Create Date: 2024-06-03 09:15:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007_reviews"
down_revision: Union[str, Sequence[str], None] = "0006_split_addresses"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name="fk_reviews_product_id_products",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_reviews_customer_id_customers",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_reviews_rating_range"),
        # one review per customer and product
        sa.UniqueConstraint(
            "product_id", "customer_id", name="uq_reviews_product_id_customer_id"
        ),
    )
    op.create_index("ix_reviews_customer_id", "reviews", ["customer_id"])


def downgrade() -> None:
    # Dropping the table drops its indexes; MySQL refuses to drop this one on its own first,
    # since the foreign key on customer_id needs it (migtest found that on MariaDB).
    op.drop_table("reviews")
