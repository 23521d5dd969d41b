"""Move the delivery to another slot: the carrier's windows, numbered; "2", "thurs", "the saturday one",
"friday afternoon" all pick one.

The best match comes first: the day named (and the time of day, if named: "the 9th after work, like 6pm"
is the 17:00-21:00 slot, with its fee) is proposed at once when one slot fits, listed when several do, and
the nearest slots lead the list when none does. A day the shopper says they are NOT in ("im not in tmrw
can u deliver on tuesday instead") is never offered first: it is left out of every list, and the list
says so (kit/when_wanted.py reads which date is which). A time said later keeps the day said before
("morning if poss" after "tuesday" is Tuesday morning).

Windows come from the carrier's RESCHEDULE options. A carrier may price windows differently (the reference
carrier returns one option per price, e.g. paid evenings), so each window keeps the option it came from and
the change is proposed with that option: a paid window always asks the shopper to accept its fee.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from backend import local_time
from backend.types import ActionKind, ActionOption, DeliveryAction
from bot.core.wording import render_lines
from dialogues.base import REGISTRY, Flow, Turn, register
from dialogues.kit.answers import ask_choice
from dialogues.kit.choices import excluding
from dialogues.kit.formatting import day_label, money, parcel_label, stored_window, window_label
from dialogues.kit.when_wanted import Wish, exact, fits, is_refused, read_wish
from dialogues.subflows.change import option_for, propose
from dialogues.subflows.identify import shipment_for
from dialogues.subflows.next_step import (
    adopt_parked_menu,
    available_options,
    is_bare_choice,
    pick_listed,
    refuse_with_alternatives,
)

flow = register(Flow("reschedule_delivery", amend="choose", values=("date", "time_window")))

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


def _allowed(turn: Turn, windows: list[dict]) -> list[int]:
    """The windows that may be offered: none on a day (or at a time) the shopper said they are not in."""
    refused = turn.slots.get("refused") or []
    out = []
    for i, w in enumerate(windows):
        tw = stored_window(w)
        if not is_refused(refused, turn.local(tw.start), turn.local(tw.end)):
            out.append(i)
    return out


def matching(turn: Turn, windows: list[dict], allowed: list[int], wanted: dict) -> list[int]:
    """Indexes of the allowed windows that fit the wanted day and time (exact time matches first)."""
    hits = []
    for i in allowed:
        tw = stored_window(windows[i])
        start, end = turn.local(tw.start), turn.local(tw.end)
        if fits(wanted, start, end):
            hits.append((0 if exact(wanted, start, end) else 1, i))
    best = min((rank for rank, _ in hits), default=None)
    return [i for rank, i in hits if rank == best]


def _nearest(turn: Turn, windows: list[dict], allowed: list[int], wanted: dict) -> list[int]:
    """The allowed windows, the closest to the wanted day and time first (the best match leads the list)."""
    day = date.fromisoformat(wanted["date"]) if wanted.get("date") else None
    clock = _minutes(wanted["start"]) if wanted.get("start") else None

    def distance(i: int) -> tuple[int, date, int, str]:
        # a day's slots stay together ("Thu 08:00, Mon 08:00, Thu 12:00" read as a jumble): nearest day first,
        # then, of days as near, the earlier; within a day the time nearest the one asked for
        start = turn.local(stored_window(windows[i]).start)
        days = abs((start.date() - day).days) if day else 0
        minutes = abs(start.hour * 60 + start.minute - clock) if clock is not None else 0
        return days, start.date(), minutes, windows[i]["start"]

    return sorted(allowed, key=distance)


def _minutes(clock: str) -> int:
    hours, _, minutes = clock.partition(":")
    return int(hours) * 60 + int(minutes or 0)


@flow.start
def start(turn: Turn) -> None:
    adopt_parked_menu(turn)
    wish = read_wish(turn, bounds=True) if turn.nlu.intent == flow.name else Wish()
    turn.remember(wanted=wish.wanted, refused=wish.refused)
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    shipment = shipment_for(turn, then="with_shipment")
    if shipment is None:
        return
    options = available_options(turn, shipment).get(ActionKind.RESCHEDULE, [])
    if not options:
        refuse_with_alternatives(turn, shipment, option_for(turn, shipment, ActionKind.RESCHEDULE),
                                 ActionKind.RESCHEDULE)
        return
    turn.remember(windows=_windows(turn, options))
    wanted = _still_wanted(turn, turn.slots.get("wanted"))
    if wanted:
        _choose_wanted(turn, wanted)
        return
    _list_allowed(turn)


def _still_wanted(turn: Turn, wanted: dict | None) -> dict | None:
    """The wish, unless it is only for a day the shopper also said they're not in (that day never leads)."""
    if not wanted:
        return None
    if wanted.get("date") and not (wanted.get("to_date") or wanted.get("upto")) and any(
            r.get("date") == wanted["date"] and not r.get("start") for r in turn.slots.get("refused") or []):
        wanted = {**wanted, "date": None}
    return wanted if (wanted.get("date") or wanted.get("start")) else None


