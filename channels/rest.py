"""A Rasa-compatible REST channel: POST /webhooks/rest/webhook {"sender", "message"}.

Anything that already talks to Rasa's REST channel (test harnesses, web chat widgets) can talk to
Parcelbot. The sender is a session id, not a phone number, so nothing about a parcel is shown until
the person proves they are its recipient. Which merchant: ?merchant=SLUG, else the only one. A reply's
choices come as Rasa `buttons` ({"title", "payload"}); sending a payload back as the message answers.

What is sent to the chat later, not in answer to its own message (a person's reply, "Sam has joined"), the
chat reads with POST /webhooks/rest/messages {"sender", "after"}: the same shape, each with its `id`, oldest
first; `after` is the last id it has. The sender is the credential, as for the webhook (a web chat's is 128
random bits), so it travels in the body, never in a URL that logs keep. No push yet: the chat asks every few
seconds while it is open (bot/web/static/demo.js).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, request

from bot.core.channels import spec_for
from bot.core.json_limits import MAX_DEPTH, AmbiguousJSON, strict_loads, too_deep
from bot.core.messages import InboundMessage, Reply
from bot.core.outage import RETRY_AFTER_SECONDS, StoreUnavailable
from bot.engine import UnknownMerchant
from channels.base import ChannelHub

NAME = "rest"
# The sender becomes the conversation's address: no control characters or lone surrogates (unstorable).
_UNPRINTABLE = re.compile(r"[\u0000-\u001f\u007f\ud800-\udfff]")
# A chat turn is a sender, a message and perhaps some metadata: far below these. Bounding size and nesting
# before parsing keeps a hostile body from costing much, and deep nesting from overflowing the parser's
# recursion (a RecursionError, i.e. a 500) instead of getting the 400 every other malformed body gets.
MAX_BODY_BYTES = 256 * 1024
_SHAPE = "Send a JSON object: {\"sender\": \"...\", \"message\": \"...\"}"


def _json_body() -> tuple[Any, tuple[Response, int] | None]:
    """The parsed body, or the 4xx answer for a body we won't parse."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return None, (jsonify(error=f"Request body over {MAX_BODY_BYTES // 1024} KB"), 413)
    if not request.is_json:
        return None, (jsonify(error=_SHAPE), 400)
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY_BYTES:  # chunked bodies have no Content-Length
        return None, (jsonify(error=f"Request body over {MAX_BODY_BYTES // 1024} KB"), 413)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, (jsonify(error="The body must be UTF-8 JSON"), 400)
    if too_deep(text):
        return None, (jsonify(error=f"JSON nested deeper than {MAX_DEPTH} levels"), 400)
    try:
        return strict_loads(text), None
    except AmbiguousJSON as exc:  # {"message": "a", "message": "b"}: which did the chat mean? (review 8)
        return None, (jsonify(error=f"{exc}: {_SHAPE}"), 400)
    except (ValueError, RecursionError):  # RecursionError: a backstop; too_deep should have caught it
        return None, (jsonify(error=_SHAPE), 400)


def render(sender: str, reply: Reply) -> dict[str, Any]:
    """One reply as Rasa's REST channel sends it: text, an image, and the choices as buttons."""
    out: dict[str, Any] = {"recipient_id": sender, "text": reply.text}
    if reply.media_urls:
        out["image"] = reply.media_urls[0]
    if reply.choices:
        if spec_for(NAME).buttons >= len(reply.choices):
            out["buttons"] = [{"title": c.title, "payload": c.payload} for c in reply.choices]
        else:
            out["text"] = reply.as_text(spec_for(NAME))
    return out


class RestChannel:
    name = NAME

    def blueprint(self, hub: ChannelHub) -> Blueprint:
        bp = Blueprint("rest", __name__)

        @bp.post("/webhooks/rest/webhook")
        def webhook() -> Response | tuple[Response, int]:
            return _webhook(hub)

        @bp.post("/webhooks/rest/messages")
        def messages() -> Response | tuple[Response, int]:
            return _messages(hub)

        return bp


def _sender(data: Any) -> tuple[str, tuple[Response, int] | None]:
    """The body's sender (a session id), or the 4xx answer for a body without a usable one."""
    if not isinstance(data, dict):
        return "", (jsonify(error=_SHAPE), 400)
    sender = data.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > 100 or _UNPRINTABLE.search(sender):
        return "", (jsonify(error="'sender' must be a non-empty string of at most 100 printable characters"), 422)
    return sender, None


def _webhook(hub: ChannelHub) -> Response | tuple[Response, int]:
    data, refused = _json_body()
    if refused is not None:
        return refused
    sender, refused = _sender(data)
    if refused is not None:
        return refused
    text = data.get("message")
    if text is not None and not isinstance(text, str):
        return jsonify(error="'message' must be a string"), 422
    try:
        slug = request.args.get("merchant") or hub.only_merchant()
        if slug is None:
            return jsonify(error="Several merchants here: add ?merchant=SLUG"), 400
        message = InboundMessage(channel=NAME, sender=f"rest:{sender.strip()}", recipient=slug, text=text or "")
        outcome = hub.handle(message)
    except UnknownMerchant:
        return jsonify(error=f"No merchant {slug!r}"), 404
    except StoreUnavailable as exc:
        # The message was not stored: a 503 (a caller may send it again) whose body a chat widget can still show.
        response = jsonify([render(sender, Reply(exc.reply))])
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response, 503
    return jsonify([render(sender, r) for r in outcome.replies])


def _messages(hub: ChannelHub) -> Response | tuple[Response, int]:
    data, refused = _json_body()
    if refused is None:
        sender, refused = _sender(data)
    if refused is not None:
        return refused
    after = data.get("after", 0)
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after < 2**63:
        return jsonify(error="'after' must be the id of the last message the chat has (0 for none)"), 422
    try:
        slug = request.args.get("merchant") or hub.only_merchant()
        if slug is None:
            return jsonify(error="Several merchants here: add ?merchant=SLUG"), 400
        sent = hub.sent_to(slug, NAME, f"rest:{sender.strip()}", after)
    except UnknownMerchant:
        return jsonify(error=f"No merchant {slug!r}"), 404
    except StoreUnavailable:
        response = jsonify(error="Try again shortly")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response, 503
    return jsonify([{**render(sender, reply), "id": message_id} for message_id, reply in sent])
