"""At the damage photo step, "I can send a picture later" is the photo later: the claim goes on as SKIP does, the
shopper is told to reply with it any time, and a photo sent later is added to the claim (report_damaged.photo_later,
kit/claims.add_later_photo).

Before: it was read as asking for the driver's photo ("The driver's photo (the link works for 24 hours): ...")."""

from __future__ import annotations

import pytest
from aftersales_kit import OWN_DELIVERED, audits, changes, talk, text_of

PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
LATER = ["I can send a picture later", "ill take a pic when i get home", "Can I send the photo tomorrow?",
         "will send one tonight", "not right now, I'll snap one after work", "later",
         "I'm at work, can I send it later?"]


def _to_the_photo_step(runtime) -> None:  # noqa: ANN001
    assert "reply with a photo" in text_of(talk(runtime, OWN_DELIVERED, "my parcel arrived damaged"))


@pytest.mark.parametrize("message", LATER)
def test_a_photo_later_moves_on_as_skip_does(runtime, demo, message):
    _to_the_photo_step(runtime)
    reply = text_of(talk(runtime, OWN_DELIVERED, message))
    assert "send the photo any time" in reply and "What would you like us to do" in reply, reply
    assert "driver's photo" not in reply and "Please reply with a photo" not in reply, reply


def test_a_photo_sent_later_is_added_to_the_claim(runtime, demo):
    _to_the_photo_step(runtime)
    talk(runtime, OWN_DELIVERED, "ill take a pic when i get home")
    talk(runtime, OWN_DELIVERED, "2")
    talk(runtime, OWN_DELIVERED, "yes")
    [claim] = changes(runtime, "claim_damaged")
    assert claim.params["photo_later"] and claim.params["photos"] == []
    reply = text_of(talk(runtime, OWN_DELIVERED, "here you go", media=(PHOTO,)))
    assert f"added your photo to your claim {claim.reference}" in reply, reply
    [claim] = changes(runtime, "claim_damaged")
    assert claim.params["photos"] == [PHOTO] and not claim.params["photo_skipped"]
    assert audits(runtime, "claim_photo_added")[0].reference == claim.reference


@pytest.mark.parametrize("message", ["can i see the drivers photo", "where did the driver leave it"])
def test_other_words_at_the_photo_step_keep_their_reading(runtime, demo, message):
    """A question about the driver's photo is still that (the journey is offered back afterwards)."""
    _to_the_photo_step(runtime)
    reply = text_of(talk(runtime, OWN_DELIVERED, message))
    assert "send the photo any time" not in reply and "Front porch" in reply, reply


def test_a_photo_with_no_claim_waiting_is_still_asked_about(runtime, demo):
    """A picture out of the blue, with no claim waiting for one, is asked about as before."""
    reply = text_of(talk(runtime, OWN_DELIVERED, "", media=(PHOTO,)))
    assert "added your photo" not in reply and "report a damaged parcel" in reply, reply
