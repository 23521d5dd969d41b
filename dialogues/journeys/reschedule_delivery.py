"""Move the delivery to another slot: the carrier's windows, numbered; "2", "thurs", "the saturday one",
"friday afternoon" all pick one.

Windows come from the carrier's RESCHEDULE options. A carrier may price windows differently (the reference
carrier returns one option per price, e.g. paid evenings), so each window keeps the option it came from and
the change is proposed with that option: a paid window always asks the shopper to accept its fee.
"""

from __future__ import annotations

from datetime import date, datetime

from backend.types import ActionKind, ActionOption, DeliveryAction, Shipment, TimeWindow
from bot.core.wording import Rendered, render_lines
from dialogues.base import Flow, Turn, register
from dialogues.kit.answers import ask_choice
from dialogues.kit.formatting import parcel_label, pickup_point_of, stored_window, window_label
from dialogues.subflows.change import propose
from dialogues.subflows.identify import shipment_for
from dialogues.subflows.next_step import (
    adopt_parked_menu,
    available_options,
    is_bare_choice,
    pick_listed,
    refuse_with_alternatives,
)

flow = register(Flow("reschedule_delivery"))

SHOWN_MAX = 9  # an SMS-sized list; any other offered day can still be named ("next tuesday")


def _part_of_day(turn: Turn, start: datetime) -> str:
    hour = turn.local(start).hour
    return "morning" if hour < 12 else "afternoon" if hour < 17 else "evening"


def _windows(turn: Turn, options: list[ActionOption]) -> list[dict]:
    """Every window on offer, earliest first, with its fee (if any) and a label to match words against."""
    out = []
    for option in options:
        for w in option.windows:
            out.append({
                "start": w.start.isoformat(), "end": w.end.isoformat(),
                "fee": str(option.fee) if option.fee else None, "currency": option.currency,
            })
    out.sort(key=lambda w: w["start"])
    return out


def _label(turn: Turn, window: dict) -> str:
    tw = stored_window(window)
    local = turn.local(tw.start)
    return f"{window_label(turn, tw)} {local:%A} {_part_of_day(turn, tw.start)}"


def wanted_from(turn: Turn) -> dict | None:
    """The day / time of day this message asks for ("friday afternoon"), if it names one."""
    day, window = turn.nlu.entity("date"), turn.nlu.entity("time_window")
    if not day and not window:
        return None
    resolved = (window.resolved or {}) if window else {}
    return {
        "date": (day.value[:10] if day else None) or resolved.get("date"),
        "start": resolved.get("start"),
        "end": resolved.get("end"),
    }


def _minutes(clock: str) -> int:
    hours, _, minutes = clock.partition(":")
    return int(hours) * 60 + int(minutes or 0)


def matching(turn: Turn, windows: list[dict], wanted: dict) -> list[int]:
    """Indexes of the windows that fit the wanted day and time (exact time matches first)."""
    hits = []
    for i, w in enumerate(windows):
        tw = stored_window(w)
        start, end = turn.local(tw.start), turn.local(tw.end)
        if wanted.get("date") and start.date() != date.fromisoformat(wanted["date"]):
            continue
        if wanted.get("start") and wanted.get("end"):
            lo, hi = _minutes(wanted["start"]), _minutes(wanted["end"])
            overlap = min(hi, end.hour * 60 + end.minute) - max(lo, start.hour * 60 + start.minute)
            if overlap <= 0:
                continue
            hits.append((0 if (start.hour * 60 + start.minute, end.hour * 60 + end.minute) == (lo, hi) else 1, i))
        else:
            hits.append((1, i))
    best = min((rank for rank, _ in hits), default=None)
    return [i for rank, i in hits if rank == best]


