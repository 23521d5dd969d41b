"""How times, windows, money and parcels read in a text message, in the merchant's time zone."""

from __future__ import annotations

import math
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from backend import local_time
from backend.rules_config import format_money
from backend.types import Shipment, TimeWindow
from bot.core.wording import Rendered
from dialogues.base import Turn


def day_label(turn: Turn, when: datetime, *, named: bool = False) -> str:
    """"today", "tomorrow", "yesterday", else "Tue 8 Dec". `named` is for a day the shopper must plan around (a
    day we book, refuse or hold to): "tomorrow (Sun 6 Dec)", so the shopper's "tomorrow" and a list's
    "Sun 6 Dec" visibly meet, and a text read after midnight still says which day. A status ETA stays short."""
    local, today = turn.local(when).date(), turn.local(turn.now).date()
    delta = (local - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return f"tomorrow ({local_time.day(local, turn.config.region)})" if named else "tomorrow"
    if delta == -1:
        return "yesterday"
    return local_time.day(local, turn.config.region)


def window_label(turn: Turn, window: TimeWindow, *, named: bool = False) -> str:
    """"tomorrow 08:00-12:00" / "tomorrow 8am-12pm" (backend/local_time: the merchant's region)."""
    start, end = turn.local(window.start), turn.local(window.end)
    return f"{day_label(turn, window.start, named=named)} {local_time.span(start, end, turn.config.region)}"


def moment_label(turn: Turn, when: datetime) -> str:
    return f"{day_label(turn, when)} at {local_time.clock(turn.local(when), turn.config.region)}"


def money(amount: object, currency: str | None) -> str:
    """£3.50, $3.50, €3.50, else "3.50 CHF": the carrier's one rule (backend/rules_config.format_money), so a
    fee reads the same in a list, a question and a carrier's reason. £ and € are GSM-7: no UCS-2 penalty."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    return format_money(value, (currency or "GBP").strip() or "GBP")


def ready_to_collect(turn: Turn, shipment: Shipment) -> Rendered:
    """When a parcel sent to a pickup point can be collected: the end of its delivery window, if known."""
    if shipment.eta is None:
        return turn.render("utter_pickup_ready_unknown")
    return turn.render("utter_pickup_ready_at", ready=moment_label(turn, shipment.eta.end))


def parcel_label(shipment: Shipment) -> str:
    """What the shopper calls the parcel: its first item, else its tracking number."""
    if shipment.items:
        name = str(shipment.items[0].get("name") or "").strip()
        more = len(shipment.items) - 1
        if name:
            return f"{name} (+{more} more)" if more > 0 else name
    return shipment.tracking_number


# -- what a parcel's stored instructions say (backend/rules_apply.py writes them) -------------------------
def stored_window(window: dict) -> TimeWindow:
    """A window as instructions and options store it: {"start", "end"} in ISO 8601."""
    return TimeWindow(datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"]))


def home_slot_of(shipment: Shipment) -> TimeWindow | None:
    """The home delivery slot the shopper chose, if any."""
    try:
        return stored_window((shipment.instructions or {}).get("reschedule"))  # type: ignore[arg-type]
    except (TypeError, KeyError, ValueError):
        return None


def pickup_point_of(shipment: Shipment) -> dict | None:
    """The pickup point the parcel was redirected to, if any."""
    point = (shipment.instructions or {}).get("pickup_point")
    return point if isinstance(point, dict) and point.get("name") else None


_FIRST_PERSON = {"my": "your", "our": "your", "mine": "yours", "ours": "yours", "me": "you", "myself": "yourself",
                 "ourselves": "yourselves"}
_FIRST_PERSON_WORD = re.compile(r"\b(my|our|mine|ours|me|myself|ourselves)\b", re.IGNORECASE)


def said_back(text: str) -> str:
    """The shopper's own words for a place or a person, said back to them: "in my porch" -> "in your porch",
    "behind our bins" -> "behind your bins". The driver keeps the shopper's words (they read them as the
    customer's); only what the bot says back changes person. "us" is left alone ("the US", "let us")."""
    def swap(match: re.Match[str]) -> str:
        word = _FIRST_PERSON[match.group(1).lower()]
        return word.capitalize() if match.group(1)[0].isupper() else word
    return _FIRST_PERSON_WORD.sub(swap, text)


def wait_values(turn: Turn, ready: datetime) -> dict[str, str]:
    """When something can be tried again, both ways: the shopper's clock ("14:06 GMT", "2:06pm EST") and a count of
    minutes (whatever their zone), for the code budget and the lookup pause alike (subflows/verify, identify)."""
    minutes = max(1, math.ceil((ready - turn.now).total_seconds() / 60))
    local = turn.local(ready)
    return {"time": f"{local_time.clock(local, turn.config.region)} {local:%Z}", "minutes": str(minutes)}
