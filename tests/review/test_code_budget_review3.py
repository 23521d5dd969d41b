"""Review 3: the strangers' code budget is kept per parcel (tracking number), not per phone the codes go to.
bot/services/verification.py promises "the recipient gets at most 3 unasked-for code texts an hour"; a recipient
with several parcels in flight gets 3 per parcel from one stranger holding their numbers and postcode."""

from __future__ import annotations

from bot.services.verification import MAX_OTHERS_CODES
from tests.security.security_kit import POSTCODE, TWO, codes_sent_to, rest

PARCELS = ("PB100000005GB", "PB100000006GB")  # both to +447700900654, 12 Acacia Avenue, M1 4BT


def test_strangers_cannot_text_a_recipient_more_codes_by_naming_each_of_their_parcels(client, runtime, demo):
    for n, tracking in enumerate(PARCELS):
        sender = f"web-spammer-{n}"  # a REST sender id costs nothing
        rest(client, sender, f"where is {tracking}")
        rest(client, sender, POSTCODE)
        rest(client, sender, f"add a note for the driver on {tracking}: ring twice")
        assert "code" in rest(client, sender, "yes")
        rest(client, sender, "resend")
        rest(client, sender, "resend")
    assert len(codes_sent_to(runtime, TWO)) <= MAX_OTHERS_CODES, codes_sent_to(runtime, TWO)
