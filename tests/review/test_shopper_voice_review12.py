"""Review 12: shoppers for whom English is a second language, older shoppers and shoppers texting in a hurry, UK and
US. The ways the bot misread or didn't answer them, each with paraphrases beside the words it was found with: "my son
will take it" out of scope (or "Which neighbour?"); "who must sign? my husband is at home" answered with the proof of
delivery; "I cannot walk to the pickup point" answered with the pickup points; "please leave to number five" not
read as a house; a redelivery asked after the story of the missed driver ("I was not at home when the driver came.
Please deliver again tomorrow.") lost to a pickup suggestion or a note; "Is this a scam?" and "I did not order
anything" not answered; "tmrw no good fri ok?" refusing Friday; "asap" read back as part of the safe place. Each test
failed before its mend; the look-alikes keep their reading.
"""

from __future__ import annotations

import pytest

from bot.core.sms import cost
from tests.review.voice_kit import make_us
from tests.review.voice_kit import talk as _talk

DUE_TOMORROW = "+447700900123"  # PB100000001GB, Trail running shoes, in transit, M1 4BT
OUT_TODAY = "+447700900456"  # PB100000002GB, Rain jacket, out for delivery
DELIVERED = "+447700900789"  # PB100000003GB, Camping stove, delivered yesterday
FAILED = "+447700900321"  # PB100000004GB, Hiking boots, a delivery attempted today
SIGNED = "+447700900987"  # PB100000007GB, GPS watch, needs a signature

_OUT_OF_SCOPE = "I can only help with deliveries and returns"


def _fits(reply: str) -> None:
    sms = cost(reply)
    assert sms.encoding == "GSM-7" and sms.segments <= 2, (sms, reply)


# --- 1. someone at home will take it in ----------------------------------------------------------------------------

@pytest.mark.parametrize(("phone", "text", "us"), [
    (OUT_TODAY, "my son will take it", False),
    # paraphrases, UK and US
    (OUT_TODAY, "my wife is home, she can take it", False),
    (DUE_TOMORROW, "my daughter will be in tomorrow to receive it", False),
    (DUE_TOMORROW, "My son is home all day, he can get the package", True),
    (DUE_TOMORROW, "my grandson will get it for me", True),
    (DUE_TOMORROW, "can my husband take it in?", False),
    (OUT_TODAY, "my mum is in, she'll take the parcel", False),
])
def test_someone_at_home_taking_it_in_is_answered(runtime, demo, phone, text, us):
    if us:
        make_us(runtime)
    (reply,) = _talk(runtime, phone, text)
    assert _OUT_OF_SCOPE not in reply and "Which neighbour" not in reply, reply
    assert "anyone in at the delivery address can take in your" in reply, reply
    assert "nothing to change" in reply, reply
    _fits(reply)


def test_someone_at_home_for_a_signed_parcel_signs_too(runtime, demo):
    (reply,) = _talk(runtime, SIGNED, "my husband will be home, he can take it")
    assert "take in your GPS watch and sign for it" in reply, reply


@pytest.mark.parametrize("text", [
    "leave it with my son at number 12",  # a neighbour named, not someone at home
    "my son will take it back to the shop",  # the parcel taken somewhere
])
def test_a_request_naming_the_family_is_no_household_answer(runtime, demo, text):
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "anyone in at the delivery address can take in" not in reply, reply


def test_nobody_at_home_to_take_it_is_no_household_answer(runtime, demo):
    (reply,) = _talk(runtime, DUE_TOMORROW, "my son cant take it tomorrow, he is at work")
    assert "anyone in at the delivery address can take in" not in reply, reply


# --- 2. who must sign -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "us"), [
    ("who must sign? my husband is at home", False),
    # paraphrases, UK and US
    ("who has to sign? my wife will be at home", False),
    ("Who needs to sign for it?", True),
    ("who should sign for the parcel", False),
])
def test_who_must_sign_gets_the_parcels_answer(runtime, demo, text, us):
    if us:
        make_us(runtime)
    (reply,) = _talk(runtime, SIGNED, text)
    assert "proof of delivery" not in reply, reply
    assert "GPS watch needs a signature" in reply and "anyone there can" in reply, reply
    _fits(reply)


