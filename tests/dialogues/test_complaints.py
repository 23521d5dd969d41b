"""A complaint about the service ("the driver was rude", "your driver damaged my gate", "i want to make a complaint")
is said sorry for and passed to a person, with "complaint" as the reason in the team's queue. A third probe found them
read as a status question (the parcel's status and not a word about the driver), a change refused ("It has already
been delivered, so the delivery can't be changed") and out of scope (`intents/complaint.py`)."""

from __future__ import annotations

import pytest
from aftersales_kit import talk, text_of
from sqlalchemy import select

from backend import models as m
from tests.review.voice_kit import make_us

DELIVERED = "+447700900789"
OUT_FOR_DELIVERY = "+447700900456"


def _reason(runtime, phone: str) -> str | None:  # noqa: ANN001
    with runtime.sessions() as s:
        contact = s.scalar(select(m.Contact).where(m.Contact.phone == phone))
        conv = s.scalar(select(m.Conversation).where(m.Conversation.contact_id == contact.id))
        return conv.handoff_reason


@pytest.mark.parametrize("text", [
    "the driver was rude",
    # paraphrases, UK and US
    "your driver damaged my gate",
    "i want to make a complaint",
    "the delivery guy was really rude to my mum",
    "the courier swore at me",
    "how do i complain about the driver",
    "he broke my gate",
    "the mailman drove over my lawn",
    "I'd like to file a formal complaint",
])
def test_a_complaint_is_said_sorry_for_and_passed_to_a_person(runtime, demo, text):
    reply = text_of(talk(runtime, DELIVERED, text))
    assert reply.startswith("I'm sorry to hear that.") and "passed this to the Acme Outdoor team" in reply, reply
    assert _reason(runtime, DELIVERED) == "complaint"


def test_a_us_shoppers_complaint(runtime, demo):
    make_us(runtime)
    reply = text_of(talk(runtime, DELIVERED, "your driver backed into my car"))
    assert "I'm sorry to hear that." in reply and "9am-5pm" in reply, reply


@pytest.mark.parametrize(("text", "wanted"), [
    ("the driver was rude, can you leave it with number 5 next time", "with number 5"),  # the request asked leads
    ("the driver threw it over the fence and its broken", "arrived damaged"),  # the parcel damaged: its claim
])
def test_a_request_or_claim_beside_a_complaint_leads(runtime, demo, text, wanted):
    phone = OUT_FOR_DELIVERY if "number 5" in text else DELIVERED
    reply = text_of(talk(runtime, phone, text))
    assert wanted in reply and "I'm sorry to hear that." not in reply, reply


@pytest.mark.parametrize("text", ["the drivers always so nice", "the driver was great thanks", "my gate code is 1234",
                                  "i want to make a change to my delivery"])
def test_what_is_no_complaint(text):
    from intents.complaint import is_complaint

    assert not is_complaint(text), text