@flow.start
def start(turn: Turn) -> None:
    adopt_parked_menu(turn)
    turn.remember(wanted=wanted_from(turn) if turn.nlu.intent == flow.name else None)
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    shipment = shipment_for(turn, then="with_shipment")
    if shipment is None:
        return
    options = available_options(turn, shipment).get(ActionKind.RESCHEDULE, [])
    if not options:
        from dialogues.subflows.change import option_for

        refuse_with_alternatives(turn, shipment, option_for(turn, shipment, ActionKind.RESCHEDULE),
                                 ActionKind.RESCHEDULE)
        return
    windows = _windows(turn, options)
    turn.remember(windows=windows)
    wanted = turn.slots.get("wanted")
    if wanted:
        _choose_wanted(turn, windows, wanted)
        return
    _list(turn, list(range(min(len(windows), SHOWN_MAX))), "utter_reschedule_choose")


def _list(turn: Turn, shown: list[int], key: str) -> None:
    """Show the numbered slots, then ask; a re-ask repeats only the short prompt, not the whole list."""
    windows = turn.slots.get("windows") or []
    lines = []
    for n, i in enumerate(shown, start=1):
        w = windows[i]
        label = window_label(turn, stored_window(w))
        if w.get("fee"):
            lines.append(turn.render("utter_reschedule_option_fee", n=n, window=label, fee=w["fee"],
                                     currency=w.get("currency") or ""))
        else:
            lines.append(turn.render("utter_reschedule_option", n=n, window=label))
    turn.remember(shown=shown)
    turn.say(key, options=render_lines(lines))
    ask_choice(turn, "choose", "utter_reschedule_prompt", [_label(turn, windows[i]) for i in shown])


def _choose_wanted(turn: Turn, windows: list[dict], wanted: dict) -> None:
    hits = matching(turn, windows, wanted)
    if len(hits) == 1:
        _propose(turn, windows[hits[0]])
    elif hits:
        _list(turn, hits[:SHOWN_MAX], "utter_reschedule_which_of_these")
    else:
        day = date.fromisoformat(wanted["date"]) if wanted.get("date") else None
        what = day.strftime("%a %-d %b") if day else turn.render("utter_reschedule_that_time")
        turn.say("utter_reschedule_no_slot", when=what)
        _list(turn, list(range(min(len(windows), SHOWN_MAX))), "utter_reschedule_choose")


@flow.step("choose")
def choose(turn: Turn) -> None:
    windows = turn.slots.get("windows") or []
    labels = [_label(turn, windows[i]) for i in turn.slots.get("shown") or []]
    wanted = None if is_bare_choice(turn.text) else wanted_from(turn)  # "2nd" is the second slot, not a date
    if wanted:
        _choose_wanted(turn, windows, wanted)
        return
    index = pick_listed(turn.text, labels)
    if index is not None:
        _propose(turn, windows[turn.slots["shown"][index]])
        return
    if turn.nlu.intent == "deny":
        turn.finish()
        turn.say("utter_change_not_made")
        return
    turn.reask()


def _propose(turn: Turn, window: dict) -> None:
    shipment = shipment_for(turn, then="with_shipment")
    if shipment is None:
        return
    chosen = stored_window(window)
    option = next(
        (o for o in available_options(turn, shipment).get(ActionKind.RESCHEDULE, [])
         if any(w.start == chosen.start and w.end == chosen.end for w in o.windows)),
        None,
    )
    if option is None:  # taken or past its cut-off since we listed it
        turn.say("utter_reschedule_slot_gone")
        turn.remember(wanted=None)
        with_shipment(turn)
        return
    summary = _summary(turn, shipment, chosen)
    params = {"window": {"start": window["start"], "end": window["end"]}}
    propose(turn, shipment, DeliveryAction(ActionKind.RESCHEDULE, params), summary, option)


def _summary(turn: Turn, shipment: Shipment, chosen: TimeWindow) -> Rendered:
    """A home slot replaces a pickup-point redirect (backend/rules_apply.py): say so before they confirm."""
    values = {"parcel": parcel_label(shipment), "window": window_label(turn, chosen)}
    point = pickup_point_of(shipment)
    if point:
        return turn.render("utter_reschedule_summary_instead_of_pickup", point=point["name"], **values)
    return turn.render("utter_reschedule_summary", **values)