@pytest.mark.parametrize("text", ["must I sign myself?", "do i sign myself", "Must I sign it personally?"])
def test_must_i_sign_myself_is_no(runtime, demo, text):
    (reply,) = _talk(runtime, SIGNED, text)
    assert reply.startswith("No - anyone in at the delivery address can sign"), reply


def test_at_the_note_question_it_is_the_note(runtime, demo):
    asked, reply = _talk(runtime, DUE_TOMORROW, "can i add a note for the driver", "my son will take it")
    assert "anyone in at the delivery address can take in" not in reply, (asked, reply)
    assert "my son will take it" in reply, (asked, reply)


# --- 3. a place the shopper can't get to --------------------------------------------------------------------------

@pytest.mark.parametrize(("phone", "text", "us"), [
    (DUE_TOMORROW, "I cannot walk to the pickup point, I am old", False),
    # paraphrases, UK and US
    (FAILED, "I am not able to go to the pickup point", False),
    (FAILED, "I cannot collect it, I have no car", False),
    (FAILED, "i cant get to the locker", True),
    (DUE_TOMORROW, "im unable to travel to a collection point", False),
])
def test_a_place_they_cant_get_to_is_not_offered(runtime, demo, phone, text, us):
    if us:
        make_us(runtime)
    (reply,) = _talk(runtime, phone, text)
    assert "pickup points are nearest" not in reply and "Shall I send your" not in reply, reply
    assert "not choosing a pickup point" in reply, reply


@pytest.mark.parametrize(("text", "us"), [
    ("I can't get to a pickup point, can you bring it again tomorrow", True),
    ("i cannot go to the shop, please deliver again tomorrow", False),
])
def test_a_place_they_cant_get_to_beside_another_day_is_that_day(runtime, demo, text, us):
    if us:
        make_us(runtime)
    (reply,) = _talk(runtime, FAILED, text)
    assert "pickup points are nearest" not in reply, reply
    assert "tomorrow" in reply and "Reply with the slot's number" in reply, reply


@pytest.mark.parametrize("text", ["can i collect it from the pickup point", "I can collect it from the locker"])
def test_a_pickup_point_wanted_still_lists_them(runtime, demo, text):
    (reply,) = _talk(runtime, FAILED, text)
    assert "pickup points are nearest" in reply or "Shall I send your" in reply or "Just to check" in reply, reply


# --- 4. a house number written as words ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "us", "who"), [
    ("please leave to number five", False, "number 5"),
    # paraphrases, UK and US
    ("give it to no. eleven", False, "number 11"),
    ("my neighbour is number twelve, mrs patel, please leave it with her", False, "number 12"),
    ("pls leave w/ neighbor at number nine", True, "neighbor at number nine"),
    ("can you leave it with the lady at number thirty-one", False, "lady at number thirty-one"),
    ("leave it with Dave at number twenty two please", True, "Dave at number twenty two"),
])
def test_a_house_number_in_words_is_the_neighbour(runtime, demo, text, us, who):
    if us:
        make_us(runtime)
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "Did you mean" not in reply and "Which neighbour" not in reply, reply
    assert f"the driver will leave your Trail running shoes with {who}" in reply, reply


@pytest.mark.parametrize(("text", "value"), [
    ("please leave to number five", "5"), ("neighbour at number twenty two", "22"), ("no. seven", "7"),
    ("at number forty-one", "41"),
])
def test_house_number_words_are_read(text, value):
    from intents.entities import extract_entities

    houses = [e.value for e in extract_entities(text) if e.entity == "house_number"]
    assert houses == [value], houses


@pytest.mark.parametrize("text", ["no one is in tomorrow", "my order number two hasnt come",
                                  "there should be number five of them", "number six pm"])
def test_words_that_are_no_house_number(text):
    from intents.entities import extract_entities

    houses = [e.value for e in extract_entities(text) if e.entity == "house_number"]
    assert houses == [], houses


# --- 5. the missed driver, then the redelivery asked for -----------------------------------------------------------

