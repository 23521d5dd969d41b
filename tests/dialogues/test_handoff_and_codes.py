"""Found driving the demo: silence after a handoff, photo wording per channel, "1 more tries", a 5-digit
answer burning a try, and a clarified note losing the words the shopper gave with their pick."""

from __future__ import annotations

import re

import pytest
from aftersales_kit import OWN_DELIVERED, ForcedIntent, conversation_of, talk, text_of
from sqlalchemy import func, select

from backend import models as m
from dialogues.journeys.handoff import ACK_EVERY
from tests.security.security_kit import OWN, audits, later, latest_code, rest, set_clock, wrong_code
from tests.security.security_kit import talk as say

# -- 1. waiting for a person ------------------------------------------------------------------------------


def _inbound(runtime, sender: str) -> list[str]:  # noqa: ANN001
    with runtime.sessions() as s:
        return list(s.scalars(select(m.Message.body).where(m.Message.direction == "in", m.Message.sender == sender)
                              .order_by(m.Message.id)))


def test_the_handoff_says_how_to_get_back_to_the_bot(runtime, demo, client):
    first = rest(client, "web-7", "i want to talk to a human")
    assert "passed this to" in first and "BOT" in first


def test_the_next_message_on_rest_is_acknowledged_not_silent(runtime, demo, client):
    rest(client, "web-7", "i want to talk to a human")
    ack = rest(client, "web-7", "hello?")
    assert "has your messages" in ack and "BOT" in ack


def test_every_message_while_waiting_is_answered_briefly_in_between_and_every_message_is_kept(runtime, demo, client):
    rest(client, "web-7", "i want to talk to a human")
    assert "has your messages" in rest(client, "web-7", "hello?")
    brief = rest(client, "web-7", "anyone there")  # acknowledged a moment ago: a short answer, never silence
    assert brief and "has your messages" not in brief and "with the Acme Outdoor team" in brief
    set_clock(runtime, later(ACK_EVERY.total_seconds() / 60 + 1))
    assert "has your messages" in rest(client, "web-7", "still waiting")
    assert _inbound(runtime, "rest:web-7")[-3:] == ["hello?", "anyone there", "still waiting"]
    assert len(audits(runtime, "handoff", result="requested")) == 1


def test_bot_hands_the_conversation_back(runtime, demo):
    talk(runtime, OWN, "i want to talk to a human")
    assert conversation_of(runtime, OWN).handed_off
    back = text_of(talk(runtime, OWN, "BOT"))
    assert "back with the assistant" in back
    assert not conversation_of(runtime, OWN).handed_off
    assert audits(runtime, "handoff", result="returned_to_bot")
    assert "on the way" in text_of(talk(runtime, OWN, "wheres my parcel"))


def test_a_claim_handed_to_a_person_says_how_to_get_back_too(runtime, demo):
    talk(runtime, OWN_DELIVERED, "my parcel arrived damaged")
    talk(runtime, OWN_DELIVERED, "skip")
    handed = text_of(talk(runtime, OWN_DELIVERED, "3"))
    assert "CLM-" in handed and "BOT" in handed


# -- 2. a photo only where one can be sent ----------------------------------------------------------------


def test_sms_asks_for_a_picture_message(runtime, demo):
    asked = text_of(talk(runtime, OWN_DELIVERED, "my parcel arrived damaged"))
    assert "MMS" in asked and "WhatsApp" not in asked and "SKIP" in asked


def test_rest_does_not_ask_for_a_photo_it_cannot_receive(runtime, demo, client):
    rest(client, "web-9", "my parcel PB100000003GB arrived damaged")
    offer = rest(client, "web-9", "M1 4BT")
    assert "photo" in offer.lower() and "follow up" in offer  # says what happens instead
    assert "MMS" not in offer and "WhatsApp" not in offer and "SKIP" not in offer
    assert "What would you like us to do" in offer
    rest(client, "web-9", "2")
    rest(client, "web-9", "yes")
    rest(client, "web-9", latest_code(runtime, OWN_DELIVERED))
    with runtime.sessions() as s:
        claim = s.scalar(select(m.DeliveryChange).where(m.DeliveryChange.action == "claim_damaged"))
    assert claim.params["photos"] == [] and claim.params["photo_unavailable"] is True


