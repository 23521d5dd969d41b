"""Claims can lead to refunds: someone who only knows the tracking number and postcode must also have the
recipient's one-time code before a claim is opened."""

from __future__ import annotations

from sqlalchemy import func, select

from backend import models as m
from tests.helpers import say

STRANGER = "+447700900999"
RECIPIENT = "+447700900789"


def _claims(runtime) -> int:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(m.DeliveryChange).where(
            m.DeliveryChange.action.like("claim_%")))


def test_a_stranger_with_number_and_postcode_cannot_open_a_claim_without_the_code(runtime, demo):
    say(runtime, "it says PB100000003GB was delivered but it's not here", sender=STRANGER)
    say(runtime, "M1 4BT", sender=STRANGER)
    replies = say(runtime, "no, still not here", sender=STRANGER)
    assert any("code" in r for r in replies)
    assert _claims(runtime) == 0
    with runtime.sessions() as s:
        sent = s.scalars(select(m.Message.recipient).where(m.Message.status != "reply",
                                                          m.Message.direction == "out")).all()
    assert sent == [RECIPIENT]


def test_the_recipient_on_their_own_number_opens_a_claim(runtime, demo):
    say(runtime, "it says delivered but it's not here", sender=RECIPIENT)
    replies = say(runtime, "no, still not here", sender=RECIPIENT)
    assert any("CLM-" in r for r in replies)
    assert _claims(runtime) == 1
