"""Send it to a pickup point: the nearest ones to the delivery address, numbered, with opening hours; pick one.

The list is the carrier's (ActionOption.pickup_points, nearest first). The shopper picks by number or by
name ("2", "the locker", "Piccadilly"), then the change goes through the usual confirm-and-code path.
The confirmation says what happens next: photo ID for a parcel that needs a signature (before they
confirm), and with the "Done" when it will be ready to collect and the point's opening hours. What the
redirect replaces (a chosen slot, a neighbour, a safe place) is said by change.propose (kit/replaces.py).
"""

from __future__ import annotations

import re

from backend.types import ActionKind, DeliveryAction, PickupPoint, Shipment
from bot.core.wording import Rendered, render_lines
from dialogues.base import Flow, Turn, register
from dialogues.kit import unwanted
from dialogues.kit.answers import ask_choice
from dialogues.kit.choices import excluding, misspelt
from dialogues.kit.formatting import parcel_label, ready_to_collect
from dialogues.kit.pickup_hours import by_hours_wanted, pick_by_hours
from dialogues.subflows.change import propose
from dialogues.subflows.identify import shipment_for
from dialogues.subflows.next_step import adopt_parked_menu, eligible_shipment, pick_listed

flow = register(Flow("deliver_to_pickup_point", amend="choose"))


def _as_slot(point: PickupPoint) -> dict:
    return {"id": point.id, "name": point.name, "address": point.address, "hours": point.opening_hours,
            "km": point.distance_km}


@flow.start
def start(turn: Turn) -> None:
    adopt_parked_menu(turn)
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    found = eligible_shipment(turn, ActionKind.PICKUP_POINT)
    if found is None:
        return
    shipment, option = found
    if not option.pickup_points:
        turn.finish()
        turn.say("utter_pickup_none")
        return
    points = [_as_slot(p) for p in option.pickup_points
              if not unwanted.rules_out(turn, f"{p.name} {p.address}")]  # "not the locker": never listed
    if not points:
        turn.finish()
        turn.say("utter_pickup_none_left")
        return
    turn.remember(points=points)
    if turn.nlu.intent == flow.name and by_hours_wanted(turn.text) and named_point(turn.text, points) is None:
        _by_hours(turn, shipment, points)
        return
    named = named_point(turn.text, points) if turn.nlu.intent == flow.name else None
    if named is not None:  # "send it to the ancoats locker": that one, without the list
        turn.remember(proposed_point=named["id"])
        propose(turn, shipment, DeliveryAction(ActionKind.PICKUP_POINT, {"pickup_point_id": named["id"]}),
                _summary(turn, shipment, named), after=_after(turn, shipment, named))
        return
    _list(turn, shipment, points)


# Words any pickup point's name may have: they say what kind of place it is, not which one ("a shop", "the locker").
_KIND_WORDS = frozenset({
    "shop", "store", "stores", "locker", "lockers", "parcel", "parcels", "package", "corner", "late", "post", "office",
    "point", "pickup", "collection", "centre", "center", "express", "local", "mini", "market", "convenience",
    "newsagent", "newsagents", "pharmacy", "chemist", "station", "the", "and", "road", "street", "lane", "shops",
})


def named_point(text: str, points: list[dict]) -> dict | None:
    """The one point the request names by a word of its own name ("the ancoats locker", "Piccadilly Corner Shop",
    "rusholme late store", misspelt or not); None when it names none, or several."""
    words = {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3 and w not in _KIND_WORDS}
    own = [{w for w in re.findall(r"[a-z]+", p["name"].lower()) if len(w) > 3 and w not in _KIND_WORDS}
           for p in points]
    named = [p for p, names in zip(points, own, strict=True)
             if any(w == n or misspelt(w, n) for w in words for n in names)]
    return named[0] if len(named) == 1 else None


def _list(turn: Turn, shipment: Shipment, points: list[dict], *, others: bool = False, again: bool = False) -> None:
    lines = [
        turn.render("utter_pickup_option", n=i + 1, name=p["name"], address=p["address"], hours=p["hours"],
                    distance=f"{p['km']:g} km" if p["km"] is not None else "")
        for i, p in enumerate(points)
    ]
    key = "utter_pickup_others" if others else "utter_pickup_again" if again else "utter_pickup_list"
    turn.say(key, options=render_lines(lines))  # "leaving out the ones you don't want" only when some were
    names = [f"{p['name']}, {p['address']}" for p in points]
    ask_choice(turn, "choose", "utter_pickup_prompt", names, parcel=parcel_label(shipment))


# A number that picks from the list ("2", "number 3"), not a clock time ("at 7:30", "8am")
_NUMBER = re.compile(r"(?<![\d:.])\b[1-9]\b(?![:.]\d|\s*(?:am|pm)\b)", re.IGNORECASE)


