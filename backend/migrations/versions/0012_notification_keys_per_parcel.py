"""withdrawn: notification keys are left as they are (a no-op kept so the revision chain stays whole)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

This revision first rewrote every stored notification key from the tracking number to the shipment's row
("notify:ZZ100:shipped" -> "notify:s7:shipped"). A review found it unsafe in a rolling deploy: `db upgrade` runs
before the new code serves, and the release before looks keys up by number, so its workers told parcels "on the
way" and "delivered" again for the whole roll ("never change a column's meaning in place", docs/deployment.md).
The new code keeps the number for a merchant's first parcel of it, the key every release writes, and names only a
later parcel of a reused number by its row (bot/core/notifications.py parcel_key), so no stored key changes. The
revision stays, doing nothing, for databases that ran the first version: their rewritten keys belong to first
parcels, which the new code looks up by number, so at worst a status already told is told once more.
"""

from __future__ import annotations

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing: see the docstring."""


def downgrade() -> None:
    """Nothing: see the docstring."""
