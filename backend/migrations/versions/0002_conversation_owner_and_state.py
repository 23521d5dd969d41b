"""conversation owner (status, assignee, waiting since, handoff reason) and typed state v2

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05

Data carried over:
- a handed-off conversation (handed_off_at set) becomes status "waiting", waiting since that moment, with
  the reason its state held; every other conversation is owned by the bot;
- the flat state of version 1 (flow, step, slots with return_to / verify / after_change links, parked,
  offer_*, handoff_*) becomes version 2: a stack of frames, the parked stack, the offer, the last ack.

The converter is a frozen copy written for this migration (migrations must not change when the code does).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Slots each sub-flow kept for itself in version 1 (they shared one slots dict with their caller).
_OWN = {
    "identify": ("candidates", "reference", "choices"),
    "verify": (),
    "change": ("pending_action", "change_key", "summary", "fee", "currency", "fee_accepted"),
}
_LINK = {"identify": "return_to", "change": "after_change"}


def _frame(flow: Any, step: Any, slots: dict, flat: dict | None = None, then: Any = None) -> dict:
    frame: dict[str, Any] = {"flow": flow or None, "step": step or None, "slots": slots}
    if flat:
        if isinstance(flat.get("question"), dict):
            frame["question"] = flat["question"]
        if flat.get("free_text"):
            frame["free_text"] = True
        if flat.get("reasks"):
            frame["reasks"] = int(flat["reasks"])
    if then:
        frame["then"] = then
    return frame


def _stack(flat: Any) -> list[dict]:
    if not isinstance(flat, dict):
        return []
    slots = dict(flat.get("slots") or {})
    flow = flat.get("flow")
    if not flow and not slots:
        return []
    frames: list[dict] = []  # top first
    step: Any = flat.get("step")
    then: Any = None
    carry: dict | None = flat
    for _ in range(4):  # verify -> change -> journey is the deepest chain version 1 could hold
        if flow == "verify" and isinstance(slots.get("verify"), dict):
            link = slots.pop("verify")
            own = {"tracking": link.get("tracking")}
            caller = link.get("return_to") or {}
        elif flow in _LINK and isinstance(slots.get(_LINK[flow]), dict):
            caller = slots.pop(_LINK[flow])
            own = {k: slots.pop(k) for k in _OWN[flow] if k in slots}
            if flow == "change" and "tracking_number" in slots:
                own["tracking_number"] = slots["tracking_number"]
        else:
            break
        frames.append(_frame(flow, step, own, carry, then))
        flow, step, then, carry = caller.get("flow"), None, caller.get("step"), None
    for key in ("return_to", "verify", "after_change"):
        slots.pop(key, None)
    frames.append(_frame(flow, step, slots, carry, then))
    return list(reversed(frames))


def convert_state(state: Any) -> dict:
    """Version 1 (flat) -> version 2 (frames); version 2 and empty states pass through."""
    if not isinstance(state, dict) or not state:
        return {}
    if state.get("v") == 2:
        return state
    out: dict[str, Any] = {"v": 2}
    stack = _stack(state)
    if stack:
        out["stack"] = stack
    parked = _stack(state.get("parked"))
    if parked:
        out["parked"] = parked
    if isinstance(state.get("offer"), dict):
        out["offer"] = {"options": state["offer"], "tracking": state.get("offer_tracking") or "",
                        "expires": state.get("offer_expires") or ""}
    if state.get("handoff_ack_at"):
        out["handoff_ack_at"] = state["handoff_ack_at"]
    return out


def _loads(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return {}
    return value


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=False, server_default="bot"))
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("waiting_since", backend.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("handoff_reason", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_conversations_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversations_assignee_id"), ["assignee_id"], unique=False)

    conn = op.get_bind()
    conversations = sa.table(
        "conversations",
        sa.column("id", sa.Integer()),
        sa.column("state", sa.JSON()),
        sa.column("handed_off_at", backend.models.UTCDateTime(timezone=True)),
        sa.column("status", sa.String()),
        sa.column("waiting_since", backend.models.UTCDateTime(timezone=True)),
        sa.column("handoff_reason", sa.String()),
    )
    rows = conn.execute(sa.select(conversations.c.id, conversations.c.state, conversations.c.handed_off_at)).all()
    for row in rows:
        state = _loads(row.state) or {}
        values: dict[str, Any] = {"state": convert_state(state)}
        if row.handed_off_at is not None:
            values.update(status="waiting", waiting_since=row.handed_off_at,
                          handoff_reason=str(state.get("handoff_reason") or "shopper_asked")[:64])
        conn.execute(sa.update(conversations).where(conversations.c.id == row.id).values(**values))

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("handed_off_at")
        batch_op.alter_column("status", server_default=None)


def _back_to_v1(state: Any, reason: Any) -> dict:
    """Version 2 -> version 1, as far as it goes: the one-tap offer, the last ack and the handoff reason come
    back; an open question does not (it would have expired after the conversation TTL anyway)."""
    out: dict[str, Any] = {}
    if isinstance(state, dict):
        offer = state.get("offer")
        if isinstance(offer, dict):
            out.update(offer=offer.get("options") or {}, offer_tracking=offer.get("tracking") or "",
                       offer_expires=offer.get("expires") or "")
        if state.get("handoff_ack_at"):
            out["handoff_ack_at"] = state["handoff_ack_at"]
    if reason:
        out["handoff_reason"] = reason
    return out


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handed_off_at", backend.models.UTCDateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    conversations = sa.table(
        "conversations",
        sa.column("id", sa.Integer()),
        sa.column("state", sa.JSON()),
        sa.column("status", sa.String()),
        sa.column("waiting_since", backend.models.UTCDateTime(timezone=True)),
        sa.column("last_message_at", backend.models.UTCDateTime(timezone=True)),
        sa.column("handoff_reason", sa.String()),
        sa.column("handed_off_at", backend.models.UTCDateTime(timezone=True)),
    )
    rows = conn.execute(sa.select(conversations.c.id, conversations.c.state, conversations.c.status,
                                  conversations.c.waiting_since, conversations.c.last_message_at,
                                  conversations.c.handoff_reason)).all()
    for row in rows:
        handed = row.status in ("waiting", "with_agent")
        values: dict[str, Any] = {"state": _back_to_v1(_loads(row.state), row.handoff_reason if handed else None)}
        if handed:  # a person's conversation stays a person's (with a person but never waiting: since its last message)
            values["handed_off_at"] = row.waiting_since or row.last_message_at
        conn.execute(sa.update(conversations).where(conversations.c.id == row.id).values(**values))
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_assignee_id"))
        batch_op.drop_index(batch_op.f("ix_conversations_status"))
        batch_op.drop_column("handoff_reason")
        batch_op.drop_column("waiting_since")
        batch_op.drop_column("assignee_id")
        batch_op.drop_column("status")
