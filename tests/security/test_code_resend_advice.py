"""The probe's F4: after the last code the budget allows (3 per 15 minutes from the recipient's own number, 3
an hour for everyone else), the lockout still said "Reply RESEND for a new one" - advice the bot already knew
would be refused ("I've sent the most codes I can"). Now a reply offers RESEND only while the budget has room,
and once it is spent says when a new code can be sent, which is then true (dialogues/subflows/verify.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.grammar import is_plural
from tests.security.security_kit import (
    OWN,
    POSTCODE,
    TRACKING,
    TWO,
    codes_sent_to,
    latest_code,
    rest,
    set_clock,
    talk,
    wrong_code,
)

# "until 14:06 GMT (in 15 minutes)", "after 14:06 GMT (in 1 minute)"
WAIT = re.compile(r"(?:until|after) (\d\d:\d\d) [A-Z]{3,4} \(in (\d+) (minutes?)\)")


def _play(say: Callable[[str], str], codes: Callable[[], list[str]], first: str) -> tuple[list[tuple[str, str]], str]:
    """A shopper who obeys: RESEND whenever a reply advises it, else a wrong code, until no RESEND is offered.
    Asserts that every RESEND advised was answered by a new code. Returns the transcript and the last reply."""
    transcript, reply = [("(asked for a change)", first)], first
    for _ in range(30):
        if "RESEND" in reply:
            before = len(codes())
            reply = say("RESEND")
            transcript.append(("RESEND", reply))
            assert len(codes()) == before + 1, transcript  # the advice worked: a new code was sent
            assert "most codes" not in reply, transcript
        elif WAIT.search(reply) and "locked" in reply:
            return transcript, reply
        else:
            reply = say(wrong_code(codes()[-1]))
            transcript.append(("wrong code", reply))
    raise AssertionError(f"the bot never stopped offering codes: {transcript}")


def _sms(runtime: Any) -> tuple[Callable[[str], str], Callable[[], list[str]], str]:
    say = lambda text: talk(runtime, TWO, text)  # noqa: E731
    say("leave PB100000005GB with number 22")
    return say, lambda: codes_sent_to(runtime, TWO), say("YES")


def _web(runtime: Any, client: Any) -> tuple[Callable[[str], str], Callable[[], list[str]], str]:
    say = lambda text: rest(client, "web-otp", text)  # noqa: E731
    say(f"where is {TRACKING}")
    say(POSTCODE)
    say(f"add a note for the driver on {TRACKING}: ring twice")
    return say, lambda: codes_sent_to(runtime, OWN), say("yes")


@pytest.fixture
def start(runtime: Any) -> datetime:
    when = datetime.now(UTC).replace(second=0, microsecond=0)
    set_clock(runtime, when)
    return when


@pytest.mark.parametrize(("channel", "window"), [("sms", 15), ("rest", 60)])
def test_every_resend_advised_is_answered_by_a_new_code_and_the_last_lockout_says_when(
        runtime, client, demo, start, channel, window):
    say, codes, first = _sms(runtime) if channel == "sms" else _web(runtime, client)
    transcript, last = _play(say, codes, first)
    assert len(codes()) == 3  # the whole budget was used, each code asked for by the bot's own advice
    assert [said for said, _ in transcript].count("RESEND") == 2
    assert "RESEND" not in last and "AGENT" in last
    at, minutes, unit = WAIT.search(last).groups()
    assert window <= int(minutes) <= window + 1 and unit == "minutes"
    # Asking too early is refused, and says when again (never "later" with no time).
    early = say("RESEND")
    assert "most codes" in early and WAIT.search(early) and "later" not in early
    # At the time said, asking again works (a web chat proves the parcel again first: that proof has lapsed).
    set_clock(runtime, start + timedelta(minutes=int(minutes)))
    assert at == f"{(start + timedelta(minutes=int(minutes))).astimezone(ZoneInfo(demo.timezone)):%H:%M}"
    before = len(codes())
    reply = (_sms(runtime) if channel == "sms" else _web(runtime, client))[2]
    assert len(codes()) == before + 1 and "sent a 6-digit code" in reply, reply


def test_the_probes_sequence_never_ends_on_advice_that_cannot_work(runtime, demo, start):
    say = lambda text: talk(runtime, TWO, text)  # noqa: E731
    say("leave PB100000005GB with number 22")
    assert "RESEND" in say("YES")  # code 1: two more may be sent
    assert "RESEND" in say("RESEND")  # code 2: one more may be sent
    for _ in range(5):
        locked = say(wrong_code(latest_code(runtime, TWO)))
    assert "Reply RESEND" in locked  # true: code 3 is within the budget
    third = say("RESEND")
    assert "sent a 6-digit code" in third and "RESEND" not in third and WAIT.search(third)  # the last one
    for _ in range(5):
        locked = say(wrong_code(latest_code(runtime, TWO)))
    assert "locked" in locked and "RESEND" not in locked and WAIT.search(locked) and "AGENT" in locked
    assert "most codes" in say("RESEND")
    assert len(codes_sent_to(runtime, TWO)) == 3


def test_one_minute_left_is_one_minute(runtime, demo, start):
    say = lambda text: talk(runtime, TWO, text)  # noqa: E731
    say("leave PB100000005GB with number 22")
    say("YES")
    say("RESEND")
    third = say("RESEND")
    at, minutes, _ = WAIT.search(third).groups()
    set_clock(runtime, start + timedelta(minutes=int(minutes)) - timedelta(seconds=30))
    refused = say("RESEND")
    assert "(in 1 minute)" in refused and at in refused


def test_a_count_agrees_as_a_count():
    assert not is_plural("1") and is_plural("2") and is_plural("12") and is_plural("0")


@pytest.mark.parametrize(("resends", "offered"), [(0, True), (2, False)])
def test_the_format_reminder_offers_resend_only_while_the_budget_has_room(runtime, demo, start, resends, offered):
    say = lambda text: talk(runtime, TWO, text)  # noqa: E731
    say("leave PB100000005GB with number 22")
    say("YES")
    for _ in range(resends):
        say("RESEND")
    again = say("12345")  # 5 digits: not a code, so asked for again
    assert "6-digit code" in again
    assert ("RESEND" in again) is offered and (WAIT.search(again) is None) is offered
