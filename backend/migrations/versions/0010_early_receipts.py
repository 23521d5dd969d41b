"""delivery receipts that come before their send is recorded: early_receipts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

Twilio may post a status callback before the sender has stored the MessageSid it was just given; that receipt
used to be dropped, and the message stayed "sent" although it was delivered (or failed). It now waits in this
table until the send is recorded. A new table: old code never reads it (expand only).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "early_receipts",
        sa.Column("channel_message_id", sa.String(length=64), nullable=False),
        sa.Column("receipt", sa.String(length=20), nullable=False),
        sa.Column("error", sa.String(length=64), nullable=True),
        sa.Column("received_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel_message_id"),
    )
    op.create_index(op.f("ix_early_receipts_received_at"), "early_receipts", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_early_receipts_received_at"), table_name="early_receipts")
    op.drop_table("early_receipts")
