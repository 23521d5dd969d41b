"""A conversation a person took and then left unanswered goes back to the bot (and the shopper is told);
one the person is answering, or one still waiting in the queue, stays where it is. Assignment gives the
longest wait first and stops at each person's cap."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend import models as m
from bot.jobs import JOBS
from bot.services.console import Actor
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.console.kit import make_user, page_token, sign_in
from tests.helpers import sms_form, twilio_post


def _text(client, body: str, sender: str) -> None:  # noqa: ANN001
    twilio_post(client, "/twilio/sms", sms_form(body, sender=sender), token=TWILIO_TOKEN, public_url=PUBLIC_URL)


def _conv(runtime, phone: str) -> m.Conversation:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(m.Conversation).where(m.Conversation.address == phone))


def _later(runtime, minutes: int) -> None:  # noqa: ANN001
    start = runtime.clock()
    runtime.set_clock(lambda: start + timedelta(minutes=minutes))


def test_a_taken_conversation_left_unanswered_goes_back_to_the_bot(runtime, demo, client):
    for phone in ("+447700900456", "+447700900123"):
        _text(client, "AGENT", phone)
    make_user(runtime)
    sign_in(client)
    headers = {"X-CSRFToken": page_token(client)}
    left, answered = _conv(runtime, "+447700900456"), _conv(runtime, "+447700900123")
    for conv in (left, answered):
        assert client.post(f"/api/v1/conversations/{conv.id}/takeover", headers=headers).status_code == 200
        _text(client, "hello? anyone there", conv.address)
    client.post(f"/api/v1/conversations/{answered.id}/messages", headers=headers, json={"text": "Yes, here!"})

    assert JOBS["return_unanswered"](runtime) == 0  # not yet: the wait is 30 minutes
    _later(runtime, 31)
    assert JOBS["return_unanswered"](runtime) == 1
    assert _conv(runtime, left.address).status == "bot"
    assert _conv(runtime, answered.address).status == "with_agent"
    with runtime.sessions() as s:
        last = s.scalars(select(m.Message.body).where(m.Message.recipient == left.address)
                         .order_by(m.Message.id.desc())).first()
    assert "nobody from the Acme Outdoor team has been able to reply" in last
    assert JOBS["return_unanswered"](runtime) == 0  # idempotent


def test_take_next_gives_the_longest_wait_and_stops_at_the_cap(runtime, demo, client):
    for phone in ("+447700900456", "+447700900123", "+447700900789"):
        _text(client, "can I speak to a human", phone)
        _later(runtime, 1)
    agent_id = make_user(runtime, max_open=2)
    who = Actor("agent:sam@acme.example", "Sam", agent_id)
    taken = []
    for _ in range(3):
        with runtime.uow() as uow:
            conv = runtime.services.console.next_for(uow, demo.id, who, cap=2, now=runtime.clock())
            taken.append(conv.address if conv else None)
    assert taken == ["+447700900456", "+447700900123", None]
    assert _conv(runtime, "+447700900789").status == "waiting"


def test_the_wait_is_timed_from_the_takeover_or_the_shoppers_next_message(runtime, demo, client):
    """Review 4: a conversation that waited 45 minutes in the queue is the person's for 30 minutes from the
    takeover; a message from the shopper after it starts the 30 minutes again; unanswered after that, it goes."""
    phone = "+447700900456"
    _text(client, "AGENT", phone)
    _later(runtime, 45)
    make_user(runtime)
    sign_in(client)
    conv = _conv(runtime, phone)
    assert client.post(f"/api/v1/conversations/{conv.id}/takeover",
                       headers={"X-CSRFToken": page_token(client)}).status_code == 200
    _later(runtime, 20)
    _text(client, "hello? anyone there", phone)
    with runtime.uow() as uow:  # stored at the wall clock's time: put it at the test's
        last = uow.session.scalar(select(m.Message).where(m.Message.direction == "in")
                                  .order_by(m.Message.id.desc()).limit(1))
        last.created_at = runtime.clock()
    _later(runtime, 20)  # 40 minutes after the takeover, 20 after the shopper wrote
    assert JOBS["return_unanswered"](runtime) == 0
    _later(runtime, 11)
    assert JOBS["return_unanswered"](runtime) == 1
    assert _conv(runtime, phone).status == "bot"


def test_a_taken_conversation_nobody_answers_goes_back_30_minutes_after_the_takeover(runtime, demo, client):
    phone = "+447700900456"
    _text(client, "AGENT", phone)
    _later(runtime, 45)
    make_user(runtime)
    sign_in(client)
    conv = _conv(runtime, phone)
    client.post(f"/api/v1/conversations/{conv.id}/takeover", headers={"X-CSRFToken": page_token(client)})
    _later(runtime, 29)
    assert JOBS["return_unanswered"](runtime) == 0
    _later(runtime, 2)
    assert JOBS["return_unanswered"](runtime) == 1
