"""Send it to a different address: read it, check it (first line and a valid postcode at least), then change.

Whatever is missing is asked for on its own ("What's the postcode?"). A fee, if the carrier charges one,
is accepted in the confirmation. The carrier's own rule (same delivery area once dispatched) comes back
in its words if the new address breaks it.
"""

from __future__ import annotations

import re

from backend.types import ActionKind, DeliveryAction, Shipment
from dialogues.base import Flow, Turn, register
from dialogues.kit.driver_text import driver_text
from dialogues.kit.formatting import parcel_label
from dialogues.subflows.change import propose
from dialogues.subflows.next_step import adopt_parked_menu, eligible_shipment

flow = register(Flow("change_delivery_address"))

PART_MAX = 100
_PREAMBLE = re.compile(
    r"^(?:(?:hi|hello|hey)\b[\s,!.]*)?(?:(?:can|could|would)\s+(?:you|i|u)\s+)?(?:please\s+|pls\s+)?"
    r"(?:i\s*(?:need|want|would\s+like|'?d\s+like)\s+(?:you\s+)?to\s+)?(?:please\s+)?"
    r"(?:(?:change|update|switch|correct|amend)\s+(?:my\s+|the\s+)?(?:delivery\s+|shipping\s+)?address"
    r"|(?:send|deliver|redirect|ship|bring|take|forward)\s+(?:it|them|my\s+parcel|the\s+parcel|my\s+order|"
    r"my\s+package|this)?|(?:my\s+)?(?:new|correct|right)\s+address(?:\s+is)?|(?:my\s+)?address\s+is|address)"
    r"\s*(?:to|:|-)?\s*(?:the\s+address\s+)?",
    re.IGNORECASE,
)
_TAIL = re.compile(r"[\s,.]*(?:instead|please|pls|thanks|thank\s+you|ta|thx)?[\s,.!]*$", re.IGNORECASE)
_STREET = re.compile(
    r"\b(?:street|st|road|rd|avenue|ave|lane|ln|close|cl|drive|dr|way|court|ct|place|pl|crescent|cres|terrace"
    r"|grove|gardens|gdns|square|sq|house|flat|apartment|apt|cottage|farm|mews|row|walk|hill|park|view|rise"
    r"|parade|green|yard|wharf|quay|barn|lodge|hall|building|unit|block)\b",
    re.IGNORECASE,
)
_LOOSE_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)


def _plausible_line(part: str) -> bool:
    return bool(part) and (any(ch.isdigit() for ch in part) or bool(_STREET.search(part))) and len(part) > 3


def address_from(turn: Turn, *, answer: bool = False) -> dict[str, str | None]:
    """Address parts this message gives: line1, line2, city, postcode (each None if not given).

    postcode is "invalid" when something postcode-like was typed that isn't a real postcode.
    """
    text = turn.text
    for name in ("tracking_number", "order_number"):
        entity = turn.nlu.entity(name)
        if entity:
            text = text[: entity.start] + " " + text[entity.end :]
    given = turn.nlu.entity("address")
    text = given.value if given and not answer else _PREAMBLE.sub("", text.strip(), count=1)
    postcode = turn.nlu.entity("postcode") or turn.nlu.entity("zip_code")
    found: dict[str, str | None] = {"line1": None, "line2": None, "city": None, "postcode": None}
    if postcode:
        found["postcode"] = postcode.value
        text = text.replace(turn.text[postcode.start : postcode.end], " ")
    if _LOOSE_POSTCODE.search(text):
        found["postcode"] = found["postcode"] or "invalid"
        text = _LOOSE_POSTCODE.sub(" ", text)
    parts = [driver_text(_TAIL.sub("", p)) for p in re.split(r"[,\n;]+", text)]
    parts = [p for p in parts if p]
    if parts and _plausible_line(parts[0]):
        found["line1"] = parts.pop(0)
        if len(parts) >= 2:
            found["line2"], found["city"] = parts[0], parts[-1]
        elif parts:
            found["line2" if _plausible_line(parts[0]) else "city"] = parts[0]
    return found


def _merge(turn: Turn, found: dict[str, str | None]) -> None:
    current = dict(turn.slots.get("address") or {})
    current.update({k: v for k, v in found.items() if v})
    turn.remember(address=current)


@flow.start
def start(turn: Turn) -> None:
    adopt_parked_menu(turn)
    if turn.nlu.intent == flow.name:
        _merge(turn, address_from(turn))
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    found = eligible_shipment(turn, ActionKind.CHANGE_ADDRESS)
    if found is None:
        return
    shipment, option = found
    address = dict(turn.slots.get("address") or {})
    if address.get("postcode") == "invalid":
        address.pop("postcode")
        turn.remember(address=address)
        turn.say("utter_address_bad_postcode")
        turn.ask("postcode", "utter_address_ask_postcode")
        return
    if any(len(v or "") > PART_MAX for v in address.values()):
        turn.remember(address={})
        turn.say("utter_address_too_long", limit=PART_MAX)
        turn.ask("address", "utter_address_ask", free_text=True)
        return
    if not address.get("line1") and not address.get("postcode"):
        turn.ask("address", "utter_address_ask", free_text=True)
    elif not address.get("postcode"):
        turn.ask("postcode", "utter_address_ask_postcode")
    elif not address.get("line1"):
        turn.ask("line1", "utter_address_ask_line1", free_text=True)
    else:
        _propose(turn, shipment, address)


def _propose(turn: Turn, shipment: Shipment, address: dict[str, str]) -> None:
    params = {k: address[k] for k in ("line1", "line2", "city", "postcode") if address.get(k)}
    shown = ", ".join(params[k] for k in ("line1", "line2", "city", "postcode") if k in params)
    summary = turn.render("utter_address_summary", parcel=parcel_label(shipment), address=shown)
    propose(turn, shipment, DeliveryAction(ActionKind.CHANGE_ADDRESS, {"address": params}), summary)


@flow.step("address")
def whole_address(turn: Turn) -> None:
    if turn.nlu.intent == "deny":
        turn.finish()
        turn.say("utter_change_not_made")
        return
    found = address_from(turn, answer=True)
    if not found["line1"] and not found["postcode"]:
        turn.reask("utter_address_need_detail")
        return
    _merge(turn, found)
    with_shipment(turn)


@flow.step("postcode")
def postcode(turn: Turn) -> None:
    found = address_from(turn, answer=True)
    if found["postcode"] in (None, "invalid"):
        turn.reask("utter_address_bad_postcode")
        return
    known = turn.slots.get("address") or {}
    _merge(turn, {k: v for k, v in found.items() if k == "postcode" or not known.get(k)})
    with_shipment(turn)


@flow.step("line1")
def line1(turn: Turn) -> None:
    found = address_from(turn, answer=True)
    if not found["line1"]:
        turn.reask("utter_address_need_line1")
        return
    if found["postcode"] == "invalid":
        found["postcode"] = None
    _merge(turn, found)
    with_shipment(turn)
