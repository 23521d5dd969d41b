"""One-tap replies: "2" after an out-for-delivery text starts that journey for that parcel, only while the offer
is live, only when no other question is open, and only for a parcel the sender may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aftersales_kit import audits, talk, text_of
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.conversations import ConversationState, Frame, Offer, Question

OWN = "+447700900456"  # PB100000002GB, out for delivery
TRACKING = "PB100000002GB"
OFFER = {"1": "leave_with_neighbour", "2": "leave_in_safe_place", "3": "reschedule_delivery"}


def _offer(runtime, demo, *, expires_in: timedelta = timedelta(hours=2), tracking: str = TRACKING,  # noqa: ANN001
           frame: Frame | None = None) -> None:
    now = datetime.now(UTC)
    state = ConversationState(stack=[frame] if frame else [], offer=Offer(dict(OFFER), tracking, now + expires_in))
    with transaction(runtime.sessions) as s:
        s.add(m.Conversation(merchant_id=demo.id, channel="sms", address=OWN, state=state.to_json(),
                             last_message_at=now))


def _state(runtime) -> ConversationState:  # noqa: ANN001
    with runtime.sessions() as s:
        return ConversationState.from_json(s.scalar(select(m.Conversation).where(m.Conversation.address == OWN)).state)


def test_a_tap_starts_that_journey_for_that_parcel_once(runtime, demo):
    _offer(runtime, demo)
    reply = text_of(talk(runtime, OWN, "2"))
    assert "Where should the driver leave it" in reply
    state = _state(runtime)
    assert state.open_flow == "leave_in_safe_place" and state.top.slots["tracking_number"] == TRACKING
    assert state.offer is None
    [entry] = audits(runtime, "one_tap")
    assert entry.result == "taken" and entry.subject == TRACKING
    assert "Rain jacket" in text_of(talk(runtime, OWN, "in the porch"))


def test_an_expired_offer_is_not_taken(runtime, demo):
    _offer(runtime, demo, expires_in=timedelta(minutes=-1))
    reply = text_of(talk(runtime, OWN, "1"))
    assert "run out" in reply and "Which neighbour" not in reply
    assert _state(runtime).offer is None and _state(runtime).open_flow is None


def test_an_open_question_takes_the_answer_not_the_offer(runtime, demo):
    _offer(runtime, demo, frame=Frame("leave_with_neighbour", "which", {"tracking_number": TRACKING},
                                      Question("utter_neighbour_ask"), free_text=True))
    reply = text_of(talk(runtime, OWN, "3"))
    assert "number 3" in reply and "Which slot" not in reply  # "3" answered "which neighbour?"
    assert audits(runtime, "one_tap") == []


def test_an_offer_for_someone_elses_parcel_is_ignored(runtime, demo):
    _offer(runtime, demo, tracking="PB100000001GB")  # not addressed to this number
    reply = text_of(talk(runtime, OWN, "2"))
    assert "Where should the driver leave it" not in reply and "Trail running shoes" not in reply
    assert audits(runtime, "one_tap") == []


def test_a_number_outside_the_offer_is_an_ordinary_message(runtime, demo):
    _offer(runtime, demo)
    talk(runtime, OWN, "7")
    assert audits(runtime, "one_tap") == [] and _state(runtime).offer.options == OFFER


def test_a_tap_hours_after_the_text_still_works(runtime, demo):
    _offer(runtime, demo)
    with transaction(runtime.sessions) as s:  # the shopper last wrote days ago; the notification came since
        conv = s.scalar(select(m.Conversation).where(m.Conversation.address == OWN))
        conv.last_message_at = datetime.now(UTC) - timedelta(days=3)
    assert "Where should the driver leave it" in text_of(talk(runtime, OWN, "2"))
