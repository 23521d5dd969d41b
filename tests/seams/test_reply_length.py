"""Every default reply fits in two SMS segments (a list of choices in three) once it is filled with the values a
real parcel gives it: the shopper pays per segment, and a reply that splits into four arrives out of order on
some phones. The values below are realistic, not the shortest possible: an item name of 20 characters, a
full address, a pickup point's name and address, a day named as "tomorrow (Tue 8 Dec)". A value that is
itself a rendered template (a summary, a reason, what happens next) is filled with the longest template of
its kind, so a sub-template that grows fails here too.

Merchants can override any template (bot/core/merchant_config.py); their wording is theirs to size, and the
console (issue 15) shows its cost. This test guards ours."""

from __future__ import annotations

import string

import pytest

from bot.core.grammar import AGREEMENT
from bot.core.sms import cost
from bot.core.wording import fill, load_catalogue

CATALOGUE = load_catalogue()

# What a real parcel, shopper and merchant put into the wording (the demo shop's values, on the long side).
ATOMS: dict[str, str] = {
    "a": "leave it with a neighbour", "b": "leave it in a safe place", "action": "redelivery to a pickup point",
    "address": "23 Chorlton Road, Manchester M15 4AJ", "amount": "£64.99", "area": "Manchester (M)",
    "back": "tomorrow (Tue 8 Dec) at 09:00", "brand": "Northern Trails", "code": "482913", "code_name": "postcode",
    "contact": "Reply AGENT, or email help@northerntrails.co.uk", "count": "3", "cutoff": "22:00",
    "day": "Mon 14 Dec", "days": "5", "distance": "0.4 miles", "earlier": "CLM-8F3K2Q",
    "email": "help@northerntrails.co.uk", "expected": "Manchester", "fee": "£3.50", "given": "Salford",
    "hours": "Mon-Sat 08:00-20:00, Sun 10:00-16:00", "items": "Hiking boots and Waterproof jacket", "kind": "gate",
    "kinds": "gate and door", "label": "the safe place", "latest": "Fri 18 Dec", "left": "2", "limit": "140",
    "link": "https://track.parcelbot.example/t/8Hq2mZ", "linked": "", "max_days": "7",
    "method": "Drop it off at any Evri ParcelShop, with the QR code we email you", "minutes": "10", "n": "3",
    "name": "Piccadilly Post Office", "neighbour": "number 16", "note": "ring twice, the bell is broken",
    "order": "100234", "parcel": "Hiking boots (+1 more)", "phone": "0161 496 0000",
    "photo": "Reply PHOTO to see where it was left.", "place": "in the porch behind the blue bin",
    "places": "Piccadilly Post Office, Deansgate Locker",
    "point": "Piccadilly Post Office, 1-3 Piccadilly, Manchester M1 1AA", "postcode": "M15 4AJ",
    "reference": "RD-7K2P9Q", "refund": "within 5 to 10 working days", "refund_time": "5 to 10 working days",
    "replacement_time": "3 working days", "reply_time": "1 working day",
    "reply_when": "They usually reply within 2 hours.", "status": "on its way", "stop": "14", "total": "32",
    "town": "Salford", "tracking": "PB100000001GB", "url": "northerntrails.co.uk/help",
    "what": "leave it with a neighbour", "when": "today at 14:32", "where": "your phone ending 0123",
    "who": "your neighbour at number 16", "why": "it contains a signed-for item",
    "window": "tomorrow (Tue 8 Dec) 08:00-12:00", "within": "2 hours", "eta": "tomorrow (Tue 8 Dec) 08:00-12:00",
    "ready": "tomorrow (Tue 8 Dec) 12:00", "details": "Delivered today at 14:32, left in the porch.", "private": "",
    "codes": "your gate code", "offer": "", "live": "", "next": "", "reason": "", "summary": "", "options": "",
}

# Placeholders that hold another rendered template: the longest template of that family fills them.
FAMILIES: dict[str, tuple[str, ...]] = {
    "summary": ("_summary",),
    "reason": ("reason_",),
    "ready": ("utter_pickup_ready_",),
    "live": ("utter_live_",),
    "offer": ("utter_notify_offer",),
    "private": ("utter_code_private",),
}

# Templates that carry a list of choices may take three segments (the allowance for lists).
LIST_FIELDS = {"options", "items", "places", "details"}


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f and not AGREEMENT.match(f)}


def _variants():
    for key, template in CATALOGUE.items():
        for channel, text in (("default", template.text), *template.by_channel.items()):
            yield key, channel, text


def _longest(prefixes: tuple[str, ...], atoms: dict[str, str]) -> str:
    texts = [fill(t.text, atoms) for k, t in CATALOGUE.items()
             if any(k.startswith(p) or k.endswith(p) for p in prefixes) and not (_fields(t.text) & set(FAMILIES))]
    return max(texts, key=len, default="")


def realistic_values() -> dict[str, str]:
    values = dict(ATOMS)
    for name, prefixes in FAMILIES.items():
        values[name] = _longest(prefixes, ATOMS)
    # What happens next after "Done" (dialogues/subflows/change.py _next): the fee charged, then the journey's words.
    fee = fill(CATALOGUE["utter_change_fee_charged"].text, values)
    values["next"] = max((f"{fee} {fill(CATALOGUE['utter_reschedule_next_signature'].text, values)}",
                          fill(CATALOGUE["utter_pickup_next"].text, values)), key=len)
    # A list of choices: three numbered options, each the length of a real one.
    values["options"] = "\n".join(f"{n}) {opt}" for n, opt in enumerate(
        ("Tue 8 Dec 08:00-12:00", "Tue 8 Dec 12:00-17:00", "Wed 9 Dec 17:00-21:00 (£3.50)"), start=1))
    return values


def test_the_values_cover_every_placeholder():
    """A new placeholder needs a realistic value here, or its template's length goes unchecked."""
    used = {f for _, _, text in _variants() for f in _fields(text)}
    assert used - set(realistic_values()) == set()


def test_the_families_are_filled_from_real_templates():
    values = realistic_values()
    for name in ("summary", "reason", "ready"):
        assert len(values[name]) > 20, name
    assert values["summary"].startswith(("your", "if you're", "the driver", "we'll"))


VARIANTS = list(_variants())


@pytest.mark.parametrize("key,channel,text", VARIANTS, ids=[f"{k}-{c}" for k, c, _ in VARIANTS])
def test_every_default_reply_fits_in_two_texts(key, channel, text):
    filled = fill(text, realistic_values())
    limit = 3 if _fields(text) & LIST_FIELDS else 2
    cost_of = cost(filled)
    assert cost_of.encoding == "GSM-7", filled
    assert cost_of.segments <= limit, f"{key} ({channel}): {len(filled)} characters, {cost_of.segments} texts: {filled}"


def test_the_check_can_fail():
    """The measure itself: a reply of 307 GSM-7 characters is three texts."""
    assert cost("a" * 306).segments == 2 and cost("a" * 307).segments == 3
