"""A stop said of the delivery is no opt-out: "the van drove off without stopping" unsubscribed the shopper (the
classifier hears "stop"), who then got no code, no notice and a reply about texts they never mentioned. The driver
or van not stopping is a missed delivery (the status, or the missing-parcel report); "stop the delivery" asks
whether to cancel or hold it. A message that names the texts or being contacted keeps its opt-out
(`intents/opt_out.not_the_texts`; the other way round, "text me again", is `unless_asked_for`)."""

from __future__ import annotations

import pytest
from aftersales_kit import talk, text_of

from tests.security.security_kit import opted_out

OUT_FOR_DELIVERY = "+447700900456"
IN_TRANSIT = "+447700900123"


@pytest.mark.parametrize("text", [
    "the van drove off without stopping",
    # paraphrases, UK and US
    "driver didn't stop",
    "he didnt even stop at mine",
    "the delivery guy didnt stop",
    "the van didnt stop at my house",
    "the mailman drove right past, never stopped",
    "truck went by without even stopping",
    "the postie went straight past without stopping",
])
def test_a_driver_who_did_not_stop_is_a_missed_delivery_not_an_opt_out(runtime, demo, text):
    reply = text_of(talk(runtime, OUT_FOR_DELIVERY, text))
    assert not opted_out(runtime, OUT_FOR_DELIVERY), reply
    assert "unsubscribed" not in reply and "PB100000002GB" in reply and "out for delivery" in reply, reply


@pytest.mark.parametrize("text", ["stop the delivery", "please stop the parcel", "can u stop this package",
                                  # whoever brings it: these had unsubscribed the shopper (the keyword step knew
                                  # them, the opt-out journey did not: now one table, `stops_the_parcel`)
                                  "stop the driver", "stop the van please", "can you stop the courier",
                                  "stop the redelivery"])
def test_stopping_the_parcel_asks_cancel_or_hold(runtime, demo, text):
    reply = text_of(talk(runtime, IN_TRANSIT, text))
    assert not opted_out(runtime, IN_TRANSIT), reply
    assert "cancelling your order" in reply and "holding your parcel" in reply, reply


def test_stopping_the_order_is_the_cancellation(runtime, demo):
    reply = text_of(talk(runtime, IN_TRANSIT, "can you stop my order"))
    assert not opted_out(runtime, IN_TRANSIT) and "can't cancel it" in reply, reply


@pytest.mark.parametrize("text", [
    "stop sending me delivery updates",
    "please stop texting me, the driver has been",
    "i dont want these messages",
    "the driver was great but stop the texts",
    "stop the delivery texts",
    "stop messaging me about the van",
    "stop the courier texting me",
    "stop the delivery confirmations",
])
def test_an_opt_out_that_names_the_texts_still_unsubscribes(runtime, demo, text):
    reply = text_of(talk(runtime, OUT_FOR_DELIVERY, text))
    assert opted_out(runtime, OUT_FOR_DELIVERY) and "unsubscribed" in reply, reply


@pytest.mark.parametrize("text", [
    "the driver came, stop now",
    # paraphrases, UK and US
    "got it, stop",
    "it came! stop pls",
    "thanks, stop",
    "package is here - stop",
])
def test_a_stop_said_last_unsubscribes(runtime, demo, text):
    """The whole read as a status question, so the opt-out was lost (a review of the opt-out rules): a STOP said as
    the message's last part is one (`keywords._ends_with_stop`)."""
    reply = text_of(talk(runtime, OUT_FOR_DELIVERY, text))
    assert opted_out(runtime, OUT_FOR_DELIVERY) and "unsubscribed" in reply, reply


@pytest.mark.parametrize("text", ["stop, i meant number 5", "the van didnt stop", "wait, stop"])
def test_a_stop_not_said_last_on_its_own_is_no_keyword(text):
    """The rule adds no keyword reading to these (what the classifier makes of them is its own: a missed opt-out is
    the worse mistake, intents/opt_out.py)."""
    from dialogues.kit.keywords import keyword_for

    assert keyword_for(text, None) is None, text


@pytest.mark.parametrize("text", ["stop the order pings", "stop all these parcel alerts", "stop the delivery notifs"])
def test_the_texts_by_another_name_stopped_is_an_opt_out(runtime, demo, text):
    """ "stop the order pings" had been read as a cancellation (`opt_out.texts_named`)."""
    reply = text_of(talk(runtime, OUT_FOR_DELIVERY, text))
    assert opted_out(runtime, OUT_FOR_DELIVERY) and "unsubscribed" in reply, reply


@pytest.mark.parametrize("text", ["dont stop the updates", "please don't stop sending me texts",
                                  "never stop the updates lol they're great", "do not stop the delivery texts"])
def test_asking_the_texts_not_to_stop_keeps_them(runtime, demo, text):
    """ "dont stop the updates" had unsubscribed the shopper: the model hears the stop, not the don't."""
    reply = text_of(talk(runtime, OUT_FOR_DELIVERY, text))
    assert not opted_out(runtime, OUT_FOR_DELIVERY) and "unsubscribed" not in reply, reply
    assert "updates from Acme Outdoor are already on" in reply, reply  # said so (the opt-in's own answer)
