"""Nothing anyone hands us reaches a shopper's or a driver's screen with a control or format character in it:
a U+202E (right-to-left override) in an agent's name, an integration's name, a carrier's words or a note would
reverse the rest of the SMS on the shopper's phone. One rule, bot/core/unseen.py, for every cleaner."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.apikeys import create_key
from bot.core.messages import clean_text
from bot.core.unseen import without_unseen
from bot.core.wording import clean_value
from dialogues.kit.driver_text import driver_text
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.helpers import sms_form, twilio_post

_NEVER = {"Cc", "Cf", "Cs", "Zl", "Zp"}
_WRITTEN = {"\u200c", "\u200d", *(chr(c) for c in range(0xE0020, 0xE0080))}  # joiners, flag tags: kept on purpose


def _unseen(text: str, keep: str = "") -> list[str]:
    return [f"U+{ord(c):04X}" for c in text
            if c not in keep and c not in _WRITTEN and unicodedata.category(c) in _NEVER]


# Every category a character can have, surrogates included, and the usual suspects written out.
_SUSPECTS = "\u202e\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\ufeff\u00ad\u2028\u2029\u0085\u009b"
_TEXT = st.text(alphabet=st.one_of(st.characters(codec=None), st.sampled_from(_SUSPECTS)), max_size=60)


@given(_TEXT)
def test_a_value_put_into_wording_has_no_unseen_character(text):
    assert _unseen(clean_value(text)) == []


@given(_TEXT)
def test_what_a_shopper_typed_keeps_only_its_line_breaks_and_tabs(text):
    assert _unseen(clean_text(text), keep="\t\n\r") == []


@given(_TEXT)
def test_a_drivers_note_has_no_unseen_character(text):
    assert _unseen(driver_text(text)) == []


@given(st.text(alphabet=st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=60))
def test_visible_text_is_left_as_it_is(text):
    assert without_unseen(text) == text


def test_a_separator_keeps_the_words_apart_and_the_override_goes():
    assert clean_value("Sam\u2028Jones") == "Sam Jones"
    assert clean_value("Front\nporch") == "Front porch"  # a line break was dropped, gluing the words
    assert clean_value("Sam\u202e hcrop") == "Sam hcrop"
    assert driver_text("behind the\u2029bin\u200f") == "behind the bin"


def test_an_integrations_name_with_an_override_reaches_the_shopper_without_it(runtime, demo, client):
    """The helpdesk's name comes in a header (X-Parcelbot-Integration) and is texted to the shopper."""
    twilio_post(client, "/twilio/sms", sms_form("AGENT", sender="+447700900456"), token=TWILIO_TOKEN,
                public_url=PUBLIC_URL)
    with transaction(runtime.sessions) as s:
        key, _ = create_key(s, s.get(m.Merchant, demo.id))
        conv_id = s.scalar(select(m.Conversation.id).where(m.Conversation.address == "+447700900456"))
    auth = {"Authorization": f"Bearer {key}", "X-Parcelbot-Integration": "Desk\u202eAcme\u2066"}
    assert client.post(f"/api/v1/conversations/{conv_id}/takeover", headers=auth).status_code == 200
    with runtime.sessions() as s:
        texts = s.scalars(select(m.Message.body).where(m.Message.recipient == "+447700900456")).all()
    joined = [b for b in texts if "has joined" in b]
    assert joined and all(_unseen(b) == [] for b in texts), texts
    assert "DeskAcme from the Acme Outdoor team has joined" in joined[0]


@pytest.mark.parametrize(("typed", "plain"), [
    ("behind the bins – the green one", "behind the bins - the green one"),
    ("Pam’s house…", "Pam's house..."),
    ("“round the back”", "round the back"),
])
def test_typed_punctuation_reaches_the_wording_as_gsm7(typed, plain):
    """review 5: an en dash a shopper typed, echoed in the confirmation, made the whole SMS UCS-2."""
    assert clean_value(clean_text(typed)) == plain
