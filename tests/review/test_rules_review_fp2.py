"""A sceptical false-positive review of the shopper-reading rules added on 7 Dec (88d37c2..62836bc): shoppers who
mean something else with the rules' words. Found and mended here: a genuine opt-out that the "stop said of the
delivery" rule (intents/opt_out.not_the_texts) let through - a pestering "they never stop, make it stop", an
opt-out beside a driver story ("the driver didnt stop. I want out") and a stop of the delivery's texts by another
name ("stop the delivery confirmations") - a legal problem; and the signature answers given to "sign in / sign up"
(an account, not a parcel) and over a request beside "im not in to sign" ("..., can it go to a pickup point").
Each test failed before its mend; the words it was found with first, paraphrases UK and US beside them."""

from __future__ import annotations

import pytest

from tests.dialogues.aftersales_kit import changes, talk, text_of
from tests.review.voice_kit import talk as _talk
from tests.security.security_kit import opted_out

IN_TRANSIT = "+447700900123"  # PB100000001GB, Trail running shoes
DELIVERED = "+447700900789"  # PB100000003GB, Camping stove, delivered yesterday
FAILED = "+447700900321"  # PB100000004GB, Hiking boots, a delivery attempted today
SIGNATURE = "+447700900987"  # a GPS watch that needs a signature

_SIGN_ANSWER = ("anyone in at the delivery address", "has to be in to sign", "don't need a signature")


# --- 1. a genuine opt-out stands beside driver words -----------------------------------------------------------------

@pytest.mark.parametrize(("phone", "text"), [
    (IN_TRANSIT, "they never stop, make it stop"),
    # paraphrases, UK and US: "never stop" / "won't stop" is pestering, not a van that drove past
    (IN_TRANSIT, "he wont stop, please stop"),
    (IN_TRANSIT, "make it stop they never stop"),
    (IN_TRANSIT, "they just won't stop, enough"),
    (IN_TRANSIT, "she doesnt stop does she. stop"),
    # an opt-out said beside a driver who didn't stop
    (FAILED, "the driver didnt stop. I want out"),
    (IN_TRANSIT, "they didnt stop so stop"),
    (IN_TRANSIT, "stop, driver drove past anyway"),
    (FAILED, "van drove off without stopping. just stop now"),
    (FAILED, "the courier never stopped, unsubscribe"),
])
def test_an_opt_out_beside_a_driver_who_did_not_stop_still_unsubscribes(runtime, demo, phone, text):
    (reply,) = _talk(runtime, phone, text)
    assert opted_out(runtime, phone) and "unsubscribed" in reply, reply


@pytest.mark.parametrize("text", [
    "stop the delivery confirmations",
    # paraphrases, UK and US: the delivery's texts by another name
    "stop the delivery chasers",
    "stop the delivery nonsense please",
    "Stop this delivery crap",
    "stop the delivery rubbish now",
    "stop the shipment notices",
])
def test_stopping_the_delivery_s_texts_by_another_name_unsubscribes(runtime, demo, text):
    (reply,) = _talk(runtime, IN_TRANSIT, text)
    assert opted_out(runtime, IN_TRANSIT) and "unsubscribed" in reply, reply


@pytest.mark.parametrize("text", [
    "the van drove off without stopping", "driver didnt even stop", "the mailman drove right past, never stopped",
    "he didnt stop, the van just went past",
])
def test_a_driver_who_did_not_stop_is_still_a_missed_delivery(runtime, demo, text):
    (reply,) = _talk(runtime, FAILED, text)
    assert not opted_out(runtime, FAILED) and "PB100000004GB" in reply, reply


@pytest.mark.parametrize("text", ["stop the delivery", "stop the delivery please", "can you stop the delivery to "
                                  "my house", "stop the parcel, i dont need it", "stop the delivery until monday"])
def test_stopping_the_parcel_still_asks_cancel_or_hold(runtime, demo, text):
    (reply,) = _talk(runtime, IN_TRANSIT, text)
    assert not opted_out(runtime, IN_TRANSIT), reply


# --- 2. signing in / up is an account, not a parcel ------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "i cant sign in to the website",
    # paraphrases, UK and US
    "I can't sign in to track it",
    "i cant sign into my account",
    "we cant sign up for updates",
    "can someone help me sign up for updates",
    "could anyone sign me in, the app is broken",
    "can somebody sign up my email",
])
def test_signing_in_or_up_gets_no_signature_answer(runtime, demo, text):
    (reply,) = _talk(runtime, SIGNATURE, text)
    assert not any(s in reply for s in _SIGN_ANSWER), reply


@pytest.mark.parametrize("text", ["i cant sign for it, I'm abroad", "can someone else sign for it",
                                  "i wont be home to sign for it", "could anybody sign for it in person"])
def test_signing_for_the_parcel_still_gets_the_signature_answer(runtime, demo, text):
    (reply,) = _talk(runtime, SIGNATURE, text)
    assert any(s in reply for s in _SIGN_ANSWER), reply


# --- 3. a request beside "I won't be in to sign" is the request ------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("im not in to sign, can it go to a pickup point", "pickup points"),
    # paraphrases, UK and US
    ("i wont be home to sign, could it go to a locker", "pickup points"),
    ("nobody will be in to sign for it, can we collect it from a pickup point instead", "pickup points"),
    ("I won't be there to sign so can it come another day", "slot"),
])
def test_a_request_beside_not_in_to_sign_is_the_request(runtime, demo, text, expected):
    (reply,) = _talk(runtime, SIGNATURE, text)
    assert expected in reply and "has to be in to sign" not in reply, reply



# --- 4. a photo sent "later" while the claim's question is still open is kept ----------------------------------------

PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2"


@pytest.mark.parametrize(("later", "choice", "text"), [
    ("i'll send one later", None, ""),
    # paraphrases, UK and US; the photo at the menu, or at the remedy's confirmation, with or without words
    ("I can send a picture later", "2", ""),
    ("will take a pic when i get home", None, "here you go"),
    ("not right now, ill snap one after work", "1", "there u go"),
])
def test_a_photo_sent_while_the_claim_is_still_asking_is_added_to_it(runtime, demo, later, choice, text):
    talk(runtime, DELIVERED, "the box arrived damaged")
    assert "send the photo any time" in text_of(talk(runtime, DELIVERED, later))
    if choice:
        talk(runtime, DELIVERED, choice)
    reply = text_of(talk(runtime, DELIVERED, text, media=(PHOTO,)))
    assert "didn't catch" not in reply and "Thanks for the photo" in reply, reply
    if not choice:
        assert "What would you like us to do" in reply, reply  # the question still open, asked again
        talk(runtime, DELIVERED, "2")
    else:
        assert "Just to check" in reply, reply
    talk(runtime, DELIVERED, "yes")
    [claim] = changes(runtime, "claim_damaged")
    assert claim.params["photos"] == [PHOTO] and not claim.params["photo_skipped"], claim.params
