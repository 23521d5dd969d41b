"""What next, when a delivery failed (or the change asked for isn't possible): one good suggestion, not a menu.

After a failed attempt the bot recommends the best next step for this shopper: their standing neighbour
if they set one, else a pickup point near them that is open right now, else the next free delivery slot.
They accept it with YES (then it goes through the usual confirm-and-code path), or see the other options.
Journeys that must refuse (a safe place for a parcel that needs a signature) offer the alternatives here too.
"""

from __future__ import annotations

import re

from backend.types import ActionKind, ActionOption, DeliveryAction, PickupPoint, Shipment, ShipmentStatus, TimeWindow
from bot.core.wording import Rendered
from dialogues.base import REGISTRY, Flow, Turn, register
from dialogues.kit import unwanted
from dialogues.kit.answers import YES_OR_OTHER, ask_choice, yes_or_no
from dialogues.kit.choices import excluding, pick
from dialogues.kit.claims import says_damaged, says_missing
from dialogues.kit.formatting import parcel_label, window_label
from dialogues.kit.neighbours import standing_neighbour
from dialogues.kit.pickup_hours import open_now
from dialogues.subflows.change import option_for, propose, unavailable
from dialogues.subflows.identify import shipment_for

flow = register(Flow("failed_attempt", intents=()))

MENU = (
    ActionKind.PICKUP_POINT,
    ActionKind.RESCHEDULE,
    ActionKind.LEAVE_WITH_NEIGHBOUR,
    ActionKind.LEAVE_IN_SAFE_PLACE,
    ActionKind.HOLD,
)
_KEYWORDS = (
    (ActionKind.PICKUP_POINT, r"pick\s*-?\s*up|collect|shop|locker|post\s+office"),
    (ActionKind.RESCHEDULE, r"\bday\b|date|another\s+time|re-?schedule|re-?deliver|slot|later|tomorrow"),
    (ActionKind.LEAVE_WITH_NEIGHBOUR, r"neighbou?r|next\s*door"),
    (ActionKind.LEAVE_IN_SAFE_PLACE, r"safe|porch|shed|garage|behind|round\s+the\s+back"),
    (ActionKind.HOLD, r"\bhold|depot|keep\s+it"),
)
_OTHER = re.compile(r"\b(?:other|else|options?|menu|different|something|no\b)", re.IGNORECASE)


def available_options(turn: Turn, shipment: Shipment) -> dict[ActionKind, list[ActionOption]]:
    """The kinds the carrier offers for this parcel right now (a kind may come in several fee tiers), less the
    ones the shopper has said they don't want ("i dont want a pickup point"): those are never suggested."""
    declined = unwanted.declined_kinds(turn)
    return {kind: options for kind, options in turn.services.changes.options(turn.backend, shipment).items()
            if kind.value not in declined}


# -- the best next step -----------------------------------------------------------------------------------
def _open_pickup_point(turn: Turn, options: list[ActionOption]) -> PickupPoint | None:
    local = turn.local(turn.now)
    for option in options:
        for point in option.pickup_points:  # nearest first, less any the shopper ruled out ("not piccadilly")
            if open_now(point.opening_hours, local) and not unwanted.rules_out(turn, f"{point.name} {point.address}"):
                return point
    return None


def _next_free_window(options: list[ActionOption]) -> TimeWindow | None:
    free = [o for o in options if not o.fee and o.windows]
    return min((o.windows[0] for o in free), key=lambda w: w.start, default=None)


def suggest_next_step(turn: Turn, shipment: Shipment) -> None:
    """Recommend one next step for this parcel as a YES/other question (or the menu if nothing fits)."""
    options = available_options(turn, shipment)
    turn.flow_name = flow.name
    turn.remember(tracking_number=shipment.tracking_number)
    parcel = parcel_label(shipment)
    usual = standing_neighbour(turn, shipment)
    if usual and ActionKind.LEAVE_WITH_NEIGHBOUR in options:
        summary = turn.render("utter_neighbour_summary", parcel=parcel, who=usual)
        _suggest(turn, ActionKind.LEAVE_WITH_NEIGHBOUR, {"neighbour": usual}, summary,
                 "utter_next_step_neighbour", who=usual, parcel=parcel)
        return
    point = _open_pickup_point(turn, options.get(ActionKind.PICKUP_POINT, []))
    if point is not None:
        summary = turn.render("utter_pickup_summary", parcel=parcel, name=point.name, address=point.address)
        _suggest(turn, ActionKind.PICKUP_POINT, {"pickup_point_id": point.id}, summary, "utter_next_step_pickup",
                 named=point.name,
                 name=point.name, address=point.address, hours=point.opening_hours, parcel=parcel,
                 distance=f"{point.distance_km:g} km" if point.distance_km is not None else "")
        return
    window = _next_free_window(options.get(ActionKind.RESCHEDULE, []))
    if window is not None:
        label = window_label(turn, window, named=True)
        summary = turn.render("utter_reschedule_summary", parcel=parcel, window=label)
        params = {"window": {"start": window.start.isoformat(), "end": window.end.isoformat()}}
        _suggest(turn, ActionKind.RESCHEDULE, params, summary, "utter_next_step_window", window=label, parcel=parcel)
        return
    if not offer_alternatives(turn, shipment, MENU, options=options):
        turn.finish()


