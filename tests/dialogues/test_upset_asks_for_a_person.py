"""A shopper who asks for a person in part of a message gets one, upset or beside another request.

Found regenerating the README's screenshots: "I was IN all morning and got a card saying you tried?? let me talk to
someone" was comforted and shown the parcel's status and a pickup point (the whole message read as a person only at
0.54, below a clear request), while the last part asks for a person plainly. The comfort path stays for an upset
shopper who asks for nothing in particular."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend import models as m
from tests.security.security_kit import talk

FAILED_ATTEMPT = "+447700900321"  # PB100000004GB: a failed delivery this morning


def _handed_off(runtime) -> bool:  # noqa: ANN001
    with runtime.sessions() as s:
        conv = s.scalar(select(m.Conversation).where(m.Conversation.address == FAILED_ATTEMPT))
        return conv is not None and conv.handed_off


@pytest.mark.parametrize("text", [
    "I was IN all morning and got a card saying you tried?? let me talk to someone",
    "this is the third time ive asked, absolutely useless. put me through to a real person",
    "ugh seriously?? I was home all day. can I talk to a human please",
    "WHERE IS MY PARCEL. I want to speak to someone NOW",
    "where is it, and can i speak to someone about the delivery fee",
])
def test_an_upset_shopper_asking_for_a_person_is_handed_over(runtime, demo, text):
    reply = talk(runtime, FAILED_ATTEMPT, text)
    assert _handed_off(runtime), reply
    assert "passed this to" in reply and "pickup point" not in reply.lower(), reply


def test_an_upset_shopper_asking_for_nothing_in_particular_is_still_helped_first(runtime, demo):
    reply = talk(runtime, FAILED_ATTEMPT, "I was IN all morning and got a card saying you tried??")
    assert not _handed_off(runtime), reply
    assert "AGENT" in reply  # a person is offered, not forced
