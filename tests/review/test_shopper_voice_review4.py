"""Review 4: about forty shoppers, UK and US, writing the way people text (corrections, negation, two requests in
one message, vague dates, txt-speak). Each test is one defect seen driving the real engine with the real model, and
fails today (xfail strict): the shopper's words are in the test, the expected behaviour in its assertion."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend import models as m
from tests.conversation_runner import latest_code
from tests.dialogues.day_kit import label, next_weekday, slot_days, spoken
from tests.helpers import say
from tests.review.voice_kit import instructions as _instructions
from tests.review.voice_kit import make_us

DUE_TOMORROW = "+447700900123"  # PB100000001GB, Trail running shoes, in transit
OUT_FOR_DELIVERY = "+447700900456"  # PB100000002GB, stop 4 of 12
DELIVERED = "+447700900789"  # PB100000003GB, delivered yesterday
FAILED_ATTEMPT = "+447700900321"  # PB100000004GB
TWO_PARCELS = "+447700900654"  # PB100000005GB socks, PB100000006GB headtorch


def _talk(runtime, sender: str, *texts: str) -> list[str]:  # noqa: ANN001
    """Each message in turn ("{code}" is the newest one-time code texted to the sender); one joined reply each."""
    out = []
    for text in texts:
        if text == "{code}":
            text = latest_code(runtime, sender)
        out.append("\n".join(say(runtime, text, sender=sender)))
    return out


# --- corrections at a confirmation -------------------------------------------------------------------------------

@pytest.mark.parametrize("correction", ["no wait, not the porch, the garage", "not the porch, the garage"])
def test_not_the_porch_the_garage_replaces_the_porch(runtime, demo, correction):
    _, proposed = _talk(runtime, DUE_TOMORROW, "leave it in the porch", correction)
    assert "garage" in proposed.lower(), proposed
    assert "porch" not in proposed.lower(), proposed


@pytest.mark.parametrize("correction", ["sorry number 14 i mean", "sorry i meant number 14 not 12"])
def test_a_corrected_neighbour_is_stored_without_the_correction_words(runtime, demo, correction):
    _talk(runtime, DUE_TOMORROW, "leave it with number 12", correction, "yes", "{code}")
    neighbour = _instructions(runtime, "PB100000001GB").get("neighbour", "")
    assert re.fullmatch(r"(number |no )?14", neighbour.strip().lower()), neighbour


def test_no_not_3_5_moves_the_neighbour_to_5(runtime, demo):
    _, proposed = _talk(runtime, DUE_TOMORROW, "leave it with my neighbour at 3", "no not 3, 5")
    assert "didn't catch" not in proposed, proposed
    assert re.search(r"\b5\b", proposed) and not re.search(r"\b3\b", proposed), proposed


def test_no_thursday_sorry_is_the_day_wanted(runtime, demo):
    _, reply = _talk(runtime, DUE_TOMORROW, "can it come wednesday", "no thursday sorry")
    assert "not Thu" not in reply, reply
    assert f"{label(next_weekday('thursday'))} 08:00-12:00" in reply, reply


# --- negation ----------------------------------------------------------------------------------------------------

def test_next_week_not_monday_never_offers_monday(runtime, demo):
    (reply,) = _talk(runtime, DUE_TOMORROW, "next week sometime pls, not monday")
    # The demo's slots run a week ahead: early in a week the bot says there is none next week, later it offers
    # next week's days; either way no Monday, and "next week" is the week, not its Monday
    monday = next_weekday("monday")
    assert not re.search(r"^\d+\) Mon ", reply, re.M), reply
    offered = slot_days(reply)
    assert offered or f"between {spoken(monday)} and {spoken(monday + timedelta(days=6))}" in reply, reply
    next_week_but_monday = {label(monday + timedelta(days=ahead)) for ahead in range(1, 7)}
    assert set(offered) <= next_week_but_monday, offered


@pytest.mark.parametrize("text", ["dont want it delivered tomorrow", "not monday, any other day next week"])
def test_not_wanting_a_day_is_not_declining_a_new_day(runtime, demo, text):
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "not choosing a new delivery slot" not in reply, reply


def test_dont_leave_it_outside_is_not_asked_for_a_safe_place(runtime, demo):
    (reply,) = _talk(runtime, DUE_TOMORROW, "don't leave it outside, it'll get nicked")
    assert "Where should the driver leave it" not in reply, reply
    assert "porch" not in reply.lower() and "shed" not in reply.lower(), reply


def test_not_the_neighbour_the_porch_proposes_the_porch(runtime, demo):
    (reply,) = _talk(runtime, DUE_TOMORROW, "not the neighbour! the porch")
    assert "porch" in reply.lower(), reply


# --- two requests in one message ---------------------------------------------------------------------------------

def test_where_is_it_and_a_neighbour_answers_both(runtime, demo):
    replies = _talk(runtime, DUE_TOMORROW, "wheres my parcel?? also can u leave it wiv no 22 if im out",
                    "yes", "{code}")
    assert _instructions(runtime, "PB100000001GB").get("neighbour") == "number 22"  # the change: done
    said = "\n".join(replies)
    assert "on the way" in said or "Expected" in said, said  # ...and where it is


def test_a_safe_place_and_a_new_day_are_both_done(runtime, demo):
    replies = _talk(runtime, DUE_TOMORROW, "leave it in the porch and can it come tomorrow afternoon",
                    "yes", "{code}")
    said = "\n".join(replies)
    assert "12:00-17:00" in said or "other request" in said, said


def test_items_named_in_a_two_part_message_pick_their_parcels(runtime, demo):
    (reply,) = _talk(runtime, TWO_PARCELS, "when's the headtorch coming and can the socks go to number 2")
    assert "Which one" not in reply, reply


# --- open questions that swallow or refuse a plain answer --------------------------------------------------------

def test_a_clear_request_at_a_did_you_mean_question_is_done(runtime, demo):
    # (was "missed the delivery what now", then "delivery problem": hand-written examples have since made each a
    # plain status question; a bare "the delivery" is still two readings apart)
    first, reply = _talk(runtime, FAILED_ATTEMPT, "the delivery", "can you try again tomorrow")
    assert "Did you mean" in first, first  # the clarifying question this is about
    assert "tomorrow 08:00-12:00" in reply, reply
    assert "pickup point" not in reply, reply


def test_both_answers_which_parcel_for_a_status_question(runtime, demo):
    _, reply = _talk(runtime, TWO_PARCELS, "where r my parcels", "both")
    assert "didn't catch" not in reply and "Which one" not in reply, reply
    assert "Headtorch" in reply and "Wool socks" in reply, reply


@pytest.mark.parametrize("text", ["didnt get a code", "never got the code", "no code came", "code hasn't arrived"])
def test_didnt_get_a_code_sends_another(runtime, demo, text):
    _talk(runtime, DUE_TOMORROW, "can u leave it in the porch", "ok", text)
    with runtime.sessions() as s:
        codes = s.scalar(select(func.count()).select_from(m.Message).where(
            m.Message.direction == "out", m.Message.recipient == DUE_TOMORROW, m.Message.status != "reply",
            m.Message.body.like("%your code is%")))
    assert codes == 2, codes


# --- misunderstood -----------------------------------------------------------------------------------------------

def test_how_many_stops_away_is_answered(runtime, demo):
    (reply,) = _talk(runtime, OUT_FOR_DELIVERY, "how many stops away is he")
    assert "stop 4 of 12" in reply, reply


def test_left_at_the_wrong_house_leads_to_a_report(runtime, demo):
    _, reply = _talk(runtime, DELIVERED, "ur driver left it at the wrong house mate, number 21 has it", "yes report it")
    assert "ask me where your parcel is" not in reply, reply


# --- US shoppers -------------------------------------------------------------------------------------------------

def test_us_shopper_is_not_told_about_an_area_called_78(runtime, demo):
    make_us(runtime)
    (reply,) = _talk(runtime, DUE_TOMORROW, "can i pick it up at a store near me")
    assert not re.search(r"near 78\b(?!\d)", reply), reply


@pytest.mark.parametrize("ack", ["ok cheers 👍", "ok", "👍", "no thanks"])
def test_an_ok_after_the_status_is_acknowledged_not_answered_with_the_help_text(runtime, demo, ack):
    """review 4: "ok cheers 👍" after the bot said where the parcel is got the whole help blurb back."""
    status, reply = _talk(runtime, DUE_TOMORROW, "wheres my parcel", ack)
    assert "on the way" in status or "Expected" in status, status
    assert "delivery assistant" not in reply and len(reply) < 80, reply


def test_a_yes_out_of_the_blue_still_gets_the_help_text(runtime, demo):
    (reply,) = _talk(runtime, DUE_TOMORROW, "yes")
    assert "delivery assistant" in reply, reply


def test_a_request_with_a_yes_in_it_is_not_taken_for_an_acknowledgement(runtime, demo):
    """'yes report it' after the bot offered to help report a delivered parcel is no 'ok' (it was answered
    'OK. Anything else...' for a moment today)."""
    _, reply = _talk(runtime, DELIVERED, "can you leave it with number 5", "yes report it")
    assert not reply.startswith("OK. Anything else"), reply
    assert "Have you found it?" in reply, reply  # the offer in the refusal is taken up: the missing-parcel report


@pytest.mark.parametrize(("answer", "then"), [("2", "damage"), ("send it back", "Why are you sending it back"),
                                              ("it never came", "Have you found it?")])
def test_the_offer_after_a_delivered_refusal_can_be_taken_up(runtime, demo, answer, then):
    """review 4 (helper): 'I can help you report it or start a return' was an offer nobody could accept."""
    refusal, reply = _talk(runtime, DELIVERED, "can u leave it in the shed", answer)
    assert "already been delivered" in refusal and "Reply 1" in refusal, refusal
    assert then in reply, reply