def _list_allowed(turn: Turn, order: list[int] | None = None) -> None:
    """Every slot the shopper hasn't ruled out, saying first which days are left out ("OK, not tomorrow.")."""
    windows = turn.slots.get("windows") or []
    refused = turn.slots.get("refused") or []
    if refused:
        turn.say("utter_reschedule_not_on", days=" or ".join(_refused_label(turn, r) for r in refused))
    shown = order if order is not None else _allowed(turn, windows)
    _list(turn, shown[:SHOWN_MAX], "utter_reschedule_choose")


def _refused_label(turn: Turn, refused: dict) -> str:
    parts = []
    if refused.get("date"):
        parts.append(_day(turn, refused["date"]))
        if refused.get("to_date"):  # "away next week": all of it, not its Monday
            parts = [turn.render("utter_reschedule_between", first=parts[0], last=_day(turn, refused["to_date"]))]
        elif refused.get("onward"):  # "can't do the 18th or later"
            parts = [turn.render("utter_reschedule_onward", first=parts[0])]
    if refused.get("start") and refused.get("end"):
        region = turn.config.region  # "OK, not Mon 14 Dec 08:00-12:00" / "not Mon Dec 14 8am-12pm"
        parts.append("-".join(local_time.minutes_label(_minutes(refused[k]), region) for k in ("start", "end")))
    return " ".join(parts)


def _day(turn: Turn, iso: str) -> str:
    return day_label(turn, datetime.combine(date.fromisoformat(iso), time(12), tzinfo=turn.tz), named=True)


def _list(turn: Turn, shown: list[int], key: str) -> None:
    """Show the numbered slots, then ask; a re-ask repeats only the short prompt, not the whole list."""
    windows = turn.slots.get("windows") or []
    lines = []
    for n, i in enumerate(shown, start=1):
        w = windows[i]
        label = window_label(turn, stored_window(w))
        if w.get("fee"):
            lines.append(turn.render("utter_reschedule_option_fee", n=n, window=label,
                                     fee=money(w["fee"], w.get("currency"))))
        else:
            lines.append(turn.render("utter_reschedule_option", n=n, window=label))
    turn.remember(shown=shown)
    turn.say(key, options=render_lines(lines))
    ask_choice(turn, "choose", "utter_reschedule_prompt", [_label(turn, windows[i]) for i in shown],
               titles=[window_label(turn, stored_window(windows[i])) for i in shown])


def _choose_wanted(turn: Turn, wanted: dict) -> None:
    """The best match first: the one slot that fits is proposed; several are listed; none, the nearest."""
    windows = turn.slots.get("windows") or []
    allowed = _allowed(turn, windows)
    hits = matching(turn, windows, allowed, wanted)
    turn.remember(wanted=wanted, hold_until=None)
    if len(hits) == 1:
        _propose(turn, windows[hits[0]])
    elif hits:
        _list(turn, hits[:SHOWN_MAX], "utter_reschedule_which_of_these")
    else:
        day = wanted.get("date")
        what = _day(turn, day) if day else turn.render("utter_reschedule_that_time")
        if day and wanted.get("to_date"):  # "next week": all of it, not its Monday
            what = turn.render("utter_reschedule_between", first=what, last=_day(turn, wanted["to_date"]))
        elif day and wanted.get("onward"):  # "after the 18th": the carrier's last slots come before it
            what = turn.render("utter_reschedule_onward", first=what)
        elif day and wanted.get("upto"):  # "before friday": the carrier's first slot comes after it
            what = turn.render("utter_reschedule_upto", last=what)
        turn.say("utter_reschedule_no_slot", when=what)
        if day and wanted.get("onward"):
            _offer_hold(turn, date.fromisoformat(day))
        _list_allowed(turn, _nearest(turn, windows, allowed, wanted))


