"""A Rasa-compatible REST channel: POST /webhooks/rest/webhook {"sender", "message"}.

Anything that already talks to Rasa's REST channel (test harnesses, web chat widgets) can talk to
Parcelbot. The sender is a session id, not a phone number, so nothing about a parcel is shown until
the person proves they are its recipient. Which merchant: ?merchant=SLUG, else the only one.
"""

from __future__ import annotations

import re

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from backend import models as m
from bot.engine import UnknownMerchant
from bot.messages import InboundMessage
from channels.web import runtime

bp = Blueprint("rest", __name__)
# The sender becomes the conversation's address: no control characters or lone surrogates (unstorable).
_UNPRINTABLE = re.compile(r"[\u0000-\u001f\u007f\ud800-\udfff]")


def _merchant_slug() -> str | None:
    slug = request.args.get("merchant")
    if slug:
        return slug
    with runtime().sessions() as session:
        slugs = list(session.scalars(select(m.Merchant.slug).limit(2)))
    return slugs[0] if len(slugs) == 1 else None


@bp.post("/webhooks/rest/webhook")
def webhook():  # noqa: ANN201
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(error="Send a JSON object: {\"sender\": \"...\", \"message\": \"...\"}"), 400
    sender, text = data.get("sender"), data.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > 100 or _UNPRINTABLE.search(sender):
        return jsonify(error="'sender' must be a non-empty string of at most 100 printable characters"), 422
    if text is not None and not isinstance(text, str):
        return jsonify(error="'message' must be a string"), 422
    slug = _merchant_slug()
    if slug is None:
        return jsonify(error="Several merchants here: add ?merchant=SLUG"), 400
    message = InboundMessage(channel="rest", sender=f"rest:{sender.strip()}", recipient=slug, text=text or "")
    try:
        outcome = runtime().engine.handle(message)
    except UnknownMerchant:
        return jsonify(error=f"No merchant {slug!r}"), 404
    return jsonify([{"recipient_id": sender, "text": r.text, **({"image": r.media_urls[0]} if r.media_urls else {})}
                    for r in outcome.replies])
