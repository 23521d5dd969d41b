"""the merchant console's configuration history, payments for paid options, and an admin's own phone

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=20), nullable=True))
    op.create_table(
        "config_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchants.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_config_revisions_merchant_id"), "config_revisions", ["merchant_id"], unique=False)
    op.create_index(op.f("ix_config_revisions_created_at"), "config_revisions", ["created_at"], unique=False)
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("provider_ref", sa.String(length=128), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("tracking_number", sa.String(length=40), nullable=False),
        sa.Column("action", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("expires_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paid_at", backend.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("applied_at", backend.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refunded_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"]),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("provider_ref"),
    )
    op.create_index(op.f("ix_payments_merchant_id"), "payments", ["merchant_id"], unique=False)
    op.create_index(op.f("ix_payments_conversation_id"), "payments", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_payments_tracking_number"), "payments", ["tracking_number"], unique=False)
    op.create_index(op.f("ix_payments_status"), "payments", ["status"], unique=False)


def downgrade() -> None:
    for index in ("status", "tracking_number", "conversation_id", "merchant_id"):
        op.drop_index(op.f(f"ix_payments_{index}"), table_name="payments")
    op.drop_table("payments")
    op.drop_index(op.f("ix_config_revisions_created_at"), table_name="config_revisions")
    op.drop_index(op.f("ix_config_revisions_merchant_id"), table_name="config_revisions")
    op.drop_table("config_revisions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("phone")