def _offer_hold(turn: Turn, day: date) -> None:
    """Away past the carrier's last slot ("im away till the 30th"): where the carrier holds parcels that long, a
    hold until the first day they are back is offered beside the nearest slots ("reply HOLD"); else the nearest
    slots alone, after "no delivery slot from ... on"."""
    shipment = shipment_for(turn, then="with_shipment")
    option = option_for(turn, shipment, ActionKind.HOLD) if shipment is not None else None
    if option is None or not option.available:
        return
    if option.max_hold_days and day > turn.local(turn.now).date() + timedelta(days=option.max_hold_days):
        return
    turn.remember(hold_until=day.isoformat())
    turn.say("utter_reschedule_offer_hold", day=_day(turn, day.isoformat()), parcel=parcel_label(shipment))


# "hold", "yes hold it please", "hold it till then": the hold offered when no slot is left from the day asked for
_HOLD = re.compile(r"\bhold\b", re.IGNORECASE)


@flow.answers("choose")
def takes_the_hold(turn: Turn) -> bool:
    """ "HOLD" after the hold was offered answers the offer (the NLU hears a new hold request)."""
    return bool(turn.slots.get("hold_until") and _HOLD.search(turn.text))


def _takes_hold(turn: Turn) -> bool:
    """Is this the answer to the hold offered (_offer_hold)? "HOLD" (with another day, that day), or a plain yes to
    it; then the hold journey takes it from its own check of the day (its limit, its confirmation)."""
    until = turn.slots.get("hold_until")
    if not until or not (_HOLD.search(turn.text) or turn.nlu.intent == "affirm"):
        return False
    until = (read_wish(turn).wanted or {}).get("date") or until
    tracking = turn.slots.get("tracking_number")
    turn.finish()
    turn.call("hold_delivery", then=None)
    turn.remember(tracking_number=tracking, until=until)
    REGISTRY["hold_delivery"].run_step(turn, "with_shipment")
    return True


@flow.step("choose")
def choose(turn: Turn) -> None:
    windows = turn.slots.get("windows") or []
    shown = list(turn.slots.get("shown") or [])
    labels = [_label(turn, windows[i]) for i in shown]
    left = excluding(turn.message.text, labels)
    if left:  # "any but the first": the one slot left is proposed, several listed again
        if len(left) == 1:
            _propose(turn, windows[shown[left[0]]])
        else:
            _list(turn, [shown[i] for i in left], "utter_reschedule_choose")
        return
    if _takes_hold(turn):
        return
    wish = Wish() if is_bare_choice(turn.text) else read_wish(turn, bounds=True)  # "2nd" is the second slot, not a date
    if wish.refused:
        turn.remember(refused=[*(turn.slots.get("refused") or []), *wish.refused])
    wanted = _still_wanted(turn, _with_earlier_day(turn, wish.wanted))
    if wanted:
        _choose_wanted(turn, wanted)
        return
    if wish.refused:
        _list_allowed(turn)
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


def _with_earlier_day(turn: Turn, wanted: dict | None) -> dict | None:
    """'morning if poss' after 'tuesday' means tuesday morning: a time alone keeps the day already asked for,
    when that day has slots."""
    earlier = (turn.slots.get("wanted") or {}).get("date")
    if not wanted or wanted.get("date") or not earlier:
        return wanted
    windows = turn.slots.get("windows") or []
    on_that_day = matching(turn, windows, _allowed(turn, windows), {"date": earlier})
    return {**wanted, "date": earlier} if on_that_day else wanted


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
    summary = turn.render("utter_reschedule_summary", parcel=parcel_label(shipment),
                          window=window_label(turn, chosen, named=True))
    params = {"window": {"start": window["start"], "end": window["end"]}}
    # What it replaces (a pickup point, an earlier slot, a hold) is said by change.propose (kit/replaces.py);
    # what happens next, for a parcel that needs a signature: someone must be in to sign.
    after = turn.render("utter_reschedule_next_signature") if shipment.signature_required else None
    propose(turn, shipment, DeliveryAction(ActionKind.RESCHEDULE, params), summary, option, after=after)
