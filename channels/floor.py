"""The framework floor for `parcelbot bench load`: Flask, the Twilio signature check and TwiML, nothing else.

Served by the same gunicorn settings as the bot in the same benchmark run, it measures what any Twilio webhook
on this machine costs before a single line of Parcelbot runs (request parsing, the HMAC check, rendering a
reply), so the bot's figures can be read as a ratio to it rather than as absolutes from a shared, noisy box.
It lives in channels/ because only channels/ may import flask and twilio. Run it by hand with
`TWILIO_AUTH_TOKEN=... PARCELBOT_PUBLIC_URL=https://... gunicorn 'channels.floor:app'`.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse


def create_floor_app(auth_token: str, public_url: str) -> Flask:
    """POST /twilio/sms: 403 without a valid signature, else one TwiML message; GET /healthz: ok."""
    app = Flask("parcelbot-floor")
    validator = RequestValidator(auth_token)
    base = public_url.rstrip("/")

    @app.post("/twilio/sms")
    def sms() -> Response:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(base + request.full_path.rstrip("?"), request.form.to_dict(flat=True), signature):
            return Response("Invalid or missing X-Twilio-Signature.\n", status=403, mimetype="text/plain")
        reply = MessagingResponse()
        reply.message(f"Thanks, we got your message: {request.form.get('Body', '')[:100]}")
        return Response(str(reply), mimetype="application/xml")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _from_env() -> Flask:
    return create_floor_app(os.environ.get("TWILIO_AUTH_TOKEN", ""), os.environ.get("PARCELBOT_PUBLIC_URL", ""))


def __getattr__(name: str) -> Flask:
    """`gunicorn channels.floor:app` builds the app from the environment on first access (not at import)."""
    if name == "app":
        return _from_env()
    raise AttributeError(name)
