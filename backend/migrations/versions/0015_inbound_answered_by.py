"""which delivery of a webhook carried an inbound message's replies: messages.answered_by

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

A message kept through a database outage and found stored on replay was read as "its own turn committed as the
connection broke", and its replies were texted. When the row had come from a Twilio retry handled while the
original request still waited on a stalled database, the retry's answer had carried those replies already: the
shopper got them twice. Each delivery of a webhook now has a name, stored with the row it stores (or moved to a
retry answered with the stored replies), so the replay texts only what its own delivery stored.
Expand only: a nullable column; code that doesn't know it neither reads nor needs it (a row without it falls back
to the old rule, stored before it was kept). Added only if missing, so a database stamped back re-runs it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "answered_by" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("messages")}:
        return
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("answered_by", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("answered_by")
