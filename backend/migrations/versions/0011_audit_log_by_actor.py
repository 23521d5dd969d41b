"""audit_log: an index by actor, action and time

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

Lookups count a sender's recent attempts (the per-sender limits on "where is X" and on wrong postcodes). The only
indexes were merchant_id and `at`, so each count read every audit row of the window, everyone's: on a busy
morning, tens of thousands of rows per lookup. An index only (expand): old code is unaffected. On a large existing
audit_log, create it beforehand with CREATE INDEX CONCURRENTLY under the same name (docs/deployment.md); this
migration then finds it and does nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NAME = "ix_audit_log_actor_action_at"


def upgrade() -> None:
    if NAME not in {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes("audit_log")}:
        op.create_index(NAME, "audit_log", ["actor", "action", "at"], unique=False)


def downgrade() -> None:
    op.drop_index(NAME, table_name="audit_log")