@pytest.mark.parametrize(("text", "us"), [
    ("I was not at home when the driver came. Please deliver again tomorrow.", False),
    # paraphrases, UK and US
    ("I was out when the driver came. Can you deliver again tomorrow?", False),
    ("I wasn't home when the mailman came. Please bring it again on Friday.", True),
    ("driver came i was in garden not hear door. come again pls", False),
    ("Dear Sir/Madam, I was not at home when the driver came. Please deliver again tomorrow. Yours faithfully, "
     "John Smith", False),
])
def test_a_redelivery_asked_after_the_story_is_made(runtime, demo, text, us):
    if us:
        make_us(runtime)
    (reply,) = _talk(runtime, FAILED, text)
    assert "Shall I send your Hiking boots there?" not in reply, reply  # not the pickup point suggested instead
    assert "the driver will see this note" not in reply, reply  # nor the story as a note
    assert "Reply with the slot's number" in reply, reply


@pytest.mark.parametrize("text", ["the driver came when i was out", "they came and i was at work",
                                  "driver came i was out"])
def test_the_story_alone_is_still_the_status(runtime, demo, text):
    (reply,) = _talk(runtime, FAILED, text)
    assert "We tried to deliver your Hiking boots" in reply, reply


@pytest.mark.parametrize("text", ["when will it come", "when's it due", "when?", "ok when tomorrow"])
def test_when_still_asks(text):
    from intents.discourse import asks

    assert asks(text), text


# --- 6. a text the shopper doubts --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "us"), [
    ("Is this a scam?", False),
    # paraphrases, UK and US
    ("Who are you? Is this a scam?", False),
    ("is this message genuine?", True),
    ("how do I know this is real", False),
    ("Are these texts legit?", True),
])
def test_a_doubted_text_says_who_is_texting(runtime, demo, text, us):
    if us:
        make_us(runtime)
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "I'm sorry about this" not in reply, reply  # a doubt, not a complaint
    assert "this is genuine: I'm Acme Outdoor's delivery assistant" in reply and "AGENT" in reply, reply
    _fits(reply)


@pytest.mark.parametrize(("text", "us"), [
    ("I did not order anything", False),
    # paraphrases, UK and US
    ("what is this message? I did not order anything", False),
    ("I never ordered from you", True),
    ("we havent ordered anything??", False),
    ("Why? I didnt order", True),
])
def test_not_having_ordered_is_answered(runtime, demo, text, us):
    if us:
        make_us(runtime)
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "hasn't gone missing" not in reply, reply
    assert "If you didn't order anything, reply AGENT" in reply and "STOP" in reply, reply
    _fits(reply)


@pytest.mark.parametrize("text", ["i didnt order this, cancel it", "I didn't order anything, please cancel"])
def test_not_ordered_with_a_cancel_stays_a_cancellation(runtime, demo, text):
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "If you didn't order anything" not in reply and "cancel" in reply.lower(), reply


def test_a_scam_complaint_keeps_its_apology(runtime, demo):
    (reply,) = _talk(runtime, DUE_TOMORROW, "this is a scam, where is my parcel!!")
    assert "this is genuine" not in reply and "sorry" in reply.lower(), reply


@pytest.mark.parametrize("text", ["is this a scam? stop texting me", "is this spam"])
def test_a_doubt_with_a_stop_still_opts_out(runtime, demo, text):
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "unsubscribed" in reply, reply


# --- 7. a day refused, then the day wanted, in a hurry -----------------------------------------------------------

@pytest.fixture
def every_day(runtime, demo):  # noqa: ANN001, ANN201
    """Every day a delivery day (tests/dialogues/aftersales_kit.EVERY_DAY): the days named are offered, whatever
    today is."""
    from tests.dialogues.aftersales_kit import EVERY_DAY, merchant_settings

    merchant_settings(runtime, rules=EVERY_DAY)


def _refused_line(reply: str) -> str:
    return next((line for line in reply.splitlines() if line.startswith("OK, not")), "")


