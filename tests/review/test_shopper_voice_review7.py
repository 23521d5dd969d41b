"""Review 7: about forty more shoppers, UK and US, on the journeys earlier reviews touched less: proof-of-delivery
photos, "delivered but not here", damage, collecting (a shop, a locker, the depot), returns, cancelling, a new
address, days and holds, neighbours with flats and house names, two parcels, what the bot can't do, and the
one-time code as shoppers type it. Each test is one defect seen driving the real engine with the real model, and
fails today (xfail strict): the shopper's words are in the test, the expected behaviour in its assertion."""

from __future__ import annotations

import re

import pytest

from tests.conversation_runner import latest_code
from tests.review.voice_kit import instructions as _instructions
from tests.review.voice_kit import make_us
from tests.review.voice_kit import talk as _talk

DUE_TOMORROW = "+447700900123"  # PB100000001GB, Trail running shoes, in transit
DELIVERED = "+447700900789"  # PB100000003GB, Camping stove, delivered yesterday, with a photo
FAILED_ATTEMPT = "+447700900321"  # PB100000004GB, Hiking boots
SIGNATURE = "+447700900987"  # PB100000007GB, GPS watch, signature required
STRANGER_US = "+15125550199"  # no parcel on this number




def _us(runtime) -> None:  # noqa: ANN001
    make_us(runtime)


# --- a change made that wasn't the one asked for -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "wanted", "not_wanted"), [
    ("im away till thursday, can u hold it till friday", "Fri", "Thu"),
    ("I'm away until Thursday evening so could you hold it until Friday please", "Fri", "Thu"),
    ("on holiday til wed, pls keep it at the depot till thurs", "Thu", "Wed"),
    ("I'm out of town until Wednesday, could you hold it till Thursday?", "Thu", "Wed"),
    ("we're on vacation through Tuesday, please hold the package until Wednesday", "Wed", "Tue"),
    ("hold it till friday, im away till thursday", "Fri", "Thu"),
])
def test_the_hold_is_until_the_day_asked_not_the_day_the_shopper_is_away_until(runtime, demo, text, wanted,
                                                                                not_wanted):
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "hold your" in reply, reply  # the hold this is about
    # "until Fri 11 Dec", or "until tomorrow (Fri 11 Dec)" when the day asked for is tomorrow
    until = r"until (?:tomorrow \()?"
    assert re.search(rf"{until}{wanted}\b", reply) and not re.search(rf"{until}{not_wanted}\b", reply), reply


@pytest.mark.parametrize("text", ["can i just collect it from your depot", "can I come and get it from the depot?",
                                  "I'll pick it up from the sorting office myself"])
def test_collecting_from_the_depot_is_not_booked_as_a_hold_then_redelivery(runtime, demo, text):
    first, then = _talk(runtime, FAILED_ATTEMPT, text, "tomorrow")
    assert re.search(r"collect|pick", first + then, re.I), (first, then)
    assert "then deliver" not in then, then


@pytest.mark.parametrize(("us", "text", "aside"), [
    (False, "deliver to flat 2B, 12 Acacia Avenue instead, forgot the flat number", "forgot"),
    (False, "can u add flat 3 to the address, they left it off", "left it off"),
    (True, "can you add apt 4C to my address, I forgot it", "forgot"),
    (False, "deliver it to flat 7, 12 Acacia Avenue pls, sorry i missed the flat off", "missed"),
    (True, "ship it to 742 Maple Street, Apt 2, Austin TX 78701 (forgot the apartment number)", "forgot"),
])
def test_an_aside_is_not_made_part_of_the_new_address(runtime, demo, us, text, aside):
    if us:
        _us(runtime)
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert aside not in reply.lower(), reply


@pytest.mark.parametrize(("text", "which"), [
    ("can the parcel go next door to number 14", "14"),
    ("can you leave it with next door, the one with the blue door", "blue door"),
    ("leave it at the house with the blue door opposite", "opposite"),
    ("neighbour at The Willows will take it", "Willows"),
    ("my neighbour at Rose Cottage can have it", "Rose Cottage"),
    ("leave it with next door, the one with the red car outside", "red car"),
    ("give it to the lady over the road, at number 3", "3"),
    ("can it go to the guy upstairs in flat 4", "4"),
])
def test_the_words_that_say_which_neighbour_reach_the_proposal(runtime, demo, text, which):
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert which in reply, reply


@pytest.mark.parametrize(("sender", "text", "named"), [
    (DUE_TOMORROW, "can you send it to the ancoats locker", "Ancoats"),
    (DUE_TOMORROW, "send it to Piccadilly Corner Shop please", "Piccadilly"),
    (DUE_TOMORROW, "can i pick it up from rusholme late store", "Rusholme"),
    ("+447700900654", "can the socks go to the corner shop in piccadilly", "Piccadilly"),
    (DUE_TOMORROW, "could I collect it from the Ancoats lockers instead?", "Ancoats"),
    (DUE_TOMORROW, "send it to the picadilly shop pls", "Piccadilly"),
    (DUE_TOMORROW, "could i collect them from the rusholme shop", "Rusholme"),
])
def test_a_pickup_point_named_in_the_request_is_the_one_proposed(runtime, demo, sender, text, named):
    (reply,) = _talk(runtime, sender, text)
    assert named in reply and "Which one should" not in reply, reply


