"""Hold it at the depot until a day the shopper names ("until friday", "for a week"), within the carrier's limit.

A past day, today, or a day beyond the carrier's longest hold (ActionOption.max_hold_days) is refused
with the reason and the latest day allowed, and the shopper is asked again.

"Can I just collect it from your depot": a hold is delivered afterwards, never collected (no carrier we speak
to offers depot collection), so the shopper is told so plainly and offered the pickup points, where they can
collect it; without pickup points, the hold (and its delivery) is what is left, and said to be.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from backend.types import ActionKind, DeliveryAction, Shipment
from dialogues.base import REGISTRY, Flow, Turn, register
from dialogues.kit.formatting import day_label, parcel_label
from dialogues.kit.when_wanted import read_wish
from dialogues.subflows.change import option_for, propose
from dialogues.subflows.next_step import adopt_parked_menu, eligible_shipment

# A day given at the hold's confirmation ("actually the 16th") corrects the hold: back to "until" with it
flow = register(Flow("hold_delivery", amend="until", values=("date",), values_when_proposed=True))

_COUNT = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "couple of": 2, "a couple of": 2, "few": 3, "a few": 3}
_PERIOD = re.compile(
    r"\b(?P<n>\d{1,2}|a\s+couple\s+of|couple\s+of|a\s+few|few|an?|one|two|three|four|five|six|seven|eight|nine"
    r"|ten)\s+(?P<unit>days?|weeks?|wks?)\b",
    re.IGNORECASE,
)
# Collecting it themselves: a verb of collecting, and the depot (or "myself") it is collected from.
_COLLECT = re.compile(r"\b(?:collect|pick(?:\s+(?:it|them|\w+\s+\w+))?\s+up|pick-?up|fetch"
                      r"|come\s+(?:and\s+|to\s+)?(?:get|fetch)|get\s+(?:it|them)\s+(?:myself|ourselves))\b",
                      re.IGNORECASE)
_DEPOT = re.compile(r"\b(?:depot|delivery\s+(?:office|station|cent(?:re|er))|sorting\s+office|distribution\s+"
                    r"(?:cent(?:re|er)|hub)|warehouse|hub|facility|your\s+(?:place|office|site|branch|end)|myself"
                    r"|ourselves)\b", re.IGNORECASE)


def wants_to_collect(text: str) -> bool:
    """'can i just collect it from your depot', 'I'll come and get it from the sorting office'."""
    return bool(_COLLECT.search(text) and _DEPOT.search(text))


def _today(turn: Turn) -> date:
    return turn.local(turn.now).date()


def _label(turn: Turn, day: date) -> str:
    return day_label(turn, datetime.combine(day, time(12), tzinfo=turn.tz), named=True)


def until_from(turn: Turn) -> date | None:
    """The day named in this message: a date ("friday", "the 30th") or a period ("for 5 days", "a week").

    Of several days, the one wanted ("im away till thursday, can u hold it till friday": friday); the day the
    shopper is away until is context (kit/when_wanted), and is the hold's day only when no other is named.
    Days said as away ("on holiday next week", "away from the 10th to the 15th") are held through: the hold
    ends the day after the last of them (a probe found "next week" held until its first day, the parcel then
    delivered while they were away); "away till friday" ends it the day after (they may travel that day)."""
    wish = read_wish(turn, bounds=True)
    wanted = wish.wanted or {}
    if wanted.get("date") and wanted.get("onward"):  # "away till friday": the first day back
        return date.fromisoformat(wanted["date"])
    away = [w for w in wish.refused if w.get("date")]
    if away and not wanted.get("date"):
        if any(w.get("onward") for w in away):
            return None  # "away from friday": until when is not said, so it is asked
        return max(date.fromisoformat(w.get("to_date") or w["date"]) for w in away) + timedelta(days=1)
    wanted = (read_wish(turn).wanted or {}).get("date")
    entity = turn.nlu.entity("date")
    if wanted or entity:
        try:
            return date.fromisoformat(wanted or entity.value[:10])
        except ValueError:
            return None
    period = _PERIOD.search(turn.text)
    if period:
        raw = " ".join(period.group("n").lower().split())
        n = int(raw) if raw.isdigit() else _COUNT.get(raw, 0)
        weeks = period.group("unit").lower().startswith("w")
        return _today(turn) + timedelta(days=n * (7 if weeks else 1))
    return None


@flow.start
def start(turn: Turn) -> None:
    adopt_parked_menu(turn)
    until = until_from(turn) if turn.nlu.intent == flow.name else None
    turn.remember(until=until.isoformat() if until else None,
                  collect=turn.nlu.intent == flow.name and wants_to_collect(turn.text) or None)
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    found = eligible_shipment(turn, ActionKind.HOLD)
    if found is None:
        return
    shipment, option = found
    if turn.slots.get("collect"):
        turn.remember(collect=None)
        if _collect_instead(turn, shipment):
            return
    turn.remember(max_days=option.max_hold_days)
    until = turn.slots.get("until")
    if not until:
        _ask(turn)
        return
    day = date.fromisoformat(until)
    problem = _problem(turn, day)
    if problem:
        turn.remember(until=None)
        turn.say(problem, day=_label(turn, day), latest=_latest_label(turn), max_days=option.max_hold_days or "")
        _ask(turn)
        return
    summary = turn.render("utter_hold_summary", parcel=parcel_label(shipment), day=_label(turn, day))
    propose(turn, shipment, DeliveryAction(ActionKind.HOLD, {"until": day.isoformat()}), summary, option)


def _collect_instead(turn: Turn, shipment: Shipment) -> bool:
    """Depot collection asked for: not possible, said plainly; the pickup points instead where there are any
    (True: the pickup-point journey has started), else the hold it can be, delivered after."""
    pickup = option_for(turn, shipment, ActionKind.PICKUP_POINT)
    if pickup is None or not pickup.available or not pickup.pickup_points:
        turn.say("utter_hold_no_collection", parcel=parcel_label(shipment))
        return False
    turn.say("utter_hold_no_collection_pickup", parcel=parcel_label(shipment))
    turn.finish()
    turn.remember(tracking_number=shipment.tracking_number)
    REGISTRY[ActionKind.PICKUP_POINT.value].run_start(turn)
    return True


@flow.step("until")
def answer(turn: Turn) -> None:
    if turn.nlu.intent == "deny":
        turn.finish()
        turn.say("utter_change_not_made")
        return
    until = until_from(turn)
    if until is None:
        turn.reask()
        return
    turn.remember(until=until.isoformat())
    with_shipment(turn)


def _latest(turn: Turn) -> date | None:
    max_days = turn.slots.get("max_days")
    return _today(turn) + timedelta(days=int(max_days)) if max_days else None


def _latest_label(turn: Turn) -> str:
    latest = _latest(turn)
    return _label(turn, latest) if latest else ""


def _problem(turn: Turn, day: date) -> str | None:
    """Why this day won't do (a response key), or None if it will."""
    today, latest = _today(turn), _latest(turn)
    if day < today:
        return "utter_hold_past"
    if day == today:
        return "utter_hold_today"
    if latest is not None and day > latest:
        return "utter_hold_too_late"
    return None


def _ask(turn: Turn) -> None:
    if _latest(turn):
        turn.ask("until", "utter_hold_ask", latest=_latest_label(turn))
    else:
        turn.ask("until", "utter_hold_ask_open")