@pytest.mark.parametrize(("text", "us", "ahead"), [
    ("tmrw no good {short} ok?", False, 3),  # found as "tmrw no good fri ok?"
    # paraphrases, UK and US; the day named is 2-5 days ahead, so never tomorrow whatever today is
    ("tmrw no good {long} fine", False, 2),
    ("tmrw bad {short} better", True, 5),
    ("tomorrow not possible {long} ok", False, 4),
])
def test_the_day_after_a_refused_day_is_wanted(runtime, demo, every_day, text, us, ahead):
    from datetime import datetime, timedelta

    from tests.dialogues.aftersales_kit import LONDON

    if us:
        make_us(runtime)
    day = datetime.now(LONDON).date() + timedelta(days=ahead)
    if day.weekday() == 6:  # left open: "tomorrow not possible sunday ok" alone reads as an answer (the classifier)
        day += timedelta(days=1)
    wanted = f"{day:%a}"
    (reply,) = _talk(runtime, DUE_TOMORROW, text.format(short=wanted.lower(), long=f"{day:%A}".lower()))
    assert wanted not in _refused_line(reply), reply  # not refused with the day before it
    assert f"1) {wanted}" in reply, reply  # offered first


@pytest.mark.parametrize("text", ["not tmrw or sat", "tmrw and sat no good"])
def test_two_days_refused_together_stay_refused(runtime, demo, every_day, text):
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "1) Sat" not in reply, reply


# --- 8. a hurry is no part of the place --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "us", "place"), [
    ("hey can u leave it on the porch asap", True, "on the porch"),
    # paraphrases, UK and US
    ("please leave it at the back door asap", False, "at the back door"),
    ("leave in the shed urgently pls", False, "in the shed"),
    ("put it behind the bins now thank you", False, "behind the bins"),
])
def test_a_hurry_is_not_read_back_as_the_place(runtime, demo, text, us, place):
    if us:
        make_us(runtime)
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert f"in this safe place: {place}. Reply YES" in reply, reply


# --- 9. not understanding the text is no opt-out -------------------------------------------------------------------

@pytest.mark.parametrize(("text", "us"), [
    ("i am not understand the message you send", False),
    # paraphrases, UK and US
    ("I don't understand the message", False),
    ("i dont understand this text", True),
    ("Sorry I do not understand your message", False),
])
def test_not_understanding_the_text_gets_the_help_not_an_opt_out(runtime, demo, text, us):
    if us:
        make_us(runtime)
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "unsubscribed" not in reply, reply
    assert "I'm Acme Outdoor's delivery assistant" in reply, reply


@pytest.mark.parametrize("text", ["I don't understand why you keep texting me, stop",
                                  "dont understand, unsubscribe me"])
def test_not_understanding_with_a_stop_still_opts_out(runtime, demo, text):
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "unsubscribed" in reply, reply


# --- 10. the code asked for before the YES ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "us"), [
    ("sorry i am not good with phones. where is the code?", False),
    # paraphrases, UK and US
    ("what code? i not get any code", False),
    ("I didn't get a code", True),
    ("wheres the code", False),
])
def test_the_code_asked_for_at_the_confirmation_is_explained(runtime, demo, text, us):
    if us:
        make_us(runtime)
    asked, reply = _talk(runtime, DUE_TOMORROW, "leave it in the porch", text)
    assert "Reply YES to confirm" in asked, asked
    assert "Reply YES first: if a code is needed" in reply and "Reply YES to confirm" in reply, reply
    assert "didn't catch that" not in reply, reply


def test_a_plain_maybe_at_the_confirmation_is_asked_again(runtime, demo):
    _, reply = _talk(runtime, DUE_TOMORROW, "leave it in the porch", "hmm let me think")
    assert "Reply YES first" not in reply and "Reply YES to confirm" in reply, reply


# --- 11. where are both ------------------------------------------------------------------------------------------

TWO_PARCELS = "+447700900654"  # Headtorch (not sent yet) and Wool socks (on its way)


@pytest.mark.parametrize(("text", "us"), [
    ("where are both parcels", False),
    # paraphrases, UK and US
    ("hello, where both my parcel please?", False),
    ("where are my 2 packages?", True),
    ("whats happening with all my orders", True),
])
def test_where_are_both_answers_each(runtime, demo, text, us):
    if us:
        make_us(runtime)
    (reply,) = _talk(runtime, TWO_PARCELS, text)
    assert "Which one?" not in reply, reply
    assert "Headtorch" in reply and "Wool socks" in reply, reply


def test_where_is_it_with_two_parcels_still_asks_which(runtime, demo):
    (reply,) = _talk(runtime, TWO_PARCELS, "where is my parcel, we're both out at work")
    assert "Which one?" in reply, reply
