"""What a change replaces, said before the shopper confirms: "This replaces leaving it with number 22."

A parcel has one way of being left and one destination: the carrier's newest instruction replaces the ones it
contradicts (backend/rules_apply.py: a safe place drops the neighbour, a pickup point drops the slot...). Doing
that silently is how a shopper loses an instruction they still believe in, so every confirmation names what
goes, from the parcel's current instructions. One table for every journey; change.propose adds the sentence.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from backend.types import ActionKind, DeliveryAction, Shipment, TimeWindow
from bot.core.wording import Rendered
from dialogues.base import Turn
from dialogues.kit.formatting import day_label, home_slot_of, pickup_point_of, said_back, stored_window, window_label

# Which current instructions each kind of change replaces (its own kind first: a new neighbour replaces the old).
REPLACES: dict[ActionKind, tuple[str, ...]] = {
    ActionKind.LEAVE_WITH_NEIGHBOUR: ("neighbour", "safe_place", "pickup_point"),
    ActionKind.LEAVE_IN_SAFE_PLACE: ("safe_place", "neighbour", "pickup_point"),
    ActionKind.ADD_DELIVERY_NOTE: ("note",),
    ActionKind.RESCHEDULE: ("reschedule", "hold", "pickup_point"),
    ActionKind.PICKUP_POINT: ("pickup_point", "neighbour", "safe_place", "reschedule"),
    ActionKind.HOLD: ("hold", "reschedule"),
    ActionKind.CHANGE_ADDRESS: ("neighbour", "safe_place", "pickup_point"),
}
MAX_QUOTE = 40


def _same(old: Any, new: Any) -> bool:
    return isinstance(old, str) and isinstance(new, str) and old.strip().lower() == new.strip().lower()


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 3] + "..."


def _what(turn: Turn, shipment: Shipment, key: str, action: DeliveryAction) -> Rendered | None:
    """The words for one current instruction, or None when there is none or the change keeps it as it is."""
    current, params = shipment.instructions or {}, action.params
    value = current.get(key)
    if key == "neighbour" and isinstance(value, str) and value.strip():
        if _same(value, params.get("neighbour")):
            return None
        return turn.render("utter_replaces_neighbour", neighbour=said_back(_short(value)))  # "your mum"
    if key == "safe_place" and isinstance(value, str) and value.strip():
        return None if _same(value, params.get("safe_place")) else turn.render(
            "utter_replaces_safe_place", place=said_back(_short(value)))
    if key == "note" and isinstance(value, str) and value.strip():
        return None if _same(value, params.get("note")) else turn.render("utter_replaces_note", note=_short(value))
    if key == "reschedule":
        slot = home_slot_of(shipment)
        if slot is None or _same_window(slot, params.get("window")):
            return None
        return turn.render("utter_replaces_slot", window=window_label(turn, slot, named=True))
    if key == "pickup_point":
        point = pickup_point_of(shipment)
        if point is None or (point.get("id") and point.get("id") == params.get("pickup_point_id")):
            return None
        return turn.render("utter_replaces_pickup_point", name=point["name"])
    if key == "hold" and isinstance(value, dict) and value.get("until"):
        return _hold(turn, value["until"], params)
    return None


def _same_window(slot: TimeWindow, window: Any) -> bool:
    try:
        return stored_window(window) == slot
    except (TypeError, KeyError, ValueError):
        return False


def _hold(turn: Turn, until: str, params: dict) -> Rendered | None:
    if str(params.get("until") or "")[:10] == str(until)[:10]:
        return None
    try:
        day = datetime.combine(datetime.fromisoformat(str(until)[:10]).date(), time(12), tzinfo=turn.tz)
    except ValueError:
        return None
    return turn.render("utter_replaces_hold", day=day_label(turn, day, named=True))


def replaced(turn: Turn, shipment: Shipment, action: DeliveryAction) -> Rendered | None:
    """'This replaces leaving it with number 22 and your slot tomorrow 08:00-12:00.', or None."""
    parts = [w for key in REPLACES.get(action.kind, ()) if (w := _what(turn, shipment, key, action))]
    if not parts:
        return None
    what = parts[0] if len(parts) == 1 else Rendered(", ".join(parts[:-1]) + " and " + parts[-1])
    return turn.render("utter_change_replaces", what=what)


def with_replaced(turn: Turn, shipment: Shipment, action: DeliveryAction, summary: Rendered) -> Rendered:
    """The summary a shopper confirms, followed by what the change replaces, if anything."""
    also = replaced(turn, shipment, action)
    return Rendered(f"{summary} {also}") if also else summary
