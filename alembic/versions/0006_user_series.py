"""series.user_defined: series an analyst defined with `clausewatch series add`

A user series keeps its whole definition (keywords, languages, sources, exclusions, lexicon
families) in ``series.rules``; built-in series are defined by the YAML files shipped in
``core/builtin_series/`` and their rows only name them. Every row made before this revision
was created by storing a statement of a built-in series, so it is not user-defined.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "series",
        sa.Column("user_defined", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): batch mode would rebuild the table, which SQLite
    # refuses while the analyst views (0002) refer to it.
    op.drop_column("series", "user_defined")
