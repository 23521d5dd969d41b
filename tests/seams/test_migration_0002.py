"""Migration 0002 carries every conversation over: a handed-off one is "waiting" since then, with its reason;
the flat state of version 1 becomes the typed stack of frames (a journey waiting on the sub-flow it called),
the parked journey and the one-tap offer. Checked on the database the suite runs on (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from backend.db import alembic_config
from bot.core.conversations import ConversationState

HANDED_OFF = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
V1_IN_IDENTIFY = {
    "flow": "identify", "step": "postcode", "free_text": False, "reasks": 1,
    "question": {"key": "utter_ask_postcode", "values": {}, "rendered": []},
    "slots": {"neighbour": "number 22", "standing": True, "candidates": ["PB1"], "reference": "PB1",
              "return_to": {"flow": "leave_with_neighbour", "step": "with_shipment"}},
    "parked": {"flow": "change", "step": "confirm", "slots": {"tracking_number": "PB2", "change_key": "chg-1",
                                                               "after_change": {"flow": "hold_delivery", "step": "x"}}},
    "offer": {"1": "reschedule_delivery"}, "offer_tracking": "PB3", "offer_expires": "2026-12-02T10:00:00+00:00",
}
V1_HANDED_OFF = {"handoff_reason": "claim_damaged", "handoff_ack_at": "2026-12-01T09:40:00+00:00"}


def test_conversations_are_carried_over(db_url):
    engine = sa.create_engine(db_url)
    command.downgrade(alembic_config(db_url), "0001")  # back to the schema before 0002 (the suite's is at head)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO merchants (id, slug, name, timezone, settings, created_at) "
                                 "VALUES (1, 'm', 'M', 'Europe/London', '{}', :now)"), {"now": HANDED_OFF})
            for i, (state, handed) in enumerate(((V1_IN_IDENTIFY, None), (V1_HANDED_OFF, HANDED_OFF)), 1):
                conn.execute(sa.text(
                    "INSERT INTO conversations (id, merchant_id, channel, address, state, verified_shipment_ids, "
                    "handed_off_at, last_message_at, created_at) VALUES (:id, 1, 'sms', :addr, :state, '[]', "
                    ":handed, :now, :now)"), {"id": i, "addr": f"+4477009000{i}", "state": json.dumps(state),
                                              "handed": handed, "now": HANDED_OFF})
        command.upgrade(alembic_config(db_url), "head")
        with engine.connect() as conn:
            rows = {r.id: r for r in conn.execute(sa.text(
                "SELECT id, status, waiting_since, handoff_reason, assignee_id, state FROM conversations"))}
    finally:
        command.upgrade(alembic_config(db_url), "head")
        engine.dispose()

    journey = rows[1]
    assert (journey.status, journey.waiting_since, journey.handoff_reason) == ("bot", None, None)
    state = ConversationState.from_json(_json(journey.state))
    assert [(f.flow, f.step, f.then) for f in state.stack] == [
        ("leave_with_neighbour", None, "with_shipment"), ("identify", "postcode", None)]
    caller, identify = state.stack
    assert caller.slots == {"neighbour": "number 22", "standing": True}
    assert identify.slots == {"candidates": ["PB1"], "reference": "PB1"}
    assert identify.question is not None and identify.question.key == "utter_ask_postcode" and identify.reasks == 1
    assert [(f.flow, f.then) for f in state.parked] == [("hold_delivery", "x"), ("change", None)]
    assert state.parked[1].slots == {"tracking_number": "PB2", "change_key": "chg-1"}
    assert state.offer is not None and (state.offer.options, state.offer.tracking) == ({"1": "reschedule_delivery"},
                                                                                       "PB3")

    waiting = rows[2]
    assert (waiting.status, waiting.handoff_reason, waiting.assignee_id) == ("waiting", "claim_damaged", None)
    assert _aware(waiting.waiting_since) == HANDED_OFF
    assert ConversationState.from_json(_json(waiting.state)).handoff_ack_at == datetime(2026, 12, 1, 9, 40, tzinfo=UTC)


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


def _aware(value: object) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_a_downgrade_keeps_who_has_the_conversation_and_its_offer(db_url):
    engine = sa.create_engine(db_url)
    offer = {"options": {"1": "reschedule_delivery"}, "tracking": "PB3", "expires": "2026-12-02T10:00:00+00:00"}
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO merchants (id, slug, name, timezone, settings, created_at) "
                                 "VALUES (1, 'm', 'M', 'Europe/London', '{}', :now)"), {"now": HANDED_OFF})
            for i, (status, since, state) in enumerate((
                ("with_agent", None, {"v": 2, "offer": offer}),  # a person took it without it ever waiting
                ("waiting", HANDED_OFF, {"v": 2, "handoff_ack_at": "2026-12-01T09:40:00+00:00"}),
                ("bot", None, {"v": 2, "stack": [{"flow": "identify", "step": "postcode", "slots": {}}]}),
            ), 1):
                conn.execute(sa.text(
                    "INSERT INTO conversations (id, merchant_id, channel, address, state, verified_shipment_ids, "
                    "status, waiting_since, handoff_reason, last_message_at, created_at) VALUES (:id, 1, 'sms', "
                    ":addr, :state, '[]', :status, :since, :reason, :now, :now)"),
                    {"id": i, "addr": f"+4477009000{i}", "state": json.dumps(state), "status": status, "since": since,
                     "reason": "claim_damaged" if status != "bot" else None, "now": HANDED_OFF})
        command.downgrade(alembic_config(db_url), "0001")
        with engine.connect() as conn:
            rows = {r.id: r for r in conn.execute(sa.text("SELECT id, state, handed_off_at FROM conversations"))}
    finally:
        command.upgrade(alembic_config(db_url), "head")
        engine.dispose()
    assert _aware(rows[1].handed_off_at) == HANDED_OFF and _aware(rows[2].handed_off_at) == HANDED_OFF
    assert rows[3].handed_off_at is None
    assert _json(rows[1].state) == {"offer": {"1": "reschedule_delivery"}, "offer_tracking": "PB3",
                                    "offer_expires": "2026-12-02T10:00:00+00:00", "handoff_reason": "claim_damaged"}
    assert _json(rows[2].state) == {"handoff_ack_at": "2026-12-01T09:40:00+00:00", "handoff_reason": "claim_damaged"}
    assert _json(rows[3].state) == {}
