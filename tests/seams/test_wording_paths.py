"""One wording service: every path that sends words uses the merchant's override and its brand.

Each case overrides one template with "{brand} says: <marker>" and drives the path that sends it, as a shopper
or an integration would: a reply in a conversation, the NLU-down and carrier-down answers, the apology after a
bug, a one-time code, a delivery notification, the follow-up text after a slow carrier. Before the wording
service, some of these ignored the override or rendered {brand} blank. Also: a per-channel override, and nothing
but bot/core/wording.py reads the templates.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.protocol import BackendUnavailable
from backend.reference import ReferenceBackend
from bot.core.messages import InboundMessage
from bot.jobs.slow_changes import finish_slow_change
from intents import NLUUnavailable
from tests.helpers import new_sid

BRAND = "Zest Parcels"
OWN = "+447700900123"  # PB100000001GB, in transit
ROOT = Path(__file__).resolve().parents[2]


def _override(runtime, key: str, marker: str, **more: object) -> str:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        merchant.settings = {**(merchant.settings or {}), "brand_name": BRAND,
                             "responses": {key: f"{{brand}} says: {marker}"}, **more}
    return f"{BRAND} says: {marker}"


def _send(runtime, text: str, *, engine=None, channel: str = "sms", sender: str = OWN) -> list[str]:  # noqa: ANN001
    to = "+441614960000" if channel == "sms" else "demo"
    outcome = (engine or runtime.engine).handle(InboundMessage(channel, sender, to, text, channel_message_id=new_sid()))
    return [r.text for r in outcome.replies]


def _outbox(runtime, to: str = OWN) -> list[str]:  # noqa: ANN001
    with runtime.sessions() as s:
        return list(s.scalars(select(m.Message.body).where(m.Message.direction == "out", m.Message.recipient == to,
                                                           m.Message.status != "reply").order_by(m.Message.id)))


def test_a_reply_in_a_conversation(runtime, demo):
    expected = _override(runtime, "utter_greet", "hello there")
    assert expected in _send(runtime, "hi")


def test_the_answer_when_the_nlu_is_down(runtime, demo):
    class Down:
        def parse(self, text, context=None):  # noqa: ANN001, ANN202
            raise NLUUnavailable("the Rasa server is away")

    expected = _override(runtime, "utter_nlu_down", "can't read you right now")
    assert _send(runtime, "where is my parcel", engine=runtime.engine.replace(interpreter=Down())) == [expected]


def test_the_answer_when_the_carrier_is_down(runtime, demo):
    class Away(ReferenceBackend):
        def find_shipments(self, **kwargs):  # noqa: ANN003, ANN201
            raise BackendUnavailable("carrier timeout")

    runtime.set_backends(lambda session, merchant, now: Away(session, merchant, now=now))
    expected = _override(runtime, "utter_backend_down", "carrier is not answering")
    assert _send(runtime, "where is my parcel") == [expected]


def test_the_apology_after_a_bug(runtime, demo):
    def broken(session, merchant, now):  # noqa: ANN001, ANN202
        raise RuntimeError("a bug")

    runtime.set_backends(broken)
    expected = _override(runtime, "utter_something_went_wrong", "sorry about that")
    assert _send(runtime, "where is my parcel") == [expected]


def test_the_one_time_code_text(runtime, demo):
    expected = _override(runtime, "utter_code_message", "code follows",
                         verification={"add_delivery_note": "code"})
    _send(runtime, "add a note for the driver: ring twice")
    _send(runtime, "yes")
    assert any(body.startswith(expected) for body in _outbox(runtime))


def test_the_handoff_text_for_another_channel(runtime, demo):
    """A per-channel override: the web chat's own wording, SMS keeps the default override."""
    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        merchant.settings = {"brand_name": BRAND, "responses": {"utter_handoff_started": {
            "default": "{brand}: a person will text you back.", "rest": "{brand}: a person will join this chat."}}}
    assert _send(runtime, "talk to a human", channel="rest", sender="rest:web-1") == [
        f"{BRAND}: a person will join this chat."]
    assert _send(runtime, "talk to a human") == [f"{BRAND}: a person will text you back."]


def test_the_follow_up_after_a_slow_carrier(runtime, demo):
    expected = _override(runtime, "utter_change_confirmed_later", "done at last")
    _send(runtime, "hi")  # the shopper's conversation
    with runtime.sessions() as s:
        conv_id = s.scalar(select(m.Conversation.id).where(m.Conversation.address == OWN))
    status = finish_slow_change(runtime, merchant_id=demo.id, tracking="PB100000001GB", action="add_delivery_note",
                                params={"note": "Please knock"}, fee_accepted=False, key="chg-wording-test",
                                actor=OWN, channel="sms", verified_by="sender_number", conversation_id=conv_id,
                                summary="the driver will see a note")
    assert status == "accepted"
    assert _outbox(runtime)[-1] == expected


@pytest.fixture
def api_headers(runtime, demo) -> dict[str, str]:  # noqa: ANN001
    from bot.core.apikeys import create_key

    with transaction(runtime.sessions) as s:
        key, _ = create_key(s, s.get(m.Merchant, demo.id))
    return {"Authorization": f"Bearer {key}"}


def test_a_delivery_notification(runtime, client, api_headers):  # noqa: ANN001
    from datetime import UTC, datetime, timedelta

    from tests.api.support import event, shipment

    runtime.set_clock(lambda: datetime(2031, 3, 4, 11, 0, tzinfo=UTC))  # daytime: not held for quiet hours
    expected = _override(runtime, "utter_notify_shipped", "on its way")
    body = shipment()
    assert client.post("/api/v1/shipments", json=body, headers=api_headers).status_code == 201
    sent = event("in_transit", now=datetime(2031, 3, 4, 11, 0, tzinfo=UTC) - timedelta(minutes=5))
    assert client.post(f"/api/v1/shipments/{body['tracking_number']}/events", json=sent,
                       headers=api_headers).status_code == 201
    assert _outbox(runtime, body["recipient"]["phone"]) == [expected]


def test_nothing_but_the_wording_service_reads_the_templates():
    """Structural: the catalogue and `fill` are used only through bot/core/wording.py (no second path that
    could forget the merchant or the brand)."""
    offenders = []
    packages = ("bot", "channels", "dialogues", "intents", "backend", "training_data")
    for path in sorted(p for package in packages for p in (ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "bot/core/wording.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "bot.core.wording":
                names = {a.name for a in node.names} & {"fill", "load_catalogue", "responses_dir"}
                if names:
                    offenders.append(f"{rel}: {sorted(names)}")
        if re.search(r"responses/\*\.yml|\"responses\" */", path.read_text(encoding="utf-8")):
            offenders.append(f"{rel}: reads the responses files itself")
    assert offenders == []
