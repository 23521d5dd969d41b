"""A shopper waiting for a person is told when one will reply, from the merchant's support hours
(MerchantConfig.support_hours, in the team's own time zone): in now (and how soon they usually answer), or
when the team is back. The clock is moved, so these hold whatever the hour the suite runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backend import models as m
from bot.core.merchant_config import MerchantConfig, SupportHours
from tests.security.security_kit import OWN, audits, merchant_settings, set_clock, talk

SATURDAY_NOON = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
MONDAY_TEN = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
FRIDAY_EVENING = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
MONDAY_EARLY = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def _status(runtime) -> str:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(m.Conversation.status).where(m.Conversation.address == OWN))


def test_the_default_is_weekdays_nine_to_five_in_the_merchants_zone(runtime, demo):
    with runtime.sessions() as s:
        config = MerchantConfig.of(s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo")))
    hours = config.support_hours
    assert hours.days == frozenset(range(5)) and (hours.opens, hours.closes) == (540, 1020)
    assert hours.timezone == "Europe/London"
    assert hours.is_open(MONDAY_TEN) and not hours.is_open(SATURDAY_NOON)
    assert hours.next_opening(SATURDAY_NOON) == datetime(2026, 12, 7, 9, 0, tzinfo=hours.zone())


@pytest.mark.parametrize("raw", [{"days": "nonsense"}, {"open": "18:00", "close": "09:00"}, {"open": "25:00"},
                                 {"timezone": "Mars/Olympus"}, "Mon-Fri", None])
def test_a_malformed_setting_falls_back_and_never_fails_a_reply(raw):
    hours = SupportHours.parse(raw, "Europe/London")
    assert hours.days and hours.opens < hours.closes and hours.zone()


@pytest.mark.parametrize(("when", "back"), [(SATURDAY_NOON, "back Mon at 09:00"),
                                            (FRIDAY_EVENING, "back Mon at 09:00"),
                                            (MONDAY_EARLY, "back today at 09:00")])
def test_out_of_hours_says_when_the_team_is_back(runtime, demo, when, back):
    set_clock(runtime, when)
    reply = talk(runtime, OWN, "can i talk to a person")
    assert "passed this" in reply and back in reply and "Mon-Fri 09:00-17:00" in reply
    assert "tracking questions" in reply and "BOT" in reply


def test_in_hours_says_so_and_how_soon(runtime, demo):
    merchant_settings(runtime, support_hours={"days": "Mon-Sat", "open": "08:30", "close": "18:00",
                                              "reply_within_hours": 2})
    set_clock(runtime, MONDAY_TEN)
    reply = talk(runtime, OWN, "i want a human")
    assert "working now" in reply and "Mon-Sat 08:30-18:00" in reply and "2 hours" in reply


def test_a_us_team_reads_in_its_own_zone_and_clock(runtime, demo):
    merchant_settings(runtime, region="US", support_hours={"days": "Mon-Fri", "open": "9:00", "close": "17:30",
                                                           "timezone": "America/New_York"})
    set_clock(runtime, MONDAY_TEN)  # 05:00 in New York: before opening
    reply = talk(runtime, OWN, "can I speak with an agent")
    assert "Mon-Fri 9am-5:30pm EST" in reply and "back today at 9am" in reply


def test_waiting_every_message_is_answered_and_agent_again_does_not_queue_twice(runtime, demo):
    set_clock(runtime, SATURDAY_NOON)
    talk(runtime, OWN, "talk to a human please")
    again = talk(runtime, OWN, "AGENT")
    assert "already in the queue" in again and "back Mon at 09:00" in again
    assert "back Mon at 09:00" in talk(runtime, OWN, "hello?")
    assert talk(runtime, OWN, "?")  # never silence while waiting
    assert len(audits(runtime, "handoff", result="requested")) == 1
    assert _status(runtime) == "waiting"


def test_a_tracking_question_while_waiting_is_answered_and_the_wait_goes_on(runtime, demo):
    talk(runtime, OWN, "talk to a human please")
    reply = talk(runtime, OWN, "when is my parcel coming")
    assert "Trail running shoes" in reply and "on the way" in reply
    assert _status(runtime) == "waiting"
    assert "has your messages" in talk(runtime, OWN, "still waiting")


def test_bot_with_the_assistant_hands_nobody_over(runtime, demo):
    for _ in range(3):
        assert "already chatting" in talk(runtime, OWN, "BOT")
    assert _status(runtime) == "bot"
    assert audits(runtime, "handoff") == []


def test_a_person_who_has_it_answers_alone(runtime, demo):
    talk(runtime, OWN, "talk to a human please")
    with runtime.uow() as uow:
        conv = uow.session.scalar(select(m.Conversation).where(m.Conversation.address == OWN))
        runtime.services.handoff.take_over(uow, conv, agent_id=3, actor="agent:3", now=datetime.now(UTC))
    assert talk(runtime, OWN, "where is my parcel") == ""
    assert talk(runtime, OWN, "hello??") == ""
