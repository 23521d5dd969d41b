"""outbox: when a send's outcome became unknown (messages.unsure_since)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

A send whose answer never came back (a read timeout after Twilio took the message, a sender killed between
Twilio's answer and recording it) may have reached the shopper. The column keeps when that doubt began, so the
next attempt asks the transport whether the message went out before sending it again. Nullable: old code
ignores it (expand only).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("unsure_since", backend.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("unsure_since")
