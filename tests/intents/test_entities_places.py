"""Where the parcel can go: house numbers, neighbour descriptions and safe places."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from intents.context import ParseContext
from intents.entities import extract_entities
from intents.entities.safe_place import MAX_LEN
from intents.types import Entity

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/London"))
GB = ParseContext(timezone="Europe/London", now=NOW, region="GB")


def found(text: str, context: ParseContext = GB) -> list[tuple[str, str, str]]:
    return [(e.entity, e.value, text[e.start : e.end]) for e in extract_entities(text, context)]


def only(text: str, entity: str, context: ParseContext = GB) -> list[Entity]:
    return [e for e in extract_entities(text, context) if e.entity == entity]


# --- house numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "surface", "kind"),
    [
        ("leave it with number 22", "22", "22", "house"),
        ("no. 14 will take it", "14", "14", "house"),
        ("try No.3", "3", "3", "house"),
        ("number 23a", "23A", "23a", "house"),
        ("flat 3 will take it", "3", "flat 3", "flat"),
        ("Apartment 2B", "2B", "Apartment 2B", "apartment"),
        ("the guy at 31 is home", "31", "31", "house"),
    ],
)
def test_house_numbers(text: str, value: str, surface: str, kind: str) -> None:
    (h,) = only(text, "house_number")
    assert (h.value, text[h.start : h.end], h.resolved) == (value, surface, {"kind": kind})


@pytest.mark.parametrize(
    "text",
    ["order number 2231", "phone no. 0161", "number 2 parcels", "my number is 22", "the lady at 9am", "at 10:30"],
)
def test_not_house_numbers(text: str) -> None:
    assert only(text, "house_number") == []


def test_hash_house_number_next_door_is_not_an_order_number() -> None:
    assert found("#14 next door please") == [
        ("house_number", "14", "#14"),
        ("neighbour", "next door", "next door"),
    ]


def test_hash_house_number_beats_a_loose_merchant_order_pattern() -> None:
    merchant = replace(GB, order_number_pattern=r"#\d+")
    assert [e for e, _, _ in found("#14 next door", merchant)] == ["house_number", "neighbour"]
    assert found("where is #14", merchant) == [("order_number", "14", "#14")]


# --- neighbours ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "surface"),
    [
        ("next door", "next door", "next door"),
        ("can the driver knock next-door", "next door", "next-door"),
        ("leave it with the lady opposite", "lady opposite", "the lady opposite"),
        ("the blue door across the road will take it", "blue door across the road", "the blue door across the road"),
        ("the flat downstairs can take it", "flat downstairs", "the flat downstairs"),
        ("my neighbour Sue said she'd take it", "neighbour Sue", "my neighbour Sue"),
        ("hand it to Dave next door", "Dave next door", "Dave next door"),
        ("the old chap next door", "old chap next door", "the old chap next door"),
        ("my mum lives 2 doors down", "2 doors down", "2 doors down"),
        ("try the neighbours either side", "neighbours either side", "the neighbours either side"),
    ],
)
def test_neighbour_descriptions(text: str, value: str, surface: str) -> None:
    (n,) = only(text, "neighbour")
    assert (n.value, text[n.start : n.end]) == (value, surface)


def test_neighbour_with_house_number_links_without_overlapping() -> None:
    text = "leave it with my neighbour at 16"
    assert found(text) == [("neighbour", "neighbour", "my neighbour"), ("house_number", "16", "16")]
    (n,) = only(text, "neighbour")
    assert n.resolved == {"house_number": "16", "description": "neighbour at 16"}


def test_titled_name_with_number() -> None:
    text = "leave it with Mrs Patel at number 6"
    (n,) = only(text, "neighbour")
    assert n.value == "Mrs Patel"
    assert n.resolved == {"house_number": "6", "description": "Mrs Patel at number 6"}


@pytest.mark.parametrize("text", ["leave it by the front door", "Please call me", "the door was open", "I sat down"])
def test_not_neighbours(text: str) -> None:
    assert only(text, "neighbour") == []


# --- safe places -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("leave it in the porch please", "in the porch"),
        ("please leave it behind the bins if I'm out", "behind the bins"),
        ("pop it in the shed thanks", "in the shed"),
        ("shed", "shed"),
        ("reception", "reception"),
        ("side gate", "side gate"),
        ("leave it in the garage", "in the garage"),
        ("leave it with the concierge", "with the concierge"),
        ("Leave it UNDER the plant pot by the side gate", "under the plant pot by the side gate"),
        ("leave it in the wooden box by the garage", "in the wooden box by the garage"),
        ("round the back", "round the back"),
        ("put the parcel on the doorstep", "on the doorstep"),
    ],
)
def test_safe_places(text: str, value: str) -> None:
    (p,) = only(text, "safe_place")
    assert p.value == value
    assert text[p.start : p.end].lower() == value


def test_safe_place_stops_at_a_date() -> None:
    assert found("leave it in the porch tomorrow") == [
        ("safe_place", "in the porch", "in the porch"),
        ("date", "2026-11-25", "tomorrow"),
    ]


def test_leave_with_a_neighbour_is_a_neighbour_not_a_place() -> None:
    assert [e for e, _, _ in found("leave it with the lady opposite")] == ["neighbour"]
    assert [e for e, _, _ in found("leave it at number 22")] == ["house_number"]


@pytest.mark.parametrize("text", ["leave it with Sue", "leave it at 5", "leave it on the 28th", "just leave it"])
def test_not_safe_places(text: str) -> None:
    assert only(text, "safe_place") == []


def test_safe_place_is_length_limited_on_a_word_boundary() -> None:
    text = "leave it in the bin store on the left of the building next to the car park behind the wall by the gate"
    (p,) = only(text, "safe_place")
    assert len(p.value) <= MAX_LEN
    assert p.value.startswith("in the bin store on the left")
    assert text[p.start : p.end].lower() == p.value
    assert not p.value.endswith((" the", " to"))


@pytest.mark.parametrize(
    ("text", "neighbour", "house"),
    [
        ("The family at 62 said they'd take it", "family", "62"),
        ("give it to Pam at number 3?", "Pam", "3"),
        ("mrs patel at 12", "mrs patel", "12"),
        ("leave with the people at 24a", "people", "24A"),
    ],
)
def test_people_at_a_number(text: str, neighbour: str, house: str) -> None:
    (n,) = only(text, "neighbour")
    assert (n.value, n.resolved and n.resolved["house_number"]) == (neighbour, house)
    assert [h.value for h in only(text, "house_number")] == [house]


@pytest.mark.parametrize("text", ["Come at 5", "the lady at 9am", "Deliver at 10 please"])
def test_a_time_after_at_is_not_a_neighbour(text: str) -> None:
    assert only(text, "neighbour") == []


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("change house number to 18", "18", "house"),
        ("i forgot to put my flat number, it's 12", "12", "flat"),
        ("i typed my house number wrong, it's 42 not 24", "42", "house"),
    ],
)
def test_number_corrections(text: str, value: str, kind: str) -> None:
    assert [(h.value, h.resolved) for h in only(text, "house_number")] == [(value, {"kind": kind})]


@pytest.mark.parametrize(
    "text",
    [
        "put it on hold",
        "please don't leave it in the rain",
        "can it go to the post office",
        "the security guard was rude",
        "do you deliver on sundays",
    ],
)
def test_prepositions_that_are_not_safe_places(text: str) -> None:
    assert only(text, "safe_place") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [("can it go in the mailroom", "in the mailroom"), ("under the carport", "under the carport")],
)
def test_more_safe_places(text: str, value: str) -> None:
    assert [p.value for p in only(text, "safe_place")] == [value]


# --- longer house numbers, streets, "house 14b" ----------------------------------------------------------

US = replace(GB, timezone="America/New_York", region="US")


@pytest.mark.parametrize(
    ("text", "context", "value"),
    [
        ("my house number is 12345", GB, "12345"),
        ("my house number is 12", GB, "12"),
        ("number 12345 please", GB, "12345"),
        ("leave it at 12345 main st", US, "12345"),
        ("it's 1200 Elm Ave", US, "1200"),
        ("101 W 14th St", US, "101"),
        ("I live at 10 Downing Street", GB, "10"),
        ("at 5 acacia avenue", GB, "5"),
        ("tomorrow at 5 acacia avenue", GB, "5"),  # an address, not five o'clock
        ("house 14b", GB, "14B"),
        ("its house 7 not 9", GB, "7"),
    ],
)
def test_house_numbers_with_long_cues_streets_and_house(text: str, context: ParseContext, value: str) -> None:
    assert [(h.value, h.resolved) for h in only(text, "house_number", context)] == [(value, {"kind": "house"})]


def test_street_number_is_the_digits_only() -> None:
    text = "leave it at 12345 main st"
    (h,) = only(text, "house_number", US)
    assert text[h.start : h.end] == "12345"
    assert only(text, "time_window", US) == []


def test_flat_and_street_number_are_both_kept() -> None:
    text = "flat 3, 22 acacia ave"
    assert [(h.value, text[h.start : h.end], h.resolved) for h in only(text, "house_number")] == [
        ("3", "flat 3", {"kind": "flat"}),
        ("22", "22", {"kind": "house"}),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "2 more on the way",
        "it's 20 min down the road",
        "£20 at oxford st",
        "2 parcels on high street",
        "3 days on the road",
        "5 close friends",
        "house 2 parcels",
        "order number 12345",
        "code number 12345",
        "my number is 12345",
        "123456 main st",  # six digits is no street number
    ],
)
def test_numbers_near_streets_or_cues_that_are_not_house_numbers(text: str) -> None:
    assert only(text, "house_number", US) == []


def test_house_a_few_doors_down_is_a_neighbour_not_a_number() -> None:
    assert [(e.entity, e.value) for e in extract_entities("the house 3 doors down", GB)] == [
        ("neighbour", "house 3 doors down")
    ]


# --- whose place it is -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("leave it in my neighbour's porch pls", "in my neighbour's porch"),
        ("can you put it in next door's porch", "in next door's porch"),
        ("leave it on the neighbors' porch", "on the neighbors' porch"),
        ("pop it in the neighbours shed if im out", "in the neighbours shed"),
        ("leave it on my neighbor's back deck", "on my neighbor's back deck"),
    ],
)
def test_a_neighbours_place_is_a_safe_place_not_a_neighbour(text, value):
    assert [(e.entity, e.value) for e in extract_entities(text, GB)] == [("safe_place", value)]


@pytest.mark.parametrize("text", ["leave it with my neighbour", "leave it with my neighbour's son",
                                  "leave it with next door"])
def test_a_neighbour_who_takes_it_is_still_a_neighbour(text):
    assert only(text, "neighbour") and not only(text, "safe_place")
