"""Review 5: about forty more shoppers, UK and US (corrections in every form, negation, two requests in one
message, dates, acknowledgements, two parcels). Each test is one defect seen driving the real engine with the real
model, and failed before its mend (a strict xfail until then): the shopper's words are in the test, the expected
behaviour in its assertion, and paraphrases (UK and US) beside them, since the mend is for the kind of message."""

from __future__ import annotations

import re

import pytest

from tests.dialogues.day_kit import label, next_weekday
from tests.review.voice_kit import instructions as _instructions
from tests.review.voice_kit import make_us
from tests.review.voice_kit import talk as _talk

DUE_TOMORROW = "+447700900123"  # PB100000001GB, Trail running shoes, in transit
FAILED_ATTEMPT = "+447700900321"  # PB100000004GB
TWO_PARCELS = "+447700900654"  # PB100000005GB socks, PB100000006GB headtorch

# The GSM 03.38 default alphabet and its extension table: one character outside it makes the SMS UCS-2
GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
           "abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€")




def _us(runtime) -> None:  # noqa: ANN001
    make_us(runtime, dollars=False)


# --- a change the shopper took back comes back, or is made ------------------------------------------------------

@pytest.mark.parametrize(("first", "correction", "key", "wanted"), [
    ("can u leave it in the shed pls", "actually scratch that, put it behind the bins", "safe_place",
     "behind the bins"),
    ("please leave it in the porch", "change of plan: give it to next door at 20 instead", "neighbour",
     "next door at 20"),
])
def test_a_replaced_proposal_is_not_offered_back_once_the_new_one_is_done(runtime, demo, first, correction, key,
                                                                          wanted):
    replies = _talk(runtime, DUE_TOMORROW, first, correction, "yes", "{code}", "yes", "yes")
    assert "go back to confirming" not in replies[3], replies[3]
    stored = _instructions(runtime, "PB100000001GB")
    assert stored.get(key) == wanted, stored
    assert not any(word in str(stored.get("safe_place", "")) for word in ("shed", "porch")), stored


def test_a_request_taken_back_in_the_same_message_is_not_proposed(runtime, demo):
    (reply,) = _talk(runtime, DUE_TOMORROW, "hold it till friday, no actually just leave it with number 6")
    assert "hold your" not in reply, reply
    assert "number 6" in reply, reply


def test_a_neighbour_who_is_away_is_not_stored(runtime, demo):
    _talk(runtime, DUE_TOMORROW, "leave it with number 12", "no, number 12 is away, try 14", "yes", "{code}")
    neighbour = _instructions(runtime, "PB100000001GB").get("neighbour", "")
    assert "14" in neighbour and "12" not in neighbour, neighbour


@pytest.mark.parametrize(("us", "text", "place"), [
    # said back as the shopper's: "my" is "your" (kit/formatting.said_back); the driver reads "my neighbour's"
    (False, "leave it in my neighbour's porch pls", "in your neighbour's porch"),
    (False, "leave it in my neighbour\u2019s porch pls", "in your neighbour's porch"),
    (False, "can you put it in next door's porch", "in next door's porch"),
    (False, "pop it in the neighbours shed if im out", "in the neighbours shed"),
    (True, "leave it on my neighbor's porch", "on your neighbor's porch"),
])
def test_a_neighbours_porch_keeps_whose_porch_it_is(runtime, demo, us, text, place):
    if us:
        _us(runtime)
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert f"safe place: {place}." in reply, reply


# --- negation ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("us", "text"), [
    (False, "anything but the locker please, just redeliver"),
    (False, "anything except a pickup point, just bring it again"),
    (False, "anything but the shop, can you try again tomorrow"),
    (True, "anything other than a locker, just redeliver it please"),
])
def test_anything_but_the_locker_does_not_offer_pickup_points(runtime, demo, us, text):
    if us:
        _us(runtime)
    (reply,) = _talk(runtime, FAILED_ATTEMPT, text)
    assert "pickup point" not in reply.lower() and "Corner Shop" not in reply, reply
    assert re.search(r"^1\) tomorrow ", reply, re.M), reply  # the redelivery asked for


def test_anything_but_the_locker_alone_only_rules_out_the_locker(runtime, demo):
    (reply,) = _talk(runtime, FAILED_ATTEMPT, "anything but the locker")
    assert "Corner Shop" in reply and "Locker" not in reply, reply


def test_any_day_but_friday_offers_no_friday(runtime, demo):
    (reply,) = _talk(runtime, TWO_PARCELS, "socks: any day but friday")
    assert "Which of these" in reply or "Which slot" in reply, reply
    assert not re.search(r"^\d+\) Fri ", reply, re.M), reply