@pytest.mark.parametrize(("answer", "named"), [("picadilly", "Piccadilly Corner Shop"),
                                               ("the rusholm one", "Rusholme Late Store"),
                                               ("ancotes pls", "Ancoats Parcel Locker")])
def test_a_pickup_point_misspelt_at_the_list_is_taken(runtime, demo, answer, named):
    _, reply = _talk(runtime, DUE_TOMORROW, "can i collect from a shop", answer)
    assert named in reply and "didn't catch" not in reply, reply


# --- the one-time code as it is typed -----------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["ok {code}", "{code} thanks x", "{code}!!", "sorry took ages, {code}",
                                   "its {code} i think", "here u go {code}", "{code} and can u make it thursday",
                                   # paraphrases, UK and US
                                   "got it: {code}", "{code} cheers", "{code} - sorry was driving",
                                   "Here you go, {code}. Thanks!", "think its {code}?"])
def test_the_code_with_words_around_it_is_taken(runtime, demo, typed):
    _talk(runtime, DUE_TOMORROW, "leave it in the shed", "yes", typed)
    assert _instructions(runtime, "PB100000001GB").get("safe_place") == "in the shed"


@pytest.mark.parametrize(("zero", "joined", "around"), [
    ("zero", " ", "{}"),
    ("oh", ", ", "{}"),  # a voice-to-text phone's commas, "oh" for zero
    ("nought", " ", "its {} thanks"),
    ("o", " ", "ok the code is {}"),
])
def test_the_code_in_words_is_taken(runtime, demo, zero, joined, around):
    _talk(runtime, DUE_TOMORROW, "leave it in the shed", "yes")
    words = [zero, "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    spoken = joined.join(words[int(d)] for d in latest_code(runtime, DUE_TOMORROW))
    _talk(runtime, DUE_TOMORROW, around.format(spoken))
    assert _instructions(runtime, "PB100000001GB").get("safe_place") == "in the shed"


# --- "delivered but not here" and the photo ---------------------------------------------------------------------

@pytest.mark.parametrize(("answer", "found"), [
    ("oh wait found it behind the plant pot lol", True),
    ("no sign of it anywhere", False),
    ("not behind the bins or in the shed, nowhere", False),
    # paraphrases, UK and US
    ("ah got it, my neighbour took it in", True),
    ("yep it was under the doormat haha", True),
    ("just found it in the recycling bin", True),
    ("checked the porch and the garage, it's not there", False),
    ("looked everywhere, no luck", False),
    ("not on the porch or in the yard, nothing", False),
    ("nope asked the neighbours too, nobody has it", False),
])
def test_the_answer_to_have_you_found_it_is_read_as_an_answer(runtime, demo, answer, found):
    asked, reply = _talk(runtime, DELIVERED, "it says delivered but its not here", answer)
    assert "Have you found it?" in asked, asked
    assert "can't be changed" not in reply and "safe place" not in reply and "go back" not in reply, reply
    if found:
        assert "CLM-" not in reply, reply
    else:
        assert "claim" in reply.lower(), reply


@pytest.mark.parametrize("texts", [("thats not my door in the photo!!", "yes report it"),
                                   ("send me the picture pls", "thanks thats not my house tho"),
                                   # paraphrases, UK and US
                                   ("can i see the delivery photo", "that isn't my house in the picture"),
                                   ("That is not my front door in the picture you sent", "no"),
                                   ("where was it left?", "thats someone elses porch, never seen it before"),
                                   ("they left it at the wrong house",)])
def test_the_photo_shows_someone_elses_door_leads_somewhere(runtime, demo, texts):
    replies = _talk(runtime, DELIVERED, *texts)
    assert "ask me where your parcel is" not in replies[-1], replies[-1]
    assert re.search(r"claim|missing|wrong address|AGENT|team", " ".join(replies)), replies


@pytest.mark.parametrize(("text", "answer"), [
    ("says delivered but nothing here. can i see the photo he took", "no"),
    # paraphrases, UK and US
    ("package shows delivered but it's not here - can I get the delivery photo?", "nope"),
])
def test_a_photo_already_sent_is_not_sent_again_as_the_other_request(runtime, demo, text, answer):
    first, reply = _talk(runtime, DELIVERED, text, answer)
    assert "/pod/" in first, first  # the photo was given
    assert "/pod/" not in reply, reply


@pytest.mark.parametrize("answer", ["nope still nothing", "nah still not turned up", "No, still not here",
                                    "still waiting on it tbh"])
def test_a_first_answer_is_not_called_asking_again(runtime, demo, answer):
    _, reply = _talk(runtime, DELIVERED, "it says delivered but its not here", answer)
    assert "ask again" not in reply, reply


# --- a value already given is asked for ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["i want to send it back, its too small", "how do i return this, it arrived broken",
                                  "how do I return this? it's not what I ordered",
                                  "return it pls, changed my mind",
                                  # paraphrases, UK and US
                                  "can I return these, they don't fit", "I'd like to return this, it's too big",
                                  "returning it - you sent the wrong color", "want to return it, doesn't work",
                                  "Hi, how do I return this? Doesn't fit"])
