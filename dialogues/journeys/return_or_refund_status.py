"""Where's my refund / my return / my replacement? Answered from what exists, nothing shown before identification.

"Where is my refund" has three honest answers, and the bot knows which applies: an order cancelled here
(its refund and when it reaches the card), a claim (its reference, where it stands, how long the team and
the replacement or refund take), or a return (its stage). Telling someone who has just cancelled to post
the item back, or someone with a replacement claim that there is "no return", is wrong. The shopper's
words choose when several exist ("how long will the replacement take" is the claim). Timeframes are the
merchant's (MerchantConfig.refund_time / claim_reply_time / replacement_time).

Identification is the usual one (the sender's own number, or tracking/order number plus postcode). A
shopper with several parcels of which only one has a cancellation, a claim or a return isn't asked which.
(A claim's menu waiting for its answer keeps "a replacement, not a refund": report_damaged's Flow.answers.)
"""

from __future__ import annotations

import re

from backend import models as m
from backend.types import ReturnInfo, Shipment
from dialogues.base import Flow, Turn, register
from dialogues.kit.claims import (
    CLOSED,
    DAMAGED,
    LINKED,
    NOT_RECEIVED,
    PENDING,
    cancellation_of,
    claims_on,
)
from dialogues.kit.formatting import day_label, money, parcel_label
from dialogues.kit.return_reasons import says_sent_back
from dialogues.subflows.identify import shipment_for

flow = register(Flow("return_or_refund_status"))
KNOWN = ("created", "in_transit", "received", "refunded", "rejected", "pending")
_ABOUT_CLAIM = re.compile(r"\b(claims?|replace\w*|new one|compensat\w*|damaged?|broken|missing|lost)\b")
_ABOUT_RETURN = re.compile(r"\b(returns?|returned|send(ing)? (it |them )?back|sent (it |them )?back|posted)\b")
# When the money comes ("when will i get my money back", "how long do refunds take"): the merchant's refund time.
_WHEN_MONEY = re.compile(r"\b(?:when|how\s+long|hw\s+long|how\s+soon)\b.*\b(?:refunds?|money\s+back)\b"
                         r"|\b(?:refunds?|money\s+back)\b.*\b(?:how\s+long|take)\b", re.IGNORECASE)


@flow.start
def start(turn: Turn) -> None:
    if not (turn.nlu.entity("tracking_number") or turn.nlu.entity("order_number")) and not turn.slots.get(
        "tracking_number"
    ):
        own = turn.sender_shipments()
        with_news = [s for s in own if _has_news(turn, s)]
        if len(own) > 1 and len(with_news) == 1:
            turn.remember(tracking_number=with_news[0].tracking_number)
    with_shipment(turn)


def _has_news(turn: Turn, shipment: Shipment) -> bool:
    return bool(cancellation_of(turn, shipment) or claims_on(turn, shipment.tracking_number)
                or turn.backend.return_status(shipment.tracking_number) is not None)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    shipment = shipment_for(turn, then="with_shipment")
    if shipment is None:
        return
    turn.finish()
    tracking = shipment.tracking_number
    claim = next((c for c in claims_on(turn, tracking) if c.status != LINKED), None)
    cancelled = cancellation_of(turn, shipment)
    info = turn.backend.return_status(tracking)
    answers = {
        "claim": (lambda: _tell_claim(turn, shipment, claim)) if claim is not None else None,
        "cancel": (lambda: _tell_cancelled(turn, shipment, cancelled)) if cancelled is not None else None,
        "return": (lambda: tell_return_status(turn, shipment, info)) if info is not None else None,
    }
    for topic in _topics(turn.text):
        answer = answers[topic]
        if answer is not None:
            answer()
            return
    key = "utter_return_status_none"
    whole = turn.message.text or ""  # "i mailed it back already, where is my refund": the part before is narrowed off
    if says_sent_back(whole):
        key = "utter_return_status_none_sent"
    elif _WHEN_MONEY.search(whole):
        key = "utter_return_status_none_when"
    turn.say(key, parcel=parcel_label(shipment), tracking=tracking, refund_time=turn.config.refund_time)
    turn.audit("view_return_status", "none", subject=tracking)


def _topics(text: str) -> tuple[str, ...]:
    """Which of what exists the shopper is asking about, most likely first."""
    low = text.lower()
    if _ABOUT_CLAIM.search(low):
        return ("claim", "return", "cancel")
    if _ABOUT_RETURN.search(low):
        return ("return", "claim", "cancel")
    return ("cancel", "claim", "return")  # "where's my refund": a cancellation's refund is the likeliest


def _tell_claim(turn: Turn, shipment: Shipment, claim: m.DeliveryChange) -> None:
    params = claim.params or {}
    if claim.status == PENDING and claim.action == DAMAGED:
        key = f"utter_claim_status_{params.get('choice') or 'agent'}"
    elif claim.status == PENDING and claim.action == NOT_RECEIVED:
        key = "utter_claim_status_missing"
    elif claim.status == CLOSED:
        key = "utter_claim_status_closed"
    else:
        key = "utter_claim_status_other"
    if not turn.voice.has(key):
        key = "utter_claim_status_other"
    config = turn.config
    turn.say(key, reference=claim.reference or "", parcel=parcel_label(shipment),
             when=day_label(turn, claim.updated_at if claim.status == CLOSED else claim.created_at),
             reply_time=config.claim_reply_time, replacement_time=config.replacement_time,
             refund_time=config.refund_time)
    turn.audit("view_claim_status", claim.status, subject=shipment.tracking_number, reference=claim.reference)


def _tell_cancelled(turn: Turn, shipment: Shipment, cancelled: m.DeliveryChange) -> None:
    order = (cancelled.params or {}).get("order_number") or shipment.order_number or ""
    turn.say("utter_refund_after_cancel", order=order, reference=cancelled.reference or "",
             parcel=parcel_label(shipment), when=day_label(turn, cancelled.created_at),
             refund_time=turn.config.refund_time)
    turn.audit("view_refund_status", "cancelled", subject=shipment.tracking_number, reference=cancelled.reference)


def tell_return_status(turn: Turn, shipment: Shipment, info: ReturnInfo) -> None:
    status = info.status if info.status in KNOWN else "other"
    amount = money(info.refund_amount, shipment.currency) if info.refund_amount is not None else ""
    key = f"utter_return_status_{status}"
    if status == "refunded" and amount:
        key = "utter_return_status_refunded_amount"
    turn.say(
        key,
        parcel=parcel_label(shipment),
        reference=info.reference or "",
        amount=amount,
        when=day_label(turn, info.refunded_at) if info.refunded_at else "",
        status=info.status,
        refund_time=turn.config.refund_time,
    )
    turn.audit("view_return_status", info.status, subject=shipment.tracking_number, reference=info.reference)