def _suggest(turn: Turn, kind: ActionKind, params: dict, summary: Rendered, key: str, *, named: str | None = None,
             **values: str) -> None:
    """`named`: the place suggested, by name (a pickup point), to rule out if the shopper says "not that one"."""
    turn.remember(suggestion={"kind": kind.value, "params": params, "summary": str(summary), "name": named})
    turn.ask("suggestion", key, choices=YES_OR_OTHER, **values)


@flow.step("suggestion")
def suggestion(turn: Turn) -> None:
    shipment = _shipment(turn)
    chosen = turn.slots.get("suggestion") or {}
    if shipment is None or not chosen:
        turn.finish()
        turn.say("utter_cancelled")
        return
    if turn.nlu.intent == "affirm":
        action = DeliveryAction(ActionKind(chosen["kind"]), dict(chosen.get("params") or {}))
        propose(turn, shipment, action, Rendered(chosen.get("summary") or ""))
        return
    ruled_out = excluding(turn.message.text, [str(chosen.get("summary") or "")], referent=0) == []
    if ruled_out and chosen.get("name"):  # "not that one, any other": that point is never suggested or listed again
        turn.state.avoid.append(str(chosen["name"]).lower())
    named = _kind_named(turn.text, MENU) if not ruled_out else None
    if named is not None:
        _start(turn, named.value)
        return
    if ruled_out or turn.nlu.intent == "deny" or _OTHER.search(turn.text):
        if not offer_alternatives(turn, shipment, MENU):
            turn.finish()
            turn.say("utter_change_not_made")
        return
    turn.reask()


# -- the menu -------------------------------------------------------------------------------------------
def offer_alternatives(turn: Turn, shipment: Shipment, kinds: tuple[ActionKind, ...], *,
                       options: dict[ActionKind, list[ActionOption]] | None = None) -> bool:
    """Ask which of these (available) next steps they'd like; False if none is available."""
    options = available_options(turn, shipment) if options is None else options
    names = [k.value for k in kinds if k in options]
    if not names:
        return False
    parts = [turn.render(f"utter_next_step_option_{name}", n=i + 1) for i, name in enumerate(names)]
    joined = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} {turn.render('utter_next_step_or')} {parts[-1]}"
    turn.flow_name = flow.name
    turn.remember(tracking_number=shipment.tracking_number, choices=names, suggestion=None)
    labels = [turn.render(f"utter_next_step_button_{name}") for name in names]
    ask_choice(turn, "choose", "utter_next_step_menu", labels, options=Rendered(joined))
    return True


def eligible_shipment(turn: Turn, kind: ActionKind, *, then: str = "with_shipment",
                      ) -> tuple[Shipment, ActionOption] | None:
    """The parcel this journey is about and the carrier's terms for `kind` now; if the carrier won't,
    the shopper hears why and what they can do instead, and None comes back."""
    shipment = shipment_for(turn, then=then)
    if shipment is None:
        return None
    option = option_for(turn, shipment, kind)
    if option is None or not option.available:
        refuse_with_alternatives(turn, shipment, option, kind)
        return None
    return shipment, option


def refuse_with_alternatives(turn: Turn, shipment: Shipment, option: ActionOption | None, kind: ActionKind) -> None:
    """Say why not (the carrier's reason), then offer what the shopper can do instead, as a numbered choice."""
    unavailable(turn, option)
    if option is not None and offer_alternatives(turn, shipment, tuple(k for k in MENU if k is not kind)):
        return
    if shipment.status is ShipmentStatus.DELIVERED and not turn.state.open_step:
        # "...I can help you report it or start a return": an offer the shopper can take up ("yes report it")
        turn.flow_name = flow.name
        turn.remember(tracking_number=shipment.tracking_number)
        ask_choice(turn, "after_delivery", "utter_after_delivery_menu", _after_buttons(turn))


# What a delivered parcel can still have done, and how an answer names each: damage and "missing" as the claims
# kit reads them (kit/claims.py), a return in its plain words.
_AFTER_DELIVERY = ("report_not_received", "report_damaged", "start_return")
_RETURN = re.compile(r"\b(?:return|send (?:it )?back|refund)", re.IGNORECASE)
_REPORT = re.compile(r"\b(?:report|claim)\b", re.IGNORECASE)


def _named_after_delivery(text: str) -> str | None:
    if says_damaged(text):
        return "report_damaged"
    if _RETURN.search(text):
        return "start_return"
    if says_missing(text) or _REPORT.search(text):
        return "report_not_received"
    return None


