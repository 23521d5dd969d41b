"""a note posted twice is kept once: conversation_notes.dedupe_key

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-16

A double-clicked "Add note" (or a resubmitted form, a helpdesk's retry) added the note twice. A note now carries
the key a reply does (the form's once-token and its text), unique per conversation. Expand only: a nullable
column (NULLs never collide), which code that doesn't know it neither reads nor needs. Added only if missing, so
a database stamped back re-runs it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "dedupe_key" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("conversation_notes")}:
        return
    with op.batch_alter_table("conversation_notes") as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint("uq_note_conversation_dedupe", ["conversation_id", "dedupe_key"])


def downgrade() -> None:
    with op.batch_alter_table("conversation_notes") as batch_op:
        batch_op.drop_constraint("uq_note_conversation_dedupe", type_="unique")
        batch_op.drop_column("dedupe_key")
