"""SMS over Twilio: POST /twilio/sms.

Thin on purpose: check Twilio's signature, turn the form into an InboundMessage, hand it to the engine,
and render the replies as TwiML. A retried webhook (same MessageSid) gets the same answer and does
nothing twice: the engine's unique constraint on the channel message id sees to that.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from bot.config import Settings
from bot.core.channels import ChannelSpec, spec_for
from bot.core.messages import InboundMessage, Media, Reply
from bot.core.outage import RETRY_AFTER_SECONDS, StoreUnavailable, is_store_outage
from bot.core.phone import InvalidPhoneNumber
from bot.engine import APOLOGY_TEXT, UnknownMerchant
from channels.base import ChannelHub, free_text

log = logging.getLogger(__name__)

MAX_MEDIA = 10
MAX_SID = 64  # messages.channel_message_id; Twilio's are 34


def signed_url(settings: Settings) -> str:
    """The URL Twilio signed: the public one when we sit behind a proxy or tunnel."""
    base = settings.public_base_url
    if base:
        return base + request.full_path.rstrip("?")
    return request.url


def signature_ok(settings: Settings) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(settings.twilio_auth_token)
    return validator.validate(signed_url(settings), request.form.to_dict(flat=True), signature)


def sign_form(auth_token: str, url: str, form: dict[str, str]) -> str:
    """The X-Twilio-Signature Twilio would send for this form (for benchmarks and local tools)."""
    return RequestValidator(auth_token).compute_signature(url, form)


def plain(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


def twiml(replies: list[Reply], spec: ChannelSpec) -> Response:
    """The replies as TwiML; a reply's choices as numbered text (SMS has no buttons)."""
    response = MessagingResponse()
    for reply in replies:
        msg = response.message(reply.as_text(spec))
        for url in reply.media_urls:
            msg.media(url)
    return Response(str(response), mimetype="application/xml")


def parse_media(form: MultiDict[str, str]) -> tuple[Media, ...]:
    try:
        count = min(int(form.get("NumMedia", "0") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    media = []
    for i in range(count):
        url = form.get(f"MediaUrl{i}")
        if url:
            media.append(Media(url=url, content_type=form.get(f"MediaContentType{i}", "")))
    return tuple(media)


def inbound_from_form(channel: str, form: MultiDict[str, str]) -> InboundMessage:
    return InboundMessage(
        channel=channel,
        sender=form.get("From", ""),
        recipient=form.get("To", ""),
        text=form.get("Body", ""),
        media=parse_media(form),
        channel_message_id=form.get("MessageSid") or form.get("SmsMessageSid"),
    )


def handle(hub: ChannelHub, channel: str) -> Response:
    if not signature_ok(hub.settings):
        return plain(403, "Invalid or missing X-Twilio-Signature.")
    form = request.form
    missing = [f for f in ("From", "To", "MessageSid") if not form.get(f)]
    if missing:
        return plain(400, f"Missing field(s): {', '.join(missing)}.")
    if len(form["MessageSid"]) > MAX_SID:
        return plain(400, f"MessageSid is longer than {MAX_SID} characters.")
    message = inbound_from_form(channel, form)
    try:
        outcome = hub.handle(message)
    except InvalidPhoneNumber as exc:
        return plain(400, f"Bad phone number: {exc}")
    except UnknownMerchant:
        return plain(404, f"No merchant uses the number {message.recipient} on {channel}.")
    except StoreUnavailable as exc:
        # 200 with an apology, not a 5xx: Twilio doesn't retry a failed SMS webhook unless told to per URL, and
        # then only for seconds; a 5xx would leave the shopper in silence (docs/faults.md).
        return twiml([Reply(exc.reply)], spec_for(channel))
    return twiml(outcome.replies, spec_for(channel))


def apology(text: str) -> Response:
    """TwiML saying `text`: the error handler's answer on a Twilio webhook, so a shopper never hears nothing."""
    return twiml([Reply(text)], spec_for("sms"))


def receipt(hub: ChannelHub) -> Response:
    """Twilio's delivery receipt (StatusCallback) for a message we sent: signed like an inbound message;
    recorded on the message so the merchant's results count what reached a phone. An empty 204 once recorded:
    Twilio only needs to know we have it; not recorded, a 503 or 500 (receipt_failed), never TwiML."""
    if not signature_ok(hub.settings):
        return plain(403, "Invalid or missing X-Twilio-Signature.")
    form = request.form
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not status or len(sid) > MAX_SID:
        return plain(400, "MessageSid and MessageStatus are required.")
    hub.receipt(sid, status.lower()[:20], (form.get("ErrorCode") or None))
    return Response(status=204)


def receipt_failed(exc: Exception) -> Response:
    """A delivery receipt we could not record: nobody reads a reply to a status callback, so TwiML would only hide
    the loss. The database away is a 503 with Retry-After, which Twilio retries where its connection overrides
    ask it to (docs/faults.md); anything else, a logged 500."""
    if is_store_outage(exc):
        log.warning("database unavailable: delivery receipt not recorded (%s)", exc.__class__.__name__)
        response = plain(503, "Briefly unavailable: the receipt was not recorded; please send it again.")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    log.exception("unhandled error recording a delivery receipt")
    return plain(500, "The receipt was not recorded; it has been logged.")


class TwilioSmsChannel:
    name = "sms"

    def blueprint(self, hub: ChannelHub) -> Blueprint:
        bp = Blueprint("twilio_sms", __name__)

        @bp.post("/twilio/sms")
        @free_text("Body")  # a NUL in what the shopper wrote is dropped; one in To or MessageSid is a 400
        def sms() -> Response:
            return handle(hub, "sms")

        @bp.post("/twilio/status")
        def status() -> Response:
            return receipt(hub)

        @bp.errorhandler(Exception)
        def broken(exc: Exception) -> Response:
            if isinstance(exc, HTTPException):
                return plain(exc.code or 500, str(exc.description or exc.name))
            if request.endpoint == "twilio_sms.status":
                return receipt_failed(exc)
            # Whatever broke, Twilio gets TwiML the shopper reads: a plain 500 would be silence (docs/faults.md).
            log.exception("unhandled error on the SMS webhook")
            return apology(APOLOGY_TEXT)

        return bp