def test_a_refused_neighbour_then_a_good_one_proposes_the_good_one(runtime, demo):
    (reply,) = _talk(runtime, DUE_TOMORROW, "not with the old lady at 12, she's away. number 10 is fine")
    assert "Which neighbour" not in reply, reply
    assert re.search(r"\b10\b", reply), reply


# A refusal, then after a pause the value wanted instead (the refusal's own journey, whatever it reads as)
@pytest.mark.parametrize(("us", "text", "wanted"), [
    (False, "never leave it at the back of the house, front porch only", "front porch"),
    (False, "never leave it round the back pls, front door only", "front door"),
    (False, "dont leave it in the porch, the garage instead", "garage"),
    (False, "please don't put it in the bin store - behind the side gate", "behind the side gate"),
    (False, "do not leave it on the step, back porch is fine", "back porch"),
    (True, "please don't leave it on the stoop, side door only", "side door"),
])
def test_never_the_back_only_the_front_proposes_the_front(runtime, demo, us, text, wanted):
    if us:
        _us(runtime)
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "not leaving it in a safe place" not in reply, reply
    assert f"safe place: {wanted}" in reply or f"safe place: the {wanted}" in reply, reply


def test_a_refused_neighbour_then_a_bare_number_proposes_the_number(runtime, demo):
    (reply,) = _talk(runtime, DUE_TOMORROW, "dont leave it with number 12, number 14")
    assert "with number 14" in reply and "12" not in reply, reply


def test_a_refusal_then_its_reason_is_still_a_refusal(runtime, demo):
    (reply,) = _talk(runtime, DUE_TOMORROW, "don't leave it outside, it'll get nicked")
    assert "not leaving it in a safe place" in reply, reply


# A "not X" the classifier reads as a plain "no" still refuses X (and never starts it)
@pytest.mark.parametrize(("us", "text", "refused"), [
    (False, "I'd rather you didn't leave it outside", "in a safe place"),
    (False, "i'd prefer it if you didnt leave it with the neighbours", "with a neighbour"),
    (True, "I'd rather you not leave it on the porch", "in a safe place"),
    (False, "I don't want you to leave it in the shed", "in a safe place"),
])
def test_id_rather_you_didnt_leave_it_outside_is_understood(runtime, demo, us, text, refused):
    if us:
        _us(runtime)
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "delivery assistant" not in reply, reply
    assert f"not leaving it {refused}" in reply, reply


# --- corrections -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("us", "first", "correction", "old", "new"), [
    (False, "leave with neighbour at number 15", "my bad, 16 not 15", "15", "16"),
    (True, "leave it with my neighbor at 214", "my bad, 241 not 214", "214", "241"),
])
def test_my_bad_new_not_old_corrects_the_neighbour(runtime, demo, us, first, correction, old, new):
    if us:
        _us(runtime)
    _talk(runtime, DUE_TOMORROW, first, correction, "yes", "{code}")
    neighbour = _instructions(runtime, "PB100000001GB").get("neighbour", "")
    assert re.search(rf"\b{new}\b", neighbour) and not re.search(rf"\b{old}\b", neighbour), neighbour


def test_a_neighbour_corrected_at_the_open_question_is_stored_clean(runtime, demo):
    _talk(runtime, DUE_TOMORROW, "can a neighbour take it in", "15. my bad, 16", "yes", "{code}")
    neighbour = _instructions(runtime, "PB100000001GB").get("neighbour", "")
    assert re.fullmatch(r"(number |no )?16", neighbour.strip().lower()), neighbour


@pytest.mark.parametrize(("us", "first", "correction", "new", "old"), [
    (True, "hey can the driver leave it on my front porch", "oh wait, my bad, the back deck not the porch",
     "back deck", "porch"),
    (True, "leave it on the porch", "actually the side door, not the porch", "side door", "porch"),
    (True, "can you leave it by the garage", "sorry, the back deck not the garage", "back deck", "garage"),
    (False, "leave it in the porch", "no, the back door not the porch", "back door", "porch"),
])
def test_the_back_deck_not_the_porch_replaces_the_porch(runtime, demo, us, first, correction, new, old):
    if us:
        _us(runtime)
    _, proposed = _talk(runtime, DUE_TOMORROW, first, correction)
    assert f"safe place: the {new}." in proposed, proposed
    assert old not in proposed.lower(), proposed


def test_a_corrected_hold_date_stays_a_hold(runtime, demo):
    first, reply = _talk(runtime, DUE_TOMORROW, "hold it until the 15th", "actually the 16th")
    assert "hold your" in first, first  # the hold this is about
    assert "hold your" in reply and re.search(r"\b16\b", reply), reply
    assert "Which slot" not in reply, reply


