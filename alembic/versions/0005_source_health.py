"""source health: fetch facts, verdict per source, its changes, operator subscriptions

``fetch_health`` keeps what each listing and statement fetch showed (items, which fields
came from the adapter or the fallback, body size against the source's median, status,
redirects, robots); ``source.health*`` the latest verdict; ``source_event`` each change of
verdict, which operator alerts in the same outbox point at (``alert.source_event_id``,
so ``alert.comparison_id`` may now be empty). ``subscription.operator`` marks who gets them.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy of ``source`` would break the views that read it.
    op.add_column("source", sa.Column("health", sa.String(length=10), nullable=True))
    op.add_column("source", sa.Column("health_reason", sa.Text(), nullable=True))
    op.add_column(
        "source", sa.Column("health_changed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "fetch_health",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("via", sa.String(length=40), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("redirects", sa.Integer(), nullable=False),
        sa.Column("robots", sa.String(length=10), nullable=False),
        sa.Column("items", sa.Integer(), nullable=True),
        sa.Column("title_from", sa.String(length=10), nullable=True),
        sa.Column("date_from", sa.String(length=10), nullable=True),
        sa.Column("body_from", sa.String(length=10), nullable=True),
        sa.Column("language_from", sa.String(length=10), nullable=True),
        sa.Column("body_chars", sa.Integer(), nullable=True),
        sa.Column("paragraphs", sa.Integer(), nullable=True),
        sa.Column("median_chars", sa.Float(), nullable=True),
        sa.Column("median_paragraphs", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_fetch_health_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fetch_health")),
    )
    op.create_index("ix_fetch_health_source_fetched", "fetch_health", ["source_id", "fetched_at"])
    op.create_table(
        "source_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("previous", sa.String(length=10), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_source_event_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_event")),
    )
    op.add_column(
        "subscription",
        sa.Column("operator", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    with op.batch_alter_table("alert") as batch:
        batch.alter_column("comparison_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("source_event_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_alert_source_event_id_source_event"),
            "source_event",
            ["source_event_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_unique_constraint(
            op.f("uq_alert_source_event_id_subscription_id"),
            ["source_event_id", "subscription_id"],
        )


def downgrade() -> None:
    op.execute("DELETE FROM alert WHERE comparison_id IS NULL")
    with op.batch_alter_table("alert") as batch:
        batch.drop_constraint(op.f("uq_alert_source_event_id_subscription_id"), type_="unique")
        batch.drop_constraint(op.f("fk_alert_source_event_id_source_event"), type_="foreignkey")
        batch.drop_column("source_event_id")
        batch.alter_column("comparison_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("subscription") as batch:
        batch.drop_column("operator")
    op.drop_table("source_event")
    op.drop_index("ix_fetch_health_source_fetched", table_name="fetch_health")
    op.drop_table("fetch_health")
    # DROP COLUMN in place (SQLite 3.35+): a batch copy would break the views on ``source``.
    op.drop_column("source", "health_changed_at")
    op.drop_column("source", "health_reason")
    op.drop_column("source", "health")
