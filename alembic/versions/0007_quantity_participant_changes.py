"""quantity_change and participant_change: figures and meeting leads compared (issue 14)

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "quantity_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comparison_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("old_text", sa.String(length=500), nullable=True),
        sa.Column("new_text", sa.String(length=500), nullable=True),
        sa.Column("old_clause", sa.Integer(), nullable=True),
        sa.Column("new_clause", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["comparison_id"],
            ["comparison.id"],
            name=op.f("fk_quantity_change_comparison_id_comparison"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quantity_change")),
        sa.UniqueConstraint(
            "comparison_id", "ordinal", name=op.f("uq_quantity_change_comparison_id_ordinal")
        ),
    )
    op.create_table(
        "participant_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comparison_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=True),
        sa.Column("old_people", JSONType, nullable=False),
        sa.Column("new_people", JSONType, nullable=False),
        sa.ForeignKeyConstraint(
            ["comparison_id"],
            ["comparison.id"],
            name=op.f("fk_participant_change_comparison_id_comparison"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_change")),
        sa.UniqueConstraint(
            "comparison_id", "side", name=op.f("uq_participant_change_comparison_id_side")
        ),
    )


def downgrade() -> None:
    op.drop_table("participant_change")
    op.drop_table("quantity_change")
