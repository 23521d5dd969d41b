"""one_time_codes: an index by where a code was sent, and when

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

Strangers' code budget is now counted per phone (or email) the codes go to, across all the recipient's parcels
(bot/services/verification.py): a review found a stranger holding two of a recipient's numbers and their postcode
could text that phone 3 codes an hour per parcel. The count reads codes by `sent_to` and time, which no index
covered. An index only (expand): old code is unaffected. Made only if missing (an operator may build it first
with CREATE INDEX CONCURRENTLY under this name, docs/deployment.md; a database stamped back re-runs it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

NAME = "ix_one_time_codes_sent_to_created_at"


def upgrade() -> None:
    if NAME in {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes("one_time_codes")}:
        return
    op.create_index(NAME, "one_time_codes", ["sent_to", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(NAME, table_name="one_time_codes")
