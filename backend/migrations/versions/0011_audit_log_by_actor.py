"""audit_log: an index by actor, action and time

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

Lookups count a sender's recent attempts (the per-sender limits on "where is X" and on wrong postcodes). The only
indexes were merchant_id and `at`, so each count read every audit row of the window, everyone's: on a busy
morning, tens of thousands of rows per lookup. An index only (expand): old code is unaffected. On a large existing
audit_log, create it beforehand with CREATE INDEX CONCURRENTLY under the same name (docs/deployment.md); this
migration then finds it and does nothing, unless that build failed and left it invalid (or it is another index:
other columns, partial, not a btree): then it is made anew here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NAME = "ix_audit_log_actor_action_at"
COLUMNS = ["actor", "action", "at"]


def upgrade() -> None:
    found = {ix["name"]: ix for ix in sa.inspect(op.get_bind()).get_indexes("audit_log")}.get(NAME)
    if found is not None and _as_wanted(found):
        return  # built beforehand, CONCURRENTLY, as docs/deployment.md suggests for a large audit_log
    if found is not None:  # a concurrent build that failed or was cancelled leaves an INVALID index of this name
        op.drop_index(NAME, table_name="audit_log")  # (which the planner never uses), or a wrong one: make it anew
    op.create_index(NAME, "audit_log", COLUMNS, unique=False)


def _as_wanted(index: dict) -> bool:
    """The columns, in order, as a plain btree over every row (not partial, no INCLUDE), valid, not unique."""
    options = index.get("dialect_options") or {}
    plain = options.get("postgresql_using", "btree") == "btree" and not options.get("postgresql_where") \
        and not options.get("postgresql_include")
    return list(index["column_names"]) == COLUMNS and not index.get("unique") and plain \
        and not options.get("postgresql_invalid", False)


def downgrade() -> None:
    op.drop_index(NAME, table_name="audit_log")
