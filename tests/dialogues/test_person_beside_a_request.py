"""A person asked for (or a complaint) beside another request: both are heard, in either order, and nothing is
half-applied. "i want to complain, where is my parcel" had got the status alone (the complaint dropped without a
word) and "where is my parcel, i want to speak to someone" the handoff alone (the status dropped). Now the person is
given, and what the bot answers anyway while a person is awaited (the status, the photo) is answered too, with no
next step offered (the person has the conversation); a change asked beside a person is not started but said to be
with the team, BOT to do it now; a complaint beside a change lets the change lead and offers a person
(`dialogues/kit/person_beside.py`)."""

from __future__ import annotations

import pytest
from aftersales_kit import changes, conversation_of, talk, text_of

IN_TRANSIT = "+447700900123"  # PB100000001GB, Trail running shoes
OUT_FOR_DELIVERY = "+447700900456"  # PB100000002GB, Rain jacket
DELIVERED = "+447700900789"  # PB100000003GB, Camping stove, with the driver's photo
FAILED_ATTEMPT = "+447700900321"  # PB100000004GB, Hiking boots
TWO_PARCELS = "+447700900654"


def _waiting(runtime, phone: str) -> bool:  # noqa: ANN001
    return conversation_of(runtime, phone).handed_off


@pytest.mark.parametrize("text", [
    "i want to complain, where is my parcel",
    "where is my parcel, i want to speak to someone",
    # paraphrases, UK and US
    "i want to make a complaint. when will my order arrive?",
    "can I talk to a real person? also where's my package",
    "wheres my parcel?? put me through to a human",
    "i need to speak to a manager, wheres my parcel",  # "wheres" without its apostrophe starts a part
])
def test_the_status_and_a_person_either_way_round(runtime, demo, text):
    reply = text_of(talk(runtime, IN_TRANSIT, text))
    assert "passed this to the Acme Outdoor team" in reply, reply
    assert "Trail running shoes (PB100000001GB) are on the way" in reply, reply
    assert _waiting(runtime, IN_TRANSIT)


def test_a_complaint_keeps_its_reason_and_its_sorry(runtime, demo):
    reply = text_of(talk(runtime, DELIVERED, "the driver was rude. can i see the photo"))
    assert reply.startswith("I'm sorry to hear that.") and "The driver's photo" in reply, reply
    assert conversation_of(runtime, DELIVERED).handoff_reason == "complaint"


def test_no_next_step_is_offered_beside_a_person(runtime, demo):
    reply = text_of(talk(runtime, FAILED_ATTEMPT, "where is it? i want to speak to someone"))
    assert "passed this to" in reply and "We tried to deliver your Hiking boots" in reply, reply
    assert "Reply YES" not in reply and "pickup point" not in reply.lower(), reply


def test_which_parcel_is_still_answered_while_waiting(runtime, demo):
    first = text_of(talk(runtime, TWO_PARCELS, "where is my parcel, i want to speak to someone"))
    assert "passed this to" in first and "Which one?" in first, first
    second = text_of(talk(runtime, TWO_PARCELS, "2"))
    assert "Wool socks (3 pairs) (PB100000005GB) are on the way" in second, second
    assert _waiting(runtime, TWO_PARCELS)


@pytest.mark.parametrize("text", [
    "can you move it to friday, i need to talk to a human",
    "i want to speak to someone. and can you leave it with number 5",
])
def test_a_change_beside_a_person_is_left_for_the_person(runtime, demo, text):
    reply = text_of(talk(runtime, OUT_FOR_DELIVERY, text))
    assert "passed this to" in reply and "Your other request is with them too" in reply, reply
    assert "Just to check" not in reply and "Reply with a number" not in reply, reply
    assert _waiting(runtime, OUT_FOR_DELIVERY)
    assert "back with the assistant" in text_of(talk(runtime, OUT_FOR_DELIVERY, "BOT"))
    assert not _waiting(runtime, OUT_FOR_DELIVERY) and changes(runtime, "leave_with_neighbour") == []


@pytest.mark.parametrize("text", [
    "the driver was rude, can you leave it with number 5 next time",
    "i want to complain about the driver, and can you leave it with number 5",
])
def test_a_complaint_beside_a_change_offers_a_person(runtime, demo, text):
    reply = text_of(talk(runtime, OUT_FOR_DELIVERY, text))
    assert "with number 5" in reply and "reply AGENT" in reply, reply
    assert not _waiting(runtime, OUT_FOR_DELIVERY)