def _after_buttons(turn: Turn) -> list[str]:
    return [turn.render(f"utter_after_delivery_button_{name}") for name in _AFTER_DELIVERY]


@flow.step("after_delivery")
def after_delivery(turn: Turn) -> None:
    """ "yes report it", "2", "send it back": take up the offer; "no" lets it go."""
    index = pick(turn.text, _after_buttons(turn)) if is_bare_choice(turn.text) else None
    chosen = _AFTER_DELIVERY[index] if index is not None else _named_after_delivery(turn.text)
    if chosen is not None:
        _start(turn, chosen)
        return
    if _yes_to_several(turn, list(_AFTER_DELIVERY)):
        return
    if turn.nlu.intent == "deny":
        turn.finish()
        turn.say("utter_acknowledged")
        return
    turn.reask()


def _yes_to_several(turn: Turn, names: list[str]) -> bool:
    """ "yes", "yeah please" to an offer of several things names none of them: the one offered, if only one was,
    else the question again with a "which would you like?" (not a "didn't catch that"). True if it was a yes."""
    if yes_or_no(turn) is not True:
        return False
    if len(names) == 1:
        _start(turn, names[0])
    else:
        turn.reask("utter_offer_which")
    return True


@flow.step("choose")
def choose(turn: Turn) -> None:
    names = list(turn.slots.get("choices") or [])
    kinds = tuple(ActionKind(n) for n in names)
    shipment = _shipment(turn)
    left = excluding(turn.message.text, [str(turn.render(f"utter_next_step_button_{n}")) for n in names])
    if left is not None and len(left) > 1:  # "anything but a pickup point": the rest listed again, never the first
        if shipment is None or not offer_alternatives(turn, shipment, tuple(kinds[i] for i in left)):
            turn.reask()
        return
    if left:
        _start(turn, names[left[0]])
        return
    index = None
    if re.fullmatch(r"\W*(?:no\.?|number|option|#)?\s*\d{1,2}\W*", turn.text.lower()):
        index = pick(turn.text, names)
    named = _kind_named(turn.text, kinds) if index is None else None
    if named is not None:
        index = names.index(named.value)
    if index is None:
        if _yes_to_several(turn, names):
            return
        if turn.nlu.intent == "deny":
            turn.finish()
            turn.say("utter_change_not_made")
            return
        turn.reask()
        return
    _start(turn, names[index])


_BARE_CHOICE = re.compile(
    r"\W*(?:(?:the|no\.?|number|option|#)\s*)?(?:\d{1,2}|first|second|third|fourth|fifth|sixth|last|one|two|three"
    r"|four|five|six|1st|2nd|3rd|4th|5th|6th)(?:\s+one)?\W*",
    re.IGNORECASE,
)


def is_bare_choice(text: str) -> bool:
    """ "2", "#2", "the second one", "2nd": a position in the list, nothing else."""
    return bool(_BARE_CHOICE.fullmatch(text))


def pick_listed(text: str, labels: list[str]) -> int | None:
    """choices.pick, except that "one" in "the saturday one" / "the locker one" is not read as "number one"."""
    if is_bare_choice(text):
        return pick(text, labels)
    return pick(re.sub(r"\bones?\b", " ", text, flags=re.IGNORECASE), labels)


def _kind_named(text: str, kinds: tuple[ActionKind, ...]) -> ActionKind | None:
    hits = [kind for kind, pattern in _KEYWORDS if kind in kinds and re.search(pattern, text, re.IGNORECASE)]
    return hits[0] if len(hits) == 1 else None


def _start(turn: Turn, name: str) -> None:
    """Begin the chosen journey for the same parcel (it re-checks access and availability itself)."""
    tracking = turn.slots.get("tracking_number")
    turn.finish()
    if tracking:
        turn.remember(tracking_number=tracking)
    REGISTRY[name].run_start(turn)


def _shipment(turn: Turn) -> Shipment | None:
    tracking = turn.slots.get("tracking_number")
    return turn.backend.get_shipment(tracking) if tracking else None


def adopt_parked_menu(turn: Turn) -> None:
    """A journey started while our menu was parked ("a pickup point please" read as a new request)
    answers that menu: take over its parcel and drop it, rather than offering to go back to it later.
    A message that names a parcel is about that parcel: the menu is dropped and its parcel not taken over
    (identify.shipment_for then checks the named one like any other)."""
    parked = turn.state.parked[-1] if turn.state.parked else None
    if parked is None or parked.flow != flow.name:
        return
    turn.drop_parked()
    if turn.nlu.entity("tracking_number") or turn.nlu.entity("order_number"):
        return
    tracking = parked.slots.get("tracking_number")
    if tracking and not turn.slots.get("tracking_number"):
        turn.remember(tracking_number=tracking)
