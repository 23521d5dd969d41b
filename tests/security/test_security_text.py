"""The bot only says what its templates say: shopper text is cleaned before it's echoed or handed to a driver,
placeholders typed by a shopper stay text, and access codes are sealed, never echoed, never kept in clear."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from backend import models as m
from bot.core.secrets_box import SECRET_FIELD
from tests.helpers import sms_form
from tests.security.security_kit import (
    OWN,
    STRANGER,
    TRACKING,
    changes,
    count,
    instructions,
    latest_code,
    merchant_settings,
    sent_to,
    sms,
    talk,
)

UNSAFE = re.compile(r"[<>{}\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _note_change(runtime, note: str) -> tuple[str, str]:  # noqa: ANN001
    confirm = talk(runtime, OWN, f"add a note for the driver: {note}")
    talk(runtime, OWN, "yes")
    done = talk(runtime, OWN, latest_code(runtime, OWN))
    return confirm, done


@pytest.mark.parametrize(
    "note",
    [
        "<script>alert(1)</script> ring twice",
        "ring twice <img src=x onerror=alert(1)>",
        "ring \u0007twice\u202e please \u200b",
        "ring twice {code} {brand} {0} {brand.__class__} {{code}}",
        "ring twice %(code)s ${code} {{7*7}}",
        "ring twice https://evil.example/phish",
    ],
)
def test_a_note_is_cleaned_for_the_shopper_and_the_driver(runtime, demo, note):
    confirm, done = _note_change(runtime, note)
    assert "Done" in done
    stored = instructions(runtime, TRACKING)["note"]
    assert "ring" in stored and not UNSAFE.search(stored) and "http" not in stored
    for reply in (confirm, done):
        assert not UNSAFE.search(reply.replace("\n", " "))
    code = latest_code(runtime, OWN)
    assert code not in confirm + done + stored  # "{code}" typed by a shopper is never filled in
    assert "<class" not in confirm + done + stored


def test_a_placeholder_typed_at_the_code_question_is_just_a_wrong_answer(runtime, demo):
    talk(runtime, OWN, "add a note for the driver: ring twice")
    talk(runtime, OWN, "yes")
    for attempt in ("{code}", "{brand}", "%s", "' OR '1'='1"):
        reply = talk(runtime, OWN, attempt)
        assert latest_code(runtime, OWN) not in reply and "Done" not in reply
    assert changes(runtime) == []


def test_markup_in_a_note_cannot_break_out_of_the_twiml(client, runtime, demo):
    merchant_settings(runtime, verification={"add_delivery_note": "sender_number"})
    sms(client, sms_form("add a note for the driver: ring & knock </Message><Message>FREE MONEY", sender=OWN))
    response = sms(client, sms_form("yes", sender=OWN))
    root = ET.fromstring(response.get_data(as_text=True))
    texts = ["".join(msg.itertext()) for msg in root.findall("Message")]
    assert len(texts) == 1 and "Done" in texts[0]
    assert all("FREE MONEY" not in t or "<" not in t for t in texts)


def test_an_over_long_note_is_refused_not_cut_and_nothing_changes(runtime, demo):
    reply = talk(runtime, OWN, "add a note for the driver: " + "please knock loudly " * 100)
    assert "Just to check" not in reply
    talk(runtime, OWN, "yes")
    assert changes(runtime) == [] and "note" not in instructions(runtime, TRACKING)


@pytest.mark.parametrize(
    "attack",
    ["'; DROP TABLE shipments; --", "PB100000001GB' OR '1'='1", "100231 OR 1=1", "%' OR tracking_number LIKE '%"],
)
def test_sql_looking_references_find_nothing_and_break_nothing(runtime, demo, attack):
    first = talk(runtime, STRANGER, f"where is {attack}")
    second = talk(runtime, STRANGER, f"{attack} M2 5DB")
    assert "Trail running shoes" not in first + second and TRACKING not in first + second
    assert count(runtime, m.Shipment) == 7


def test_an_access_code_in_a_note_is_sealed_and_never_echoed_or_kept_in_clear(runtime, demo):
    confirm, done = _note_change(runtime, "gate code is 4821, ring twice")
    assert "Done" in done
    for reply in (confirm, done):
        assert "4821" not in reply
    kept = instructions(runtime, TRACKING)
    assert "4821" not in kept["note"] and kept.get(SECRET_FIELD) and "4821" not in kept[SECRET_FIELD]
    assert "4821" not in _everything_stored(runtime)
    assert not any("4821" in body for body in sent_to(runtime, OWN))


@pytest.mark.parametrize(
    "conversation",
    [
        ["leave it in a safe place", "behind the side gate, gate code is 4821"],
        ["leave it in a safe place", "in the key safe code 4821"],
        ["leave it with a neighbour", "number 22, door code 4821"],
    ],
)
def test_an_access_code_given_as_a_safe_place_or_neighbour_is_never_echoed_or_kept_in_clear(
        runtime, demo, conversation):
    merchant_settings(runtime, verification={"default": "sender_number"})
    replies = [talk(runtime, OWN, text) for text in [*conversation, "yes"]]
    assert "Done" in replies[-1]
    assert not any("4821" in reply for reply in replies)
    assert "4821" not in str(instructions(runtime, TRACKING))
    assert "4821" not in _everything_stored(runtime)


def _everything_stored(runtime) -> str:  # noqa: ANN001
    """Every text column the bot writes about a conversation: state, messages, audit, changes."""
    with runtime.sessions() as s:
        parts = [str(c.state) for c in s.scalars(select(m.Conversation))]
        parts += [msg.body for msg in s.scalars(select(m.Message))]
        parts += [str(a.detail) for a in s.scalars(select(m.AuditEntry))]
        parts += [str({k: v for k, v in (c.params or {}).items() if k != SECRET_FIELD})
                  for c in s.scalars(select(m.DeliveryChange))]
        assert s.scalar(select(func.count()).select_from(m.Message)) > 0
    return "\n".join(parts)
