"""proof-of-delivery photos in the database

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Photos were files under each host's data directory, so several web hosts needed a shared volume. They now live
in the database with everything else (stateless web hosts). Photos stored on disk before this keep being served
from there (bot/core/storage.py: DatabaseStorage reads the disk for a key it doesn't hold).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photos",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", backend.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("photos")