# --- what the shopper typed, as phones type it -------------------------------------------------------------------

def test_a_safe_place_in_curly_quotes_is_proposed(runtime, demo):
    (reply,) = _talk(runtime, DUE_TOMORROW, "leave it in the \u2018garden room\u2019 pls")
    assert "garden room" in reply, reply


def test_an_echoed_safe_place_keeps_the_sms_in_gsm7(runtime, demo):
    (reply,) = _talk(runtime, DUE_TOMORROW, "leave it behind the bins \u2013 the green one")
    assert "behind the bins" in reply, reply  # the proposal this is about
    assert set(reply) <= GSM7, sorted(set(reply) - GSM7)


# --- two requests, two parcels -----------------------------------------------------------------------------------

def test_a_complaint_then_two_requests_keeps_the_requests(runtime, demo):
    reply, *_, done = _talk(runtime, FAILED_ATTEMPT,
                            "right so i was in all day yesterday literally all day and the card says you tried to "
                            "deliver but nobody knocked, the dog would have barked. anyway can you try again on "
                            "wednesday, and if im not in just leave it with number 3", "1", "yes", "{code}")
    assert "Shall I send your" not in reply and "yesterday" not in reply, reply
    wednesday = label(next_weekday("wednesday"))  # "tomorrow" when the suite runs on a Tuesday
    assert re.search(rf"^\d+\) {wednesday} ", reply, re.M) or wednesday in reply.split("Track it")[-1], reply
    assert "other request" in done and "number 3" in done, done  # the second request, queued


@pytest.mark.parametrize(("us", "text", "day"), [
    (False, "this is ridiculous, i was home ALL DAY and nobody even rang the bell!! can you bring it back thursday "
            "please, if im out leave it with number 7", "Thu"),
    (True, "seriously?? i was home the whole time, no one knocked. can you redeliver it tomorrow and if i'm not home "
           "just leave it with my neighbor at 12", None),
])
def test_an_upset_complaint_then_a_request_gets_the_request(runtime, demo, us, text, day):
    if us:
        _us(runtime)
    (reply,) = _talk(runtime, FAILED_ATTEMPT, text)
    assert "Shall I send your" not in reply, reply
    first = "tomorrow" if day is None else label(next_weekday(day))  # the day asked for, named as the list names it
    assert re.search(rf"^1\) {first} ", reply, re.M), reply


@pytest.mark.parametrize(("us", "text"), [
    (False, "wheres the socks and the headtorch"),
    (False, "any news on my head torch and the wool socks?"),
    (False, "when will the socks and headtorch arrive"),
    (True, "where are my socks & headtorch"),
])
def test_both_items_named_in_a_status_question_get_both_statuses(runtime, demo, us, text):
    if us:
        _us(runtime)
    (reply,) = _talk(runtime, TWO_PARCELS, text)
    assert "Which one" not in reply, reply
    assert "PB100000005GB" in reply and "PB100000006GB" in reply, reply


# --- a bare yes to an offer of several things, "the two of them" -----------------------------------------------

DELIVERED = "+447700900789"  # PB100000003GB, Camping stove, delivered


@pytest.mark.parametrize("answer", ["yes", "yeah please", "yes pls help", "sure", "yep, can you?"])
def test_a_bare_yes_to_the_after_delivery_offer_asks_which(runtime, demo, answer):
    """A yes names none of the three things offered: the bot asks which (and the next answer picks one)."""
    _, reply, then = _talk(runtime, DELIVERED, "can u leave it in the shed", answer, "2")
    assert "didn't catch" not in reply, reply
    assert "Which" in reply and "missing" in reply and "damaged" in reply, reply
    assert "damaged" in then, then


@pytest.mark.parametrize("answer", ["both of them", "all of them", "each of them", "the two of them", "the pair",
                                    "the 2 of them pls", "yes both", "the two please", "the pair of them",
                                    "both of em ta", "the two"])
def test_the_two_of_them_at_which_one_means_both(runtime, demo, answer):
    _, reply = _talk(runtime, TWO_PARCELS, "where are my parcels", answer)
    assert "PB100000005GB" in reply and "PB100000006GB" in reply, reply


@pytest.mark.parametrize("answer", ["two", "number two", "2", "the second one"])
def test_a_number_at_which_one_is_still_one_parcel(runtime, demo, answer):
    _, reply = _talk(runtime, TWO_PARCELS, "where are my parcels", answer)
    assert "PB100000005GB" in reply and "PB100000006GB" not in reply, reply
