"""outbox dedupe keys and idempotency keys unique per merchant, not across every merchant

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

A notification's dedupe key names a tracking number ("notify:{tracking}:delivered"), which only the merchant
makes unique (0005); an idempotency key may come from a merchant's own system (the conversation API). Unique
across the database, merchant A's key stood in for merchant B's: B's shopper was never texted, or got A's photo,
and B was handed A's change. Now each is unique per merchant and every lookup is scoped by merchant.
Existing rows need nothing: keys unique across the database are unique per merchant too.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# table, key column, the new constraint's name. 0001/0004 left the old constraints unnamed: PostgreSQL called
# them {table}_{column}_key; SQLite keeps no name, so the batch copy names them by SQLITE_NAMES to drop them.
KEYS = [
    ("messages", "dedupe_key", "uq_message_merchant_dedupe"),
    ("delivery_changes", "idempotency_key", "uq_delivery_change_merchant_key"),
    ("pending_requests", "idempotency_key", "uq_pending_request_merchant_key"),
    ("payments", "idempotency_key", "uq_payment_merchant_key"),
]
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _swap(table: str, old: str, new: str, new_columns: list[str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(table, naming_convention=SQLITE_NAMES) as batch_op:
            batch_op.drop_constraint(old, type_="unique")
            batch_op.create_unique_constraint(new, new_columns)
        return
    op.drop_constraint(old, table, type_="unique")
    op.create_unique_constraint(new, table, new_columns)


def _old_name(table: str, column: str) -> str:
    return f"uq_{table}_{column}" if op.get_bind().dialect.name == "sqlite" else f"{table}_{column}_key"


def upgrade() -> None:
    for table, column, new in KEYS:
        _swap(table, _old_name(table, column), new, ["merchant_id", column])


def downgrade() -> None:
    """Fails if two merchants now share a key (as it must: the old rule can't hold them both)."""
    for table, column, new in KEYS:
        _swap(table, new, _old_name(table, column), [column])