@flow.step("choose")
def choose(turn: Turn) -> None:
    points = turn.slots.get("points") or []
    labels = [f"{p['name']} {p['address']}" for p in points]
    proposed = next((i for i, p in enumerate(points) if p["id"] == turn.slots.get("proposed_point")), None)
    left = excluding(turn.message.text, labels, referent=proposed)
    if left is not None:  # "anything except the corner shop", "any but the first", "not that one, any other"
        _narrow(turn, points, left)
        return
    if by_hours_wanted(turn.text) and not _NUMBER.search(turn.text) and named_point(turn.text, points) is None:
        shipment = shipment_for(turn, then="with_shipment")
        if shipment is not None:
            _by_hours(turn, shipment, points)
        return
    index = pick_listed(turn.text, labels)
    if index is not None and unwanted.rules_out(turn, f"{points[index]['name']} {points[index]['address']}"):
        index = None  # "not piccadilly" never picks Piccadilly
    if index is None and _ANOTHER.search(turn.text):
        _another(turn, points)
        return
    if index is None:
        if turn.nlu.intent == "deny":
            turn.finish()
            turn.say("utter_change_not_made")
            return
        turn.reask()
        return
    shipment = shipment_for(turn, then="with_shipment")
    if shipment is None:
        return
    _propose(turn, shipment, points[index])


def _by_hours(turn: Turn, shipment: Shipment, points: list[dict]) -> None:
    """ "whichever is open latest", "the earliest opening one": the point its hours say, proposed with why; with
    any point's hours unknown, said plainly and asked which (kit/pickup_hours.pick_by_hours)."""
    wanted = by_hours_wanted(turn.text) or ""
    index = pick_by_hours([p.get("hours") or "" for p in points], wanted)
    if index is None:
        turn.say(f"utter_pickup_hours_unknown_{wanted}")
        _list(turn, shipment, points, again=True)
        return
    point = points[index]
    turn.say(f"utter_pickup_by_hours_{wanted}", name=point["name"], hours=point.get("hours") or "")
    _propose(turn, shipment, point)


def _propose(turn: Turn, shipment: Shipment, point: dict) -> None:
    turn.remember(proposed_point=point["id"])  # "not that one" at the confirmation means this one
    propose(turn, shipment, DeliveryAction(ActionKind.PICKUP_POINT, {"pickup_point_id": point["id"]}),
            _summary(turn, shipment, point), after=_after(turn, shipment, point))


def _narrow(turn: Turn, points: list[dict], left: list[int]) -> None:
    """The points an exclusion leaves: one is proposed, several listed again; the ones ruled out are never listed
    again in this conversation (they join its `avoid` words)."""
    shipment = shipment_for(turn, then="with_shipment")
    if shipment is None:
        return
    for i, point in enumerate(points):
        if i not in left and point["name"].lower() not in turn.state.avoid:
            turn.state.avoid.append(point["name"].lower())
    kept = [points[i] for i in left]
    if not kept:
        turn.finish()
        turn.say("utter_pickup_none_left")
    elif len(kept) == 1:
        _propose(turn, shipment, kept[0])
    else:
        turn.remember(points=kept, proposed_point=None)
        _list(turn, shipment, kept, others=True)


# "is there one nearer?", "any others?", "a different one": the list again, less what they ruled out.
_ANOTHER = re.compile(r"\b(?:near(?:er|est)|clos(?:er|est)|other|others|another|different|else|alternative|more)\b",
                      re.IGNORECASE)


# The same asked in words the NLU may hear as another request ("any closer ones?" as "where is it?"): a nearer
# one, others, a different one; "where is my other parcel" names a parcel and stays a question of its own.
_MORE_POINTS = re.compile(r"\b(?:near(?:er|est)|clos(?:er|est))\b|\b(?:any|some|the)\s+(?:others?|other\s+ones?|"
                          r"more|else)\b|\b(?:a\s+different|another)\s+(?:one|point|place|shop)\b", re.IGNORECASE)


@flow.answers("choose")
def asks_for_other_points(turn: Turn) -> bool:
    """ "any closer ones?" at the list is about the list (the step lists them again), not a side-trip."""
    return bool(_MORE_POINTS.search(turn.text))


def _another(turn: Turn, points: list[dict]) -> None:
    """The carrier's list is already the nearest points: say so, and list them again without the ones the
    shopper ruled out (an empty list closes the journey with the other ways to get it)."""
    shipment = shipment_for(turn, then="with_shipment")
    if shipment is None:
        return
    left = [p for p in points if not unwanted.rules_out(turn, f"{p['name']} {p['address']}")]
    if not left:
        turn.finish()
        turn.say("utter_pickup_none_left")
        return
    turn.remember(points=left)
    _list(turn, shipment, left, others=len(left) < len(points), again=len(left) == len(points))


def _summary(turn: Turn, shipment: Shipment, point: dict) -> Rendered:
    """Where it goes; a parcel that needs a signature needs photo ID at the counter: said before they confirm."""
    key = "utter_pickup_summary_with_id" if shipment.signature_required else "utter_pickup_summary"
    return turn.render(key, parcel=parcel_label(shipment), name=point["name"], address=point["address"])


def _after(turn: Turn, shipment: Shipment, point: dict) -> Rendered:
    """What happens next: when it can be collected, and when the point is open."""
    return turn.render("utter_pickup_next", ready=ready_to_collect(turn, shipment), hours=point.get("hours") or "")
