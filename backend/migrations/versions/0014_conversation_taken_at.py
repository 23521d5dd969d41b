"""when a person took a conversation over: conversations.taken_at

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-09

The job that hands an unanswered conversation back to the bot timed a person's silence from the shopper's last
message: a conversation that had waited in the queue longer than the timeout went back to the bot within a
minute of being taken, just after the shopper was told "Sam has joined". The time a person took it is now kept.
Expand only: a nullable column, which code that doesn't know it neither reads nor needs (a row without it is
timed from the shopper's message, as before). Added only if missing, so a database stamped back re-runs it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "taken_at" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("conversations")}:
        return
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.add_column(sa.Column("taken_at", backend.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_column("taken_at")
