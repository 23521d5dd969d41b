"""The merchant console's settings that change what the bot does in a conversation (docs/merchant-settings.md):
an upset shopper handed to a person at once, a person after N messages in a row the bot couldn't read, a
sign-off under proactive texts, and the 1-5 survey after a delivery. Each is off by default."""

from __future__ import annotations

from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.apikeys import create_key
from tests.security.security_kit import OWN, TRACKING, audits, merchant_settings, sent_to, talk

UPSET = "WHERE IS MY PARCEL??? this is ridiculous, third time asking!!!"
NONSENSE = ("what's the weather like in Lisbon", "tell me a joke about cats", "who won the football last night")


def _conversation(runtime, sender: str = OWN) -> m.Conversation:  # noqa: ANN001
    with runtime.sessions() as session:
        return session.scalar(select(m.Conversation).where(m.Conversation.address == sender))


def test_an_upset_shopper_goes_to_a_person_at_once_when_the_merchant_says_so(runtime, demo):
    merchant_settings(runtime, handoff={"when_upset": True})
    reply = talk(runtime, OWN, UPSET)
    conv = _conversation(runtime)
    assert conv.status == "waiting" and conv.handoff_reason == "upset"
    assert "team" in reply


def test_by_default_an_upset_shopper_is_answered_by_the_bot(runtime, demo):
    reply = talk(runtime, OWN, UPSET)
    assert _conversation(runtime).status == "bot"
    assert "sorry" in reply.lower()


def test_a_person_after_the_merchants_number_of_misunderstandings_in_a_row(runtime, demo):
    merchant_settings(runtime, handoff={"after_misunderstandings": 2})
    first = talk(runtime, OWN, NONSENSE[0])
    assert _conversation(runtime).status == "bot" and "deliveries" in first
    second = talk(runtime, OWN, NONSENSE[1])
    conv = _conversation(runtime)
    assert conv.status == "waiting" and conv.handoff_reason == "misunderstood"
    assert "not understanding" in second


def test_an_understood_message_restarts_the_count(runtime, demo):
    merchant_settings(runtime, handoff={"after_misunderstandings": 2})
    talk(runtime, OWN, NONSENSE[0])
    talk(runtime, OWN, "where is my parcel")
    talk(runtime, OWN, NONSENSE[1])
    assert _conversation(runtime).status == "bot"
    talk(runtime, OWN, NONSENSE[2])
    assert _conversation(runtime).status == "waiting"


def _delivered(runtime, client) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as session:
        merchant = session.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        key, _ = create_key(session, merchant)
    body = {"event_id": "evt-delivered-1", "status": "delivered", "occurred_at": runtime.clock().isoformat()}
    answer = client.post(f"/api/v1/shipments/{TRACKING}/events", json=body, headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)


def test_proactive_texts_end_with_the_merchants_sign_off(runtime, demo, client):
    merchant_settings(runtime, quiet_hours=None, brand={"name": "Acme Outdoor", "sign_off": "- Acme Outdoor"})
    _delivered(runtime, client)
    texts = sent_to(runtime, OWN)
    assert texts and texts[-1].endswith("\n- Acme Outdoor")
    assert "- Acme Outdoor" not in talk(runtime, OWN, "where is my parcel")  # replies don't repeat it


def test_the_survey_after_delivery_is_asked_once_and_its_rating_counted(runtime, demo, client):
    merchant_settings(runtime, quiet_hours=None, survey={"after_delivery": True})
    _delivered(runtime, client)
    texts = sent_to(runtime, OWN)
    assert "1 (poor) to 5 (great)" in texts[-1]
    assert "Thank you" in talk(runtime, OWN, "4")
    assert [e.result for e in audits(runtime, "survey")] == ["4"]


def test_no_survey_unless_the_merchant_asks(runtime, demo, client):
    merchant_settings(runtime, quiet_hours=None)
    _delivered(runtime, client)
    assert not any("1 (poor)" in text for text in sent_to(runtime, OWN))
