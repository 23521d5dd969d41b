"""On tables the size of a busy merchant's, every statement a shopper's turn runs finds its rows through an index.

A missing index doesn't show in a test database of ten rows, nor in statement counts: it shows as PostgreSQL's
CPU growing with the table, on every message. The per-sender lookup limits counted a sender's recent audit rows
by `merchant_id` and `at` alone, so each count read the whole window, everyone's (migration 0011 indexes actor,
action and time). This fills the tables a turn reads with other shoppers' rows, runs the turns of the load
benchmark's conversations (SMS where-is, first message and later; a change made with its one-time code; the web
chat's number and postcode; a greeting), and asks PostgreSQL for the plan of each statement they ran, with its
own parameters: none may read a whole big table. Plans, not timings (PostgreSQL only: SQLite's planner is another
matter).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert, text

from backend import models as m
from bot.core.messages import InboundMessage
from tests.conversation_runner import latest_code
from tests.helpers import new_sid

pytestmark = pytest.mark.skipif(not os.environ.get("PARCELBOT_TEST_DATABASE_URL"),
                                reason="query plans are PostgreSQL's")

ROWS = 6000  # other shoppers: enough that reading a table is plainly costlier than an index to the planner
BIG = {"conversations", "contacts", "messages", "audit_log", "shipments", "tracking_events"}
SHOP = "+441614960000"


def _fill(engine, merchant_id: int) -> None:  # noqa: ANN001
    now = datetime.now(UTC)
    phones = [f"+4477008{i:05d}" for i in range(ROWS)]  # none of them the demo's shoppers
    with engine.begin() as conn:
        conn.execute(insert(m.Contact), [dict(merchant_id=merchant_id, phone=p, preferences={}) for p in phones])
        conn.execute(insert(m.Conversation), [
            dict(merchant_id=merchant_id, channel="sms", address=p, state={}, verified_shipment_ids=[],
                 status="bot", last_message_at=now) for p in phones])
        conn.execute(insert(m.Shipment), [
            dict(merchant_id=merchant_id, tracking_number=f"PL{i:09d}GB", recipient_phone=p, postcode="LS1 1AA",
                 status="in_transit", items=[], instructions={}, live={}) for i, p in enumerate(phones)])
        conn.execute(insert(m.Message), [
            dict(merchant_id=merchant_id, direction="in", channel="sms", channel_message_id=f"SMfill{i}", sender=p,
                 recipient=SHOP, body="where's my parcel", media_urls=[], status="received")
            for i, p in enumerate(phones)])
        conn.execute(insert(m.AuditEntry), [  # all inside the lookup limits' windows: the worst case for them
            dict(merchant_id=merchant_id, actor=p, action=action, subject=f"PL{i:09d}GB", result=result,
                 detail={}, at=now - timedelta(minutes=i % 10))
            for i, p in enumerate(phones)
            for action, result in (("identify", "no_match"), ("view_status", "ok"), ("identify_lookup", "ok"))])
        conn.execute(text("INSERT INTO tracking_events (shipment_id, event_id, status, occurred_at, location, "
                          "description, data, received_at) SELECT id, 'fill-' || id, 'in_transit', now(), 'Depot', "
                          "'Arrived at the depot', '{}', now() FROM shipments WHERE tracking_number LIKE 'PL%'"))
        conn.execute(text("ANALYZE"))


def _whole_table_reads(plan: dict) -> list[str]:  # noqa: FA102
    found = [plan["Relation Name"]] if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG else []
    for child in plan.get("Plans", []):
        found += _whole_table_reads(child)
    return found


def test_a_turns_statements_use_an_index_on_a_busy_merchants_tables(runtime, demo, client):  # noqa: ANN001
    engine = runtime.sessions.kw["bind"]
    _fill(engine, demo.id)
    ran: list[tuple[str, object]] = []

    def seen(_conn, _cursor, statement, parameters, _context, _many) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
            ran.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        for sender in ("+447700900123", "+447700900123", "+447700955555"):  # a parcel's owner twice; a stranger
            outcome = runtime.engine.handle(InboundMessage("sms", sender, SHOP, "where's my parcel",
                                                           channel_message_id=new_sid()))
            assert outcome.replies and not outcome.failed
        owner = "+447700900123"
        for words in ("can you leave my parcel with number 22 if I'm out", "yes", None):  # a change, with its code
            sent = words or latest_code(runtime, owner)
            outcome = runtime.engine.handle(InboundMessage("sms", owner, SHOP, sent, channel_message_id=new_sid()))
            assert outcome.replies and not outcome.failed, sent
        assert "22" in outcome.replies[-1].text, "the change was made"
        for words in ("where is PB100000001GB", "M1 4BT", "hi"):
            answer = client.post("/webhooks/rest/webhook", json={"sender": "web-plans", "message": words})
            assert answer.status_code == 200 and answer.get_json(), words
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(ran) >= 10, "the turns ran their statements through this engine"
    readers = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in ran:
            cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
            (plan,) = cursor.fetchone()
            plan = plan if isinstance(plan, list) else json.loads(plan)
            tables = _whole_table_reads(plan[0]["Plan"])
            if tables:
                readers.append((tables, " ".join(statement.split())[:300]))
        raw.rollback()
    finally:
        raw.close()
    assert not readers, "\n".join(f"{t}: {s}" for t, s in readers)
