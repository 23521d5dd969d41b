"""Realistic sample values for every variable the default wording uses: what a real parcel, shopper and
merchant put into a template, on the long side on purpose (a 20-character item name, a full address, a
pickup point's name and address, a long tracking link).

Two users, one source:
- tests/seams/test_reply_length.py fills every default reply with these and checks it fits two SMS segments;
- the merchant console (bot/services/templates.py) fills a merchant's proposed wording with them, so the
  preview and the segment count show what a shopper would really receive, not a best case.

A value that is itself a rendered template (a summary, a reason, what happens next) is filled with the longest
default template of its family, so a sub-template that grows makes every parent longer here too.
"""

from __future__ import annotations

import string

from bot.core.grammar import AGREEMENT
from bot.core.wording import Wording

# What a real parcel, shopper and merchant put into the wording (the demo shop's values, on the long side).
ATOMS: dict[str, str] = {
    "a": "leave it with a neighbour", "b": "leave it in a safe place", "action": "redelivery to a pickup point",
    "address": "23 Chorlton Road, Manchester M15 4AJ", "amount": "£64.99", "area": "Manchester (M)",
    "back": "tomorrow (Tue 8 Dec) at 09:00", "brand": "Northern Trails", "code": "482913", "code_name": "postcode",
    "contact": "Reply AGENT, or email help@northerntrails.co.uk", "count": "3", "cutoff": "22:00",
    "day": "Mon 14 Dec", "days": "5", "distance": "0.4 miles", "earlier": "CLM-8F3K2Q",
    "email": "help@northerntrails.co.uk", "expected": "Manchester", "fee": "£3.50", "given": "Salford",
    "first": "Mon 14 Dec", "last": "Sun 20 Dec",
    "hours": "Mon-Sat 08:00-20:00, Sun 10:00-16:00", "items": "Hiking boots and Waterproof jacket", "kind": "gate",
    "kinds": "gate and door", "label": "the safe place", "latest": "Fri 18 Dec", "left": "2", "limit": "140",
    "link": "https://track.parcelbot.example/t/8Hq2mZ", "linked": "", "max_days": "7",
    # A payment link as bot/services/payments.py signs it, on a long host name (docs/payments.md).
    "pay_link": "https://help.northerntrails.co.uk/pay/eyJwIjoiMTIzNDU2In0.Z1AbCd.Xy9Qm3VtR2kLpZ8sWn4HbJd6FcTg1Ae",
    "method": "Drop it off at any Evri ParcelShop, with the QR code we email you", "minutes": "10", "n": "3",
    "name": "Piccadilly Post Office", "neighbour": "number 16", "note": "ring twice, the bell is broken",
    "order": "100234", "parcel": "Hiking boots (+1 more)", "phone": "0161 496 0000",
    "photo": "Reply PHOTO to see where it was left.", "place": "in the porch behind the blue bin",
    "attempt_reason": "No one was in and there was no safe place",
    "places": "Piccadilly Post Office, Deansgate Locker",
    "point": "Piccadilly Post Office, 1-3 Piccadilly, Manchester M1 1AA", "postcode": "M15 4AJ",
    "reference": "RD-7K2P9Q", "refund": "within 5 to 10 working days", "refund_time": "5 to 10 working days",
    "replacement_time": "3 working days", "reply_time": "1 working day",
    "reply_when": "They usually reply within 2 hours.", "status": "on its way", "stop": "14", "total": "32",
    "time": "14:06 GMT", "town": "Salford", "tracking": "PB100000001GB", "unit": "Flat 3B",
    "url": "northerntrails.co.uk/help",
    "what": "leave it with a neighbour", "when": "today at 14:32", "where": "your phone ending 0123",
    "who": "your neighbour at number 16", "why": "it contains a signed-for item",
    "window": "tomorrow (Tue 8 Dec) 08:00-12:00", "within": "2 hours", "eta": "tomorrow (Tue 8 Dec) 08:00-12:00",
    "ready": "tomorrow (Tue 8 Dec) 12:00", "details": "Delivered today at 14:32, left in the porch.", "private": "",
    "codes": "your gate code", "offer": "", "live": "", "next": "", "reason": "", "summary": "", "options": "",
    "subject": "", "span": "17:00-21:00",
    "paid": "17:00-21:00 slot (£3.50 extra) and 19:00-21:00 slot (£5.00 extra)",  # the fee slots (fee_question)
}

# Placeholders that hold another rendered template: the longest template of that family fills them.
FAMILIES: dict[str, tuple[str, ...]] = {
    "summary": ("_summary",),
    "reason": ("reason_",),
    "ready": ("utter_pickup_ready_",),
    "live": ("utter_live_",),
    "offer": ("utter_notify_offer",),
    "private": ("utter_code_private",),
    "subject": ("utter_kept_unsure_subject_",),
}

# A variable's name means something else in some templates: {name} is a pickup point's in most, but a person's in
# these (the agent who joined or left, who signed for a parcel). Keyed by the start of the template's key.
PEOPLE = "Alexandra Okonkwo"
BY_TEMPLATE: dict[str, dict[str, str]] = {
    "utter_agent_": {"name": PEOPLE},
    "utter_pod_signed": {"name": PEOPLE},
}

# A list of choices as SMS shows it: three numbered options, each the length of a real one.
OPTIONS = ("Tue 8 Dec 08:00-12:00", "Tue 8 Dec 12:00-17:00", "Wed 9 Dec 17:00-21:00 (£3.50)")


def fields(text: str) -> set[str]:
    """The plain variables a template text uses (`{parcel|is/are}` counts as nothing: it reads `parcel`)."""
    return {f for _, f, _, _ in string.Formatter().parse(text) if f and not AGREEMENT.match(f)}


def _default(wording: Wording, key: str, values: dict[str, str]) -> str:
    return str(wording.render(key, merchant=None, **values))


def _longest(wording: Wording, prefixes: tuple[str, ...], atoms: dict[str, str]) -> str:
    texts = [_default(wording, k, atoms) for k, t in wording.catalogue.items()
             if any(k.startswith(p) or k.endswith(p) for p in prefixes) and not (fields(t.text) & set(FAMILIES))]
    return max(texts, key=len, default="")


def sample_values(wording: Wording | None = None) -> dict[str, str]:
    """Every variable's realistic value, the nested ones filled from the default templates."""
    wording = wording or Wording()
    values = dict(ATOMS)
    for name, prefixes in FAMILIES.items():
        values[name] = _longest(wording, prefixes, ATOMS)
    # What happens next after "Done" (dialogues/subflows/change.py _next): the journey's words. A fee is no longer
    # said there: it is paid by link before the change is made (docs/payments.md).
    values["next"] = max((_default(wording, "utter_reschedule_next_signature", values),
                          _default(wording, "utter_pickup_next", values)), key=len)
    values["options"] = "\n".join(f"{n}) {opt}" for n, opt in enumerate(OPTIONS, start=1))
    return values


def values_for(key: str, values: dict[str, str]) -> dict[str, str]:
    """`values` as the template `key` means them: an agent's name for the agent's messages, not a pickup point
    ("Piccadilly Post Office from the Acme Outdoor team has joined" was the wording page's preview)."""
    own = [v for prefix, v in BY_TEMPLATE.items() if key.startswith(prefix)]
    return {**values, **own[0]} if own else values