# -- 3 and 4. tries: counted in good English, and only for code-shaped answers ----------------------------


def _own_asks_for_a_code(runtime) -> str:  # noqa: ANN001
    say(runtime, OWN, "add a note for the driver: ring twice")
    assert "code" in say(runtime, OWN, "yes")
    return latest_code(runtime, OWN)


def _attempts(runtime) -> int:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(func.max(m.OneTimeCode.attempts))) or 0


def test_tries_left_in_good_english(runtime, demo):
    code = _own_asks_for_a_code(runtime)
    replies = [say(runtime, OWN, wrong_code(code)) for _ in range(4)]
    assert "4 more tries" in replies[0] and "2 more tries" in replies[2]
    assert "1 more try." in replies[3] and "1 more tries" not in replies[3]


@pytest.mark.parametrize("answer", ["12345", "1234567", "12a456", "abcdef", "my code is 4821"])
def test_an_answer_that_is_not_code_shaped_costs_no_try(runtime, demo, answer):
    code = _own_asks_for_a_code(runtime)
    reply = say(runtime, OWN, answer)
    assert "6-digit code" in reply and "doesn't match" not in reply
    assert _attempts(runtime) == 0 and audits(runtime, "otp_check") == []
    for _ in range(4):
        say(runtime, OWN, wrong_code(code))
    say(runtime, OWN, answer)  # still free, even with one try left
    assert _attempts(runtime) == 4
    assert "Done" in say(runtime, OWN, code)


def test_six_digit_guesses_still_burn_the_code_after_five(runtime, demo):
    code = _own_asks_for_a_code(runtime)
    for _ in range(5):
        last = say(runtime, OWN, wrong_code(code))
    assert "locked" in last.lower()
    assert "Done" not in say(runtime, OWN, code)


# -- 5. "did you mean a safe place or a note?" -------------------------------------------------------------

OUT_FOR_DELIVERY = "+447700900456"
TIED = "by the side gate"


@pytest.fixture
def tied(runtime, demo):  # noqa: ANN001, ANN201
    forced = {TIED: {"intent": "leave_in_safe_place", "confidence": 0.4,
                     "clarify": ("leave_in_safe_place", "add_delivery_note")}}
    engine = runtime.engine.replace(interpreter=ForcedIntent(runtime.engine.interpreter, forced))
    asked = text_of(talk(runtime, OUT_FOR_DELIVERY, TIED, engine=engine))
    assert "Did you mean" in asked and "2) adding a note" in asked
    return engine


def _note_in(text: str) -> str:
    found = re.search(r'note for your .*?: "(.*?)"', text)
    assert found, text
    return found.group(1)


@pytest.mark.parametrize("answer", ["2", "the second one", "the note", "2 thanks so much", "2 sorry",
                                    "2 pls mate", "oh the 2nd one of course x"])
def test_a_bare_pick_makes_the_original_message_the_note(runtime, tied, answer):
    reply = text_of(talk(runtime, OUT_FOR_DELIVERY, answer, engine=tied))
    assert _note_in(reply) == TIED


@pytest.mark.parametrize(("answer", "note"), [
    ("2, ring the bell twice", "ring the bell twice"),
    ("2) knock loudly please", "knock loudly please"),
    ("the note: dog in the garden", "dog in the garden"),
    ("tell the driver to ring twice", "ring twice"),
])
def test_a_pick_that_says_the_note_uses_those_words(runtime, tied, answer, note):
    reply = text_of(talk(runtime, OUT_FOR_DELIVERY, answer, engine=tied))
    assert _note_in(reply) == note


def test_a_pick_that_says_the_place_uses_those_words(runtime, tied):
    reply = text_of(talk(runtime, OUT_FOR_DELIVERY, "1, behind the green bin", engine=tied))
    assert "behind the green bin" in reply and "side gate" not in reply
