"""tracking numbers unique per merchant and carrier, not across every merchant

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

A global unique tracking number let merchant A learn (409 vs 422) that merchant B uses a number, and claim
B's numbers first. Now (merchant_id, tracking_number, carrier) is unique; every lookup is scoped by merchant.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NEW = "uq_shipment_merchant_tracking_carrier"
COLUMNS = ["merchant_id", "tracking_number", "carrier"]
# 0001 left the old constraint unnamed: PostgreSQL called it shipments_tracking_number_key; SQLite keeps no
# name, so the batch copy names it by this convention in order to drop it.
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("shipments", naming_convention=SQLITE_NAMES) as batch_op:
            batch_op.drop_constraint("uq_shipments_tracking_number", type_="unique")
            batch_op.create_unique_constraint(NEW, COLUMNS)
        return
    op.drop_constraint("shipments_tracking_number_key", "shipments", type_="unique")
    op.create_unique_constraint(NEW, "shipments", COLUMNS)


def downgrade() -> None:
    """Fails if two merchants now share a number (as it must: the old rule can't hold them both)."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("shipments", naming_convention=SQLITE_NAMES) as batch_op:
            batch_op.drop_constraint(NEW, type_="unique")
            batch_op.create_unique_constraint("uq_shipments_tracking_number", ["tracking_number"])
        return
    op.drop_constraint(NEW, "shipments", type_="unique")
    op.create_unique_constraint("shipments_tracking_number_key", "shipments", ["tracking_number"])
