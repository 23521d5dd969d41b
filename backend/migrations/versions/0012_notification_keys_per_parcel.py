"""notification dedupe keys name the parcel's row, not its tracking number

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

"On the way", "delivered" and the survey go once per parcel, so their dedupe key had no event in it:
"notify:{tracking}:delivered", "survey:{tracking}". Tracking numbers are unique per merchant and carrier only
(0005), and carriers reuse them: a merchant's new parcel under a number an old parcel had was never told it was on
its way or delivered, because the old parcel's key was there already. The keys now name the shipment's row
("notify:s{id}:delivered", bot/core/notifications.py parcel_key).

Data only (no schema change). Existing keys are rewritten so that a parcel notified before the upgrade is not
notified again after it: each names the merchant's parcel of that number, the oldest if two carriers share it (the
one that was notified: the newer one was the one left out). A key whose parcel is gone is left as it was; nothing
will look for it again. During a rolling deploy an old worker still writes the old form for a few minutes: the new
code reads both (bot/core/notifications.py `notified`, by the same oldest-parcel rule), so nothing is told twice;
a later release drops that fallback (the contract step of docs/deployment.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_messages = sa.table("messages", sa.column("id", sa.Integer), sa.column("merchant_id", sa.Integer),
                     sa.column("dedupe_key", sa.String))
_shipments = sa.table("shipments", sa.column("id", sa.Integer), sa.column("merchant_id", sa.Integer),
                      sa.column("tracking_number", sa.String))
BATCH = 1000


def _parse(key: str) -> tuple[str, str, str] | None:
    """(prefix, what names the parcel, the rest) of a notification key, or None for any other key."""
    if key.startswith("survey:"):
        return "survey", key[len("survey:"):], ""
    if key.startswith("notify:") and key.count(":") >= 2:
        _, parcel, rest = key.split(":", 2)
        return "notify", parcel, rest
    return None


def _key(prefix: str, parcel: str, rest: str) -> str:
    return f"{prefix}:{parcel}" if prefix == "survey" else f"{prefix}:{parcel}:{rest}"


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_messages.c.id, _messages.c.merchant_id, _messages.c.dedupe_key).where(
        sa.or_(_messages.c.dedupe_key.like("notify:%"), _messages.c.dedupe_key.like("survey:%")))).all()
    # a tracking number is upper case (bot/services/ingest_schema.py): a lower-case "s" is the new form already
    wanted = [(row.id, row.merchant_id, parsed) for row in rows
              if (parsed := _parse(row.dedupe_key)) is not None and not parsed[1].startswith("s")]
    if not wanted:
        return
    numbers = sorted({parsed[1] for _, _, parsed in wanted})
    oldest: dict[tuple[int, str], int] = {}
    for start in range(0, len(numbers), BATCH):  # only the numbers named: not the whole shipments table
        oldest.update(((row.merchant_id, row.tracking_number), row.first) for row in bind.execute(
            sa.select(_shipments.c.merchant_id, _shipments.c.tracking_number,
                      sa.func.min(_shipments.c.id).label("first"))
            .where(_shipments.c.tracking_number.in_(numbers[start:start + BATCH]))
            .group_by(_shipments.c.merchant_id, _shipments.c.tracking_number)))
    changes = [{"row_id": row_id, "key": _key(prefix, f"s{oldest[(merchant_id, parcel)]}", rest)}
               for row_id, merchant_id, (prefix, parcel, rest) in wanted if (merchant_id, parcel) in oldest]
    update = _messages.update().where(_messages.c.id == sa.bindparam("row_id")).values(
        dedupe_key=sa.bindparam("key"))
    for start in range(0, len(changes), BATCH):
        bind.execute(update, changes[start:start + BATCH])


def downgrade() -> None:
    """Back to tracking numbers. Fails (the unique constraint) if two parcels of one number were both notified
    since: the old rule can't hold them both, as it must."""
    bind = op.get_bind()
    numbers = dict(bind.execute(sa.select(_shipments.c.id, _shipments.c.tracking_number)).all())
    rows = bind.execute(sa.select(_messages.c.id, _messages.c.dedupe_key).where(
        sa.or_(_messages.c.dedupe_key.like("notify:s%"), _messages.c.dedupe_key.like("survey:s%")))).all()
    changes = []
    for row in rows:
        parsed = _parse(row.dedupe_key)
        if parsed is None or not parsed[1][1:].isdigit() or int(parsed[1][1:]) not in numbers:
            continue
        prefix, parcel, rest = parsed
        changes.append({"row_id": row.id, "key": _key(prefix, numbers[int(parcel[1:])], rest)})
    update = _messages.update().where(_messages.c.id == sa.bindparam("row_id")).values(
        dedupe_key=sa.bindparam("key"))
    for start in range(0, len(changes), BATCH):
        bind.execute(update, changes[start:start + BATCH])
