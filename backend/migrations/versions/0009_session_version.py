"""console sessions end at sign-out: users.session_version

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08

The console's session is a signed cookie holding the user's id: signing out only asked the browser to forget
it, and a copy taken before (a shared support desk, a proxy's log) still signed in for a month. Each cookie now
carries the user's session_version, and signing out adds one to it. Expand only: a server default, so code that
doesn't know the column keeps working during a rolling deploy.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_version")
