"""version.support_key, support_stamp, embedding_stamp: derived data stored at ingest

Existing versions get NULL stamps, which the code reads as "not computed": their keys and
vectors are computed from the stored text on first use and written back (ADR 0107), so
no backfill runs here and an old history keeps working unchanged.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("version", sa.Column("support_key", sa.Text(), nullable=True))
    op.add_column("version", sa.Column("support_stamp", sa.String(length=64), nullable=True))
    op.add_column("version", sa.Column("embedding_stamp", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # Not batch mode: recreating ``version`` on SQLite breaks the analyst views over it;
    # SQLite (3.35 on) drops a plain column in place, as PostgreSQL does.
    for column in ("embedding_stamp", "support_stamp", "support_key"):
        op.execute(f"ALTER TABLE version DROP COLUMN {column}")
