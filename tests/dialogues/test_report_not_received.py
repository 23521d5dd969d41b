"""Missing parcels: the proof comes first, the claim only when it's still missing, once, with a person."""

from __future__ import annotations

import pytest
from aftersales_kit import DELIVERED, OWN_DELIVERED, audits, changes, conversation_of, talk, text_of


def test_proof_first_then_one_claim_and_a_person(runtime, demo):
    first = talk(runtime, OWN_DELIVERED, "it says delivered but its not here")
    assert any(r.media_urls for r in first), "the photo comes with the first answer"
    assert "Front porch" in text_of(first)
    assert changes(runtime, "claim_not_received") == []
    assert not conversation_of(runtime, OWN_DELIVERED).handed_off

    opened = text_of(talk(runtime, OWN_DELIVERED, "no"))
    [claim] = changes(runtime, "claim_not_received")
    assert claim.reference and claim.reference in opened
    assert (claim.tracking_number, claim.status) == (DELIVERED, "pending")
    assert conversation_of(runtime, OWN_DELIVERED).handed_off
    [entry] = audits(runtime, "claim_not_received")
    assert entry.reference == claim.reference and entry.subject == DELIVERED


def test_reporting_again_reuses_the_open_claim(runtime, demo):
    talk(runtime, OWN_DELIVERED, "it says delivered but its not here")
    talk(runtime, OWN_DELIVERED, "no")
    talk(runtime, OWN_DELIVERED, "bot")  # back from the team to the assistant
    again = text_of(talk(runtime, OWN_DELIVERED, "it says delivered but its not here"))
    [claim] = changes(runtime, "claim_not_received")
    assert "already have a claim" in again and claim.reference in again


def test_found_it_opens_nothing(runtime, demo):
    talk(runtime, OWN_DELIVERED, "it says delivered but its not here")
    assert "glad" in text_of(talk(runtime, OWN_DELIVERED, "found it"))
    assert changes(runtime, "claim_not_received") == []
    assert not conversation_of(runtime, OWN_DELIVERED).handed_off


@pytest.mark.parametrize("answer", ["yes report it", "yes please open a claim", "yeah it went to the wrong house"])
def test_yes_with_report_it_at_have_you_found_it_opens_the_claim(runtime, demo, answer):
    """"Yes, report it" answers the offer to report, not "have you found it?": the parcel is still missing."""
    talk(runtime, OWN_DELIVERED, "your driver left it at the wrong house, number 21 has it")
    assert "glad" not in text_of(talk(runtime, OWN_DELIVERED, answer))
    assert len(changes(runtime, "claim_not_received")) == 1


def test_a_parcel_not_yet_delivered_gets_its_status_not_a_claim(runtime, demo):
    replies = talk(runtime, "+447700900123", "it says delivered but its not here")
    assert "on the way" in text_of(replies) and not any(r.media_urls for r in replies)
    assert changes(runtime, "claim_not_received") == []


@pytest.mark.parametrize("answer", [
    "yes i checked with the neighbours",
    # paraphrases, UK and US
    "yep looked everywhere",
    "ive asked next door",
    "checked the porch and the bins",
    "yeah I already asked my neighbors",
    "yes we've searched the yard",
])
def test_a_yes_to_having_looked_is_still_missing(runtime, demo, answer):
    """At "Have you found it?" the checks the question asked for, done, are a no: "yes i checked with the neighbours"
    had been read as a neighbour request and refused ("the delivery can't be changed"), and "I already asked my
    neighbors" as the shopper asking us again."""
    talk(runtime, OWN_DELIVERED, "it says delivered but its not here")
    reply = text_of(talk(runtime, OWN_DELIVERED, answer))
    [claim] = changes(runtime, "claim_not_received")
    assert claim.reference in reply and "ask again" not in reply, reply


@pytest.mark.parametrize("answer", ["checked the shed and found it", "yes found it, it was in the shed", "yes"])
def test_found_beside_the_looking_is_found(runtime, demo, answer):
    talk(runtime, OWN_DELIVERED, "it says delivered but its not here")
    reply = text_of(talk(runtime, OWN_DELIVERED, answer))
    assert changes(runtime, "claim_not_received") == [] and "glad it turned up" in reply, reply
