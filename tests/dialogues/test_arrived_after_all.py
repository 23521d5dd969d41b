"""The parcel come after all, said in passing ("nvm got it", "never mind, just arrived", "its just come"): glad it
did. A third probe found "nvm got it" read as the parcel missing ("It isn't marked as delivered yet, so it hasn't
gone missing") from a shopper whose parcel was out for delivery: the driver had just been, before the carrier's
"delivered" (`claims._found_without_a_claim`, `_TURNED_UP`)."""

from __future__ import annotations

import pytest
from aftersales_kit import talk, text_of

OUT_FOR_DELIVERY = "+447700900456"
DELIVERED = "+447700900789"
GLAD = "glad it turned up"


@pytest.mark.parametrize("text", [
    "nvm got it",
    # paraphrases, UK and US
    "never mind, just arrived",
    "its just come",
    "dw it turned up",
    "oh nvm its here",
    "ignore me, its arrived",
    "never mind i've got it",
])
def test_come_after_all_is_glad_news(runtime, demo, text):
    reply = text_of(talk(runtime, OUT_FOR_DELIVERY, text))
    assert GLAD in reply and "missing" not in reply, reply


def test_found_a_delivered_parcel_is_glad_news_too(runtime, demo):
    reply = text_of(talk(runtime, DELIVERED, "nvm found it"))
    assert GLAD in reply, reply


@pytest.mark.parametrize("text", ["i got it wrong, can you leave it in the porch", "has it just arrived at the depot?"])
def test_what_is_not_come_after_all(runtime, demo, text):
    reply = text_of(talk(runtime, OUT_FOR_DELIVERY, text))
    assert GLAD not in reply, reply
