"""The public contract of extract_entities: spans, ordering, overlaps, robustness and speed."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from intents.context import ParseContext
from intents.entities import extract_entities

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/London"))
GB = ParseContext(timezone="Europe/London", now=NOW, region="GB")
US = ParseContext(timezone="America/New_York", now=NOW, region="US")

ENTITY_NAMES = {
    "order_number", "tracking_number", "postcode", "zip_code", "date", "time_window", "house_number",
    "neighbour", "safe_place", "phone_number", "email", "otp_code", "address", "item", "reason",
}  # fmt: skip

MESSAGES = [
    "Hi, order #100234 hasn't arrived, can you deliver Saturday morning instead?",
    "leave it with the lady opposite if I'm out",
    "pls leave in the porch tmrw after 5",
    "my code is 118 204",
    "482913",
    "where is my parcel",
    "thanks!",
    "call me on 07700 900123 or email tom@example.com",
    "tracking PB123456789GB, deliver between 2 and 4 on the 28th",
    "it cost £49.99 and I got 2 parcels at 10:30 on 21/11",
    "#14 next door please",
    "Hi, I'm not going to be in tomorrow for my delivery #100553. My neighbour at number 18 has agreed to "
    "take it in, could you let the driver know? Thanks!",
    "new address: Flat 9, 2 Canal St, Manchester m13he",
    "ship to 1200 Elm Ave Apt 4, Austin TX 78701 instead, my cell is (212) 555-0147",
    "1Z999AA10123456784 - can it go in the shed next fri 9-12?",
    "ok so basically I'm flying out tomorrow morning, hold it at the depot and I'll be back on the 30th",
    "GOOD MORNING, WHERE IS ORD-20931",
    "",
    "   ",
    "🙏🙏 2moro b4 noon pls 🙏",
]


@pytest.mark.parametrize("text", MESSAGES)
@pytest.mark.parametrize("context", [GB, US], ids=["GB", "US"])
def test_spans_are_sorted_non_overlapping_and_index_the_original_text(text: str, context: ParseContext) -> None:
    entities = extract_entities(text, context)
    for e in entities:
        assert e.entity in ENTITY_NAMES
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start : e.end].strip() == text[e.start : e.end], "span has stray whitespace"
        assert e.value
    for a, b in zip(entities, entities[1:], strict=False):
        assert a.end <= b.start, (a, b)


def test_offsets_survive_non_ascii_before_the_entity() -> None:
    text = "İİ 🙏 café — order #100234"
    (e,) = extract_entities(text, GB)
    assert text[e.start : e.end] == "#100234"


def test_full_message_reads_as_expected() -> None:
    text = "Hi, order #100234 hasn't arrived, can you deliver Saturday morning instead?"
    got = [(e.entity, e.value, text[e.start : e.end]) for e in extract_entities(text, GB)]
    assert got == [
        ("order_number", "100234", "#100234"),
        ("date", "2026-11-28", "Saturday"),
        ("time_window", "08:00-12:00", "morning"),
    ]


# --- overlap preference ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "winner"),
    [
        ("tracking number 07700900123", "tracking_number"),  # a cue beats the phone reading
        ("tom100234@example.com", "email"),  # digits inside an address are not an order or code
        ("order 07700900123", "phone_number"),  # a real-looking phone beats a loose order cue
        ("code is 2811 2026", "otp_code"),
        ("PB123456789GB", "tracking_number"),
    ],
)
def test_more_specific_entity_wins_an_overlap(text: str, winner: str) -> None:
    entities = extract_entities(text, GB)
    assert [e.entity for e in entities] == [winner]


def test_free_text_is_cut_around_structured_entities_not_dropped() -> None:
    text = "leave it behind the bins on the 28th"
    got = [(e.entity, text[e.start : e.end]) for e in extract_entities(text, GB)]
    assert got == [("safe_place", "behind the bins"), ("date", "the 28th")]


def test_same_span_loser_is_offered_as_alternative() -> None:
    merchant = replace(GB, order_number_pattern=r"\b\d{6}\b")
    (e,) = extract_entities("100562", merchant)
    assert e.entity == "order_number"
    assert e.resolved is not None and e.resolved["alternatives"] == [{"entity": "otp_code", "value": "100562"}]


# --- robustness ------------------------------------------------------------------------------------------


def test_default_context_uses_the_real_clock_in_london() -> None:
    before = datetime.now(ZoneInfo("Europe/London")).date()
    (d,) = [e for e in extract_entities("today") if e.entity == "date"]
    after = datetime.now(ZoneInfo("Europe/London")).date()
    assert d.value in {before.isoformat(), after.isoformat()}


def test_no_network_is_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("entity extraction tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    text = "call +1 212 555 0100 about PB123456789GB, postcode m14bt, tomorrow after 5"
    assert {e.entity for e in extract_entities(text, GB)} == {
        "phone_number", "tracking_number", "postcode", "date", "time_window",
    }  # fmt: skip


def test_very_long_message_is_handled() -> None:
    text = "where is order #100234? " + "blah " * 2000 + "leave it in the shed"
    entities = extract_entities(text, GB)
    assert [e.entity for e in entities] == ["order_number", "safe_place"]
