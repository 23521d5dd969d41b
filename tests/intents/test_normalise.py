from __future__ import annotations

import pytest

from intents.normalise import Normaliser, normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("wen wil u deliver my pkg tmrw pls?", "when will you deliver my package tomorrow please ?"),
        ("ur driver cud leave it wiv nxt door b4 2day", "your driver could leave it with next door before today"),
        ("thx", "thanks"),
        ("wud u b able", "would you b able"),
        ("eta?", "eta ?"),
        ("I'm NOT home", "i am not home"),
        ("pleeeease", "pleease"),
        ("is it comin 2day, been waitin all mornin n nothin",
         "is it coming today been waiting all morning and nothing"),
        ("login within the cabin", "login within the cabin"),  # real words ending in "in" stay
    ],
)
def test_sms_lexicon(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("track 1Z999AA10123456784", "track trackingref"),
        ("where is PB123456789GB", "where is trackingref"),
        ("parcel JD014600003828281234", "parcel trackingref"),
        ("order #100234 please", "order orderref please"),
        ("ORD-55512", "orderref"),
        ("send it to SW1A 1AA", "send it to postcoderef"),
        ("zip 90210-1234", "zip zipref"),
        ("call 07700 900123", "call phoneref"),
        ("call +44 7700 900123", "call phoneref"),
        ("mail me at jo.bloggs@example.co.uk", "mail me at emailref"),
        ("after 3pm", "after timeref"),
        ("on 12/03", "on dateref"),
        ("the code is 482913", "the code is numref"),
        ("refund £12.50", "refund moneyref"),
    ],
)
def test_value_placeholders(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_custom_regex_and_lookup_markers() -> None:
    norm = Normaliser(regexes={"order_number": [r"\bAC-\d{4}\b"]}, lookups={"safe_place": ["shed", "bin store"]})
    assert norm("where is AC-1234") == "where is orderref"
    assert norm("leave it in the bin store").split()[-1] == "lksafeplace"
    assert "lksafeplace" not in norm("leave it with the neighbour")


def test_unknown_regex_name_gets_its_own_token() -> None:
    norm = Normaliser(regexes={"loyalty_id": [r"\bLY\d{3}\b"]})
    assert norm("my card LY123") == "my card rxloyaltyid"


def test_meaningful_emoji_become_words():
    from intents.normalise import normalise

    assert normalise("👍") == "yes ok"
    assert normalise("wheres my 📦") == "wheres my parcel"
    assert "no" in normalise("👎").split()
