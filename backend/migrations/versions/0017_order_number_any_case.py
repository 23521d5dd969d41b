"""shipments: an index by merchant and upper-case order number

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-17

The agent console's search (bot/services/console_search.py) finds a parcel by its order number whatever its case
("acme-77" for "ACME-77"), the merchant's parcels only: upper(order_number) per merchant, which the plain
order_number index can't serve, so each search read every parcel of the merchant. An index only (expand): old
code is unaffected. Made only if missing (IF NOT EXISTS), so on a large shipments table it can be built
beforehand with CREATE INDEX CONCURRENTLY under the same name (docs/deployment.md), and a database stamped
back re-runs this harmlessly; an INVALID one (a concurrent build that failed) is made anew, as 0011 does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

NAME = "ix_shipments_merchant_order_upper"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and bind.scalar(sa.text(
            "SELECT NOT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relname = :name AND pg_table_is_visible(c.oid)"), {"name": NAME}):
        op.execute(f"DROP INDEX {NAME}")
    op.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON shipments (merchant_id, upper(order_number))")


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {NAME}")