def test_a_return_reason_given_is_not_asked_for(runtime, demo, text):
    (reply,) = _talk(runtime, DELIVERED, text)
    assert "Why are you sending it back" not in reply, reply


@pytest.mark.parametrize("answer", ["dunno the postcode sorry, its my sons address",
                                    "i dont know it, im asking for my nan",
                                    # paraphrases, UK and US
                                    "no idea, it's for my mum", "I don't have it, I'm checking on behalf of my dad",
                                    "cant remember it", "not sure sorry", "idk its not my address"])
def test_not_knowing_the_postcode_is_given_a_way_forward(runtime, demo, answer):
    asked, reply = _talk(runtime, "+447700900999", "hi did my camping stove get delivered? PB100000003GB", answer)
    assert "postcode" in asked, asked  # the question this is about
    assert reply != asked and re.search(r"AGENT|person|phone|confirmation", reply), reply


# --- what the bot can't do -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["can i change the size to a 9 before it gets here",
                                  "can you swap it for the black one", "I need a bigger size, can you change it",
                                  "can I change the color to navy please",
                                  "change my size from M to L pls"])
def test_changing_the_item_is_not_offered_as_a_delivery_change(runtime, demo, text):
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "delivery address" not in reply and "delivery slot" not in reply, reply
    assert "can't change the item" in reply and "AGENT" in reply, reply  # said plainly, with who can help


@pytest.mark.parametrize("text", ["can my husband sign for it if im at work",
                                  "can my wife sign for the package if I'm not home?",
                                  "my flatmate will be in, can she sign for it"])
def test_a_husband_signing_is_not_answered_about_a_neighbour(runtime, demo, text):
    (reply,) = _talk(runtime, SIGNATURE, text)
    assert "neighbour" not in reply, reply


# --- a question said twice in one reply ----------------------------------------------------------------------------

@pytest.mark.parametrize(("texts", "word"), [
    (("leave it in the shed", "yes", "12345"), "RESEND"),
    (("the box was all smashed in and the stove is dented", "yes"), "SKIP"),
    # the same class: other answers that don't fit, and the other questions whose re-ask is the question itself
    (("leave it in the shed", "yes", "is that the code from the text?"), "RESEND"),
    (("my stove arrived broken", "ok"), "SKIP"),
    (("can you leave it in a safe place", "somewhere"), "driver"),
    (("can you leave it with a neighbour", "whoever"), "description"),
])
def test_a_question_asked_again_is_said_once(runtime, demo, texts, word):
    sender = DELIVERED if "stove" in texts[0] else DUE_TOMORROW
    reply = _talk(runtime, sender, *texts)[-1]
    assert reply.count(word) == 1, reply


# --- wording ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "wrong"), [
    ("i want to send them back", r"\bit (?:can't|arrives)\b"),
    ("can you hold it at the depot till friday", r"\bdeliver it\b"),
    # paraphrases, UK and US
    ("how do i return these trainers", r"\bit (?:can't|arrives)\b"),
    ("I'd like to return my order please", r"\bit (?:can't|arrives)\b"),
    ("pls keep them at the depot til monday", r"\bdeliver it\b"),
    ("Can you hold my package until Saturday?", r"\bdeliver it\b"),
])
def test_plural_items_are_not_it(runtime, demo, text, wrong):
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "Trail running shoes" in reply, reply  # the reply this is about
    assert not re.search(wrong, reply), reply


def test_a_us_shopper_proving_a_parcel_is_asked_for_a_zip_code(runtime, demo):
    _us(runtime)
    asked, refused, odd, unknown = _talk(runtime, STRANGER_US, "PB100000001GB", "90210", "hmm", "I don't know it")
    assert "postcode" not in asked.lower() and "zip" in asked.lower(), asked
    assert "postcode" not in refused.lower(), refused
    for reply in (odd, unknown):  # everywhere in the proof step: asked again, and not known
        assert "postcode" not in reply.lower() and "ZIP code" in reply, reply


def test_a_uk_shopper_proving_a_parcel_is_still_asked_for_a_postcode(runtime, demo):
    (asked,) = _talk(runtime, "+447700900999", "where is PB100000001GB")
    assert "postcode" in asked and "ZIP" not in asked, asked
