"""Starting a return: which items, why, drop-off or collection, "are you sure?", a code, then the label.

Asks only what it doesn't know: one item needs no question, "return the shoes" names the item, "too
small" or "it arrived broken" gives the reason (kit/return_reasons.py), and a merchant offering one return
method needs no choice. The return is created once (bot/services/changes.py, idempotency key chosen at the
confirmation) and the reply quotes its reference, with the label / QR code as a link (and as a picture when it
is an image) and where to drop it off.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import timedelta

from backend.types import ChangeContext, ReturnInfo, ReturnRequest, Shipment, ShipmentStatus
from bot.core.wording import Rendered, render_lines
from dialogues.base import REGISTRY, Flow, Turn, register
from dialogues.kit.answers import YES_NO, ask_choice, confirmed, free_text, pick_many
from dialogues.kit.choices import pick
from dialogues.kit.claims import prefer_delivered
from dialogues.kit.formatting import parcel_label
from dialogues.kit.return_reasons import keeps_it, said, says_sent_back
from dialogues.subflows.identify import shipment_for
from dialogues.subflows.verify import require_code
from intents.return_call_off import calls_off_return

flow = register(Flow("start_return"))
ACTION = "start_return"
STATUS_FLOW = "return_or_refund_status"  # by name: a journey never imports another
REASONS = ("doesnt_fit", "not_as_described", "faulty", "changed_mind")
METHODS = ("drop_off", "collection")
MAX_REASON = 200
DEFAULT_WINDOW_DAYS = 30
_IMAGE = re.compile(r"\.(png|jpe?g|gif|webp)$", re.IGNORECASE)
_METHOD_WORDS = (
    (re.compile(r"\b(drop|post ?office|locker|shop|counter|myself|take it)\b"), "drop_off"),
    (re.compile(r"\b(collect|collection|pick ?(it )?up|courier|from (my )?(home|house|address|door))\b"),
     "collection"),
)


@flow.start
def start(turn: Turn) -> None:
    if calls_off_return(turn.message.text or ""):  # "cancel my return": nothing booked now; one booked, kept
        turn.finish()
        turn.say("utter_return_called_off")
        return
    if says_sent_back(turn.message.text or ""):  # "ive dropped the return off, what now": where it is, not a new one
        turn.nlu = dataclasses.replace(turn.nlu, intent=STATUS_FLOW, confidence=1.0, clarify=None)
        REGISTRY[STATUS_FLOW].run_start(turn)
        return
    item, reason = turn.nlu.entity("item"), turn.nlu.entity("reason")
    # "i want to send it back, its too small": the reason in so many words, anywhere in the message
    named = said(turn.message.text or "")
    if item:
        turn.remember(item_hint=free_text(item.value, 60))
    if reason:
        turn.remember(reason=free_text(reason.value, MAX_REASON))
    elif named:
        turn.remember(reason=str(turn.render(f"utter_return_reason_{named}")))
    prefer_delivered(turn)
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    shipment = shipment_for(turn, then="with_shipment")
    if shipment is None:
        return
    existing = turn.backend.return_status(shipment.tracking_number)
    if existing is not None and existing.status != "rejected":
        turn.finish()
        _tell_booked(turn, shipment, existing, "utter_return_exists", method="drop_off")
        return
    blocker = _blocker(turn, shipment)
    if blocker:
        turn.finish()
        turn.say(blocker, parcel=parcel_label(shipment), days=_window_days(turn))
        return
    _next_question(turn, shipment)


def _window_days(turn: Turn) -> int:
    returns = (turn.merchant.settings or {}).get("returns") or {}
    return int(returns.get("window_days") or DEFAULT_WINDOW_DAYS)


def _blocker(turn: Turn, shipment: Shipment) -> str | None:
    """The template saying why this parcel can't be returned here, if it can't."""
    if shipment.status is ShipmentStatus.RETURNED_TO_SENDER:
        return "utter_return_already_coming_back"
    if shipment.status is not ShipmentStatus.DELIVERED:
        return "utter_return_not_delivered"
    delivered = next((e.occurred_at for e in reversed(shipment.events) if e.status is ShipmentStatus.DELIVERED), None)
    if delivered and turn.now - delivered > timedelta(days=_window_days(turn)):
        return "utter_return_window_closed"
    return None


def _item_names(shipment: Shipment) -> list[str]:
    names = [str(i.get("name") or i.get("sku") or "").strip() for i in shipment.items]
    return [n for n in names if n] or [parcel_label(shipment)]


def _item_ids(shipment: Shipment, chosen: list[int]) -> tuple[str, ...]:
    if not shipment.items:
        return (shipment.tracking_number,)
    return tuple(str(shipment.items[i].get("sku") or shipment.items[i].get("name")) for i in chosen)


def _methods(turn: Turn) -> list[str]:
    returns = (turn.merchant.settings or {}).get("returns") or {}
    allowed = returns.get("methods") or list(METHODS)
    return [m for m in METHODS if m in allowed] or ["drop_off"]


def _numbered(turn: Turn, labels: list[str]) -> Rendered:
    return render_lines([turn.render("utter_return_option", n=i + 1, label=label) for i, label in enumerate(labels)])


def _next_question(turn: Turn, shipment: Shipment) -> None:
    """Ask the first thing still missing; when nothing is, ask to confirm."""
    names = _item_names(shipment)
    if "items" not in turn.slots:
        hint = turn.slots.get("item_hint")
        chosen = pick_many(hint, names) if hint and len(names) > 1 else None
        if len(names) == 1:
            chosen = [0]
        if chosen is None:
            ask_choice(turn, "items", "utter_return_ask_items", names, options=_numbered(turn, names))
            return
        turn.remember(items=chosen)
    if not turn.slots.get("reason"):
        labels = [turn.render(f"utter_return_reason_{r}") for r in REASONS]
        ask_choice(turn, "reason", "utter_return_ask_reason", labels, options=_numbered(turn, labels), free_text=True)
        return
    if "method" not in turn.slots:
        methods = _methods(turn)
        if len(methods) > 1:
            labels = [turn.render(f"utter_return_method_{m}") for m in methods]
            ask_choice(turn, "method", "utter_return_ask_method", labels, options=_numbered(turn, labels))
            return
        turn.remember(method=methods[0])
    slots = turn.slots
    turn.remember(return_key=f"rtn-{uuid.uuid4().hex}")
    turn.ask("confirm", "utter_return_confirm", items=", ".join(names[i] for i in slots["items"]),
             reason=slots["reason"], method=turn.render(f"utter_return_method_{slots['method']}"), choices=YES_NO)


def _shipment(turn: Turn) -> Shipment | None:
    tracking = turn.slots.get("tracking_number")
    shipment = turn.backend.get_shipment(tracking) if tracking else None
    if shipment is None:
        turn.finish()
        turn.say("utter_cancelled")
    return shipment


@flow.step("items")
def items(turn: Turn) -> None:
    shipment = _shipment(turn)
    if shipment is None:
        return
    chosen = pick_many(turn.text, _item_names(shipment))
    if not chosen:
        turn.reask()
        return
    turn.remember(items=chosen)
    _next_question(turn, shipment)


def _called_off(turn: Turn) -> bool:
    """ "actually no, i'll keep it" at the reason, the method or the confirmation: nothing booked, said so (never
    taken as the reason, nor "didn't catch that")."""
    if not keeps_it(turn.message.text or turn.text):
        return False
    turn.finish()
    turn.say("utter_return_not_booked")
    return True


@flow.step("reason")
def reason(turn: Turn) -> None:
    shipment = _shipment(turn)
    if shipment is None:
        return
    if _called_off(turn):
        return
    labels = [str(turn.render(f"utter_return_reason_{r}")) for r in REASONS]
    index = pick(turn.text, labels)
    entity = turn.nlu.entity("reason")
    if index is not None:
        given = labels[index]
    elif entity:
        given = entity.value
    else:
        given = turn.text
    if not re.search(r"[^\W\d_]{2,}", given):
        turn.reask()
        return
    turn.remember(reason=free_text(given, MAX_REASON))
    _next_question(turn, shipment)


@flow.step("method")
def method(turn: Turn) -> None:
    shipment = _shipment(turn)
    if shipment is None:
        return
    if _called_off(turn):
        return
    methods = _methods(turn)
    index = pick(turn.text, [str(turn.render(f"utter_return_method_{m}")) for m in methods])
    chosen = methods[index] if index is not None else None
    if chosen is None:
        text = turn.text.lower()
        chosen = next((m for rx, m in _METHOD_WORDS if rx.search(text) and m in methods), None)
    if chosen is None:
        turn.reask()
        return
    turn.remember(method=chosen)
    _next_question(turn, shipment)


@flow.step("confirm")
def confirm(turn: Turn) -> None:
    if _called_off(turn):  # "actually no i'll keep it": a no in words of its own
        return
    if not confirmed(turn, "utter_return_not_booked"):
        return
    apply(turn)


@flow.step("apply")
def apply(turn: Turn) -> None:
    shipment = _shipment(turn)
    if shipment is None:
        return
    slots = turn.slots
    if not slots.get("return_key"):
        turn.finish()
        turn.say("utter_cancelled")
        return
    if not require_code(turn, shipment, action=ACTION, then="apply"):
        return
    tracking = shipment.tracking_number
    request = ReturnRequest(items=_item_ids(shipment, list(slots["items"])), reason=slots["reason"],
                            method=slots["method"])
    context = ChangeContext(actor=turn.message.sender, channel=turn.message.channel,
                            verified_by=turn.verification_for(tracking) or "sender_number")
    info = turn.services.changes.create_return(turn.uow, turn.backend, turn.merchant, tracking, request,
                                               key=slots["return_key"], context=context, now=turn.now,
                                               conversation_id=turn.conversation.id)
    turn.finish()
    if info.status == "rejected":
        turn.say("utter_return_rejected")
    elif not info.reference:
        turn.say("utter_return_pending")
    else:
        _tell_booked(turn, shipment, info, "utter_return_booked", method=request.method)


def _tell_booked(turn: Turn, shipment: Shipment, info: ReturnInfo, key: str, *, method: str) -> None:
    """Reference, label / QR code links (images also as media), and where to take it."""
    parts = [turn.render(key, reference=info.reference, parcel=parcel_label(shipment))]
    if info.label_url:
        parts.append(turn.render("utter_return_label", link=info.label_url))
    if info.qr_code_url:
        parts.append(turn.render("utter_return_qr", link=info.qr_code_url))
    if method == "collection":
        parts.append(turn.render("utter_return_collection"))
    else:
        if not info.label_url and not info.qr_code_url:
            parts.append(turn.render("utter_return_no_label", reference=info.reference))
        if info.drop_off_options:
            parts.append(turn.render("utter_return_drop_off", places="; ".join(info.drop_off_options)))
    media = tuple(u for u in (info.qr_code_url, info.label_url) if u and _IMAGE.search(u.split("?", 1)[0]))
    turn.say("utter_return_details", details=Rendered("\n".join(parts)), media_urls=media)
