"""Plain first messages a probe of everyday phrasing found misread (training_data/nlu/everyday.yml): the time a
parcel comes "roughly", why it is late, "I won't be in", who is texting, adding an item to an order. The
phrasings here are not the training examples: they check the class was learned, not the sentences."""

from __future__ import annotations

import pytest
from aftersales_kit import talk, text_of

IN_TRANSIT = "+447700900123"  # PB100000001GB, in transit, due tomorrow


@pytest.mark.parametrize("text", ["roughly when will the van come", "what time will the driver get here roughly",
                                  "any idea why it's so late", "why is my delivery late"])
def test_when_roughly_or_why_late_gets_the_status(runtime, demo, text):
    reply = text_of(talk(runtime, IN_TRANSIT, text))
    assert "PB100000001GB" in reply and "Expected" in reply


@pytest.mark.parametrize("text", ["i'm not going to be in tomorrow", "we wont be home tomorrow"])
def test_not_being_in_offers_another_day_without_that_one(runtime, demo, text):
    reply = text_of(talk(runtime, IN_TRANSIT, text))
    assert "not tomorrow" in reply.lower() and "1)" in reply
    assert "tomorrow 08:00" not in reply  # the day they won't be in is not offered


@pytest.mark.parametrize("text", ["who's texting me", "who is this please"])
def test_who_is_this_gets_who_the_bot_is(runtime, demo, text):
    assert "delivery assistant" in text_of(talk(runtime, IN_TRANSIT, text))


@pytest.mark.parametrize("text", ["could i add one more thing to the order", "can i add a second item"])
def test_adding_an_item_is_not_an_address_change(runtime, demo, text):
    reply = text_of(talk(runtime, IN_TRANSIT, text))
    assert "new address" not in reply.lower()
    assert "website" in reply or "AGENT" in reply


FAILED_ATTEMPT = "+447700900321"  # PB100000004GB, a delivery attempt failed today


@pytest.mark.parametrize("text", ["could you get it delivered to my work rather than home",
                                  "id like it delivered at my workplace", "can u send it to my office"])
def test_work_named_as_the_place_is_a_new_address_not_a_new_day(runtime, demo, text):
    """training_data/nlu/destinations.yml: "at work" is usually when a shopper is out; "delivered at/to my work"
    is where it goes (it was offered delivery slots)."""
    reply = text_of(talk(runtime, IN_TRANSIT, text))
    assert "new address" in reply.lower() and "1)" not in reply, reply


@pytest.mark.parametrize("text", ["can i just pick it up myself tomorrow", "could i collect it instead"])
def test_picking_it_up_yourself_is_a_collection_not_a_new_day(runtime, demo, text):
    reply = text_of(talk(runtime, FAILED_ATTEMPT, text))
    assert "pickup point" in reply.lower() and "Which slot" not in reply and "Which of these" not in reply, reply


@pytest.mark.parametrize("text", ["what's actually in this parcel", "which thing is this delivery"])
def test_what_is_in_it_gets_the_status_with_the_item(runtime, demo, text):
    reply = text_of(talk(runtime, IN_TRANSIT, text))
    assert "Trail running shoes" in reply and "PB100000001GB" in reply, reply


@pytest.mark.parametrize("text", ["never mind, where is it now", "forget it, when's it coming"])
def test_letting_go_then_a_question_answers_the_question(runtime, demo, text):
    """ "nevermind, where is it" read as out of scope as a whole (intents/discourse FILLER): a shopper waiting for a
    person was told "the team has your messages" instead of where the parcel is."""
    talk(runtime, IN_TRANSIT, "can i talk to a real person")
    reply = text_of(talk(runtime, IN_TRANSIT, text))
    assert "PB100000001GB" in reply and "Expected" in reply, reply


def test_what_was_let_go_is_not_offered_back(runtime, demo):
    talk(runtime, IN_TRANSIT, "leave it with my neighbour")
    reply = text_of(talk(runtime, IN_TRANSIT, "nevermind, when is it coming"))
    assert "Expected" in reply and "go back to" not in reply, reply


@pytest.mark.parametrize("text", ["why is it taking so long", "what's taking so long", "how much longer now",
                                  "why's my order taking so long to come", "is it going to take much longer"])
def test_why_so_long_gets_the_status(runtime, demo, text):
    """A fourth probe: "why is it taking so long" was out of scope ("I can only help with deliveries")."""
    reply = text_of(talk(runtime, IN_TRANSIT, text))
    assert "PB100000001GB" in reply and "Expected" in reply, reply


@pytest.mark.parametrize("text", ["can i track it online", "how do i track my order", "is there a tracking link",
                                  "how can I track my package", "where can i follow my order online"])
def test_asking_how_to_track_gets_the_status_and_its_link(runtime, demo, text):
    """A fourth probe: "can i track it online" and "how do i track my order" were out of scope; the status reply
    carries the parcel's signed tracking link."""
    reply = text_of(talk(runtime, IN_TRANSIT, text))
    assert "PB100000001GB" in reply and "Track it: https://" in reply, reply
