"""The engine's own guarantees, independent of any journey."""

from __future__ import annotations

from types import MappingProxyType

from sqlalchemy import select

from backend import models as m
from tests.helpers import say


def test_access_codes_are_masked_in_the_message_log_whatever_the_journey(runtime, demo):
    say(runtime, "where is my parcel? btw the gate code is 4821")
    with runtime.sessions() as s:
        body = s.scalar(select(m.Message.body).where(m.Message.direction == "in"))
    assert "4821" not in body and "gate code" in body


def test_a_failing_turn_keeps_the_message_and_apologises(runtime, demo):
    """A broken merchant template (unclosed brace) fails the turn: it rolls back, the inbound message is
    kept, and the shopper gets an honest apology instead of silence or a 500."""
    from backend.db import transaction

    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant))
        merchant.settings = {"responses": {"utter_greet": "Hi {brand"}}
    replies = say(runtime, "hello")
    assert replies and "something went wrong" in replies[0]
    with runtime.sessions() as s:
        assert s.scalar(select(m.Message.body).where(m.Message.direction == "in")) == "hello"
        audits = s.scalars(select(m.AuditEntry.action)).all()
    assert "view_status" not in audits


def test_a_turn_that_fails_after_writing_leaves_nothing_half_done(runtime, demo, monkeypatch):
    """The turn has no savepoint: an error after the dialogue wrote (the audit of a disclosure) rolls back the whole
    transaction, and a second one keeps the message, in its conversation, with the apology as its answer."""
    from bot.core.conversations import ConversationStore

    say(runtime, "hello")  # the conversation exists, with its state

    def broken_write(session, conv, state, at, replies=()):  # noqa: ANN001
        raise RuntimeError("the state could not be written")

    with runtime.sessions() as s:
        before = s.scalar(select(m.Conversation)).state
    monkeypatch.setattr(ConversationStore, "write_turn", staticmethod(broken_write))
    replies = say(runtime, "where is my parcel")
    assert replies and "something went wrong" in replies[0]
    with runtime.sessions() as s:
        conv = s.scalar(select(m.Conversation))
        inbound = s.scalars(select(m.Message).where(m.Message.direction == "in",
                                                    m.Message.body == "where is my parcel")).all()
        answer = s.scalars(select(m.Message).where(m.Message.in_reply_to_id == inbound[0].id)).all()
        audits = s.scalars(select(m.AuditEntry.action)).all()
    assert len(inbound) == 1 and inbound[0].conversation_id == conv.id
    assert [a.body for a in answer] == replies
    assert "view_status" not in audits, "the disclosure's audit went with the rolled-back turn"
    assert conv.state == before


def test_a_rasa_server_that_is_down_gets_an_honest_reply(settings, demo):
    """PARCELBOT_NLU_BACKEND=rasa with the server down (mocked at the HTTP layer): reply, keep the message."""
    import responses

    import intents
    from bot.runtime import build_runtime

    rasa = intents.load_interpreter("rasa", rasa_url="http://rasa.test:5005")
    runtime = build_runtime(settings, interpreter=rasa, synchronous_jobs=True)
    with responses.RequestsMock() as mock:
        mock.post("http://rasa.test:5005/model/parse", status=503)
        replies = say(runtime, "where is my parcel")
    assert replies and "can't read messages" in replies[0]
    with runtime.sessions() as s:
        assert s.scalar(select(m.Message.body).where(m.Message.direction == "in")) == "where is my parcel"


def test_merchant_wording_cannot_reach_attributes():
    import pytest

    from bot.core.merchant_config import MerchantConfig
    from bot.core.wording import Wording

    def merchant(greeting: str) -> MerchantConfig:
        return MerchantConfig(1, "acme", "Acme Ltd", "Acme", "Europe/London",
                              responses=MappingProxyType({"utter_greet": greeting}))

    wording = Wording()
    assert wording.render("utter_greet", merchant=merchant("Hi from {brand}")) == "Hi from Acme"
    with pytest.raises(ValueError):
        wording.render("utter_greet", merchant=merchant("{brand.__class__.__mro__}"))


def test_a_message_id_another_merchant_used_never_shows_that_merchants_replies(runtime, demo):
    """The channel's message id is unique across the installation; a clash (never from a Twilio-signed webhook, but
    a REST caller chooses its own ids) must not hand merchant B what was said to merchant A's shopper."""
    from backend.db import transaction
    from bot.core.messages import InboundMessage
    from tests.helpers import new_sid

    with transaction(runtime.sessions) as s:
        s.add(m.Merchant(slug="other", name="Other Ltd", timezone="Europe/London", settings={},
                         sms_number="+441614960777"))
    sid = new_sid()
    first = runtime.engine.handle(InboundMessage("sms", "+447700900123", "+441614960000", "where is my parcel",
                                                 channel_message_id=sid))
    assert "PB100000001GB" in first.replies[0].text
    clash = runtime.engine.handle(InboundMessage("sms", "+447700900123", "+441614960777", "hello",
                                                 channel_message_id=sid))
    assert clash.duplicate and not any("PB100000001GB" in r.text for r in clash.replies)
