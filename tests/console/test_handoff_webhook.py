"""The merchant's handoff webhook: a shopper waiting for a person is POSTed, signed with the secret named in
the environment, after commit; no webhook, an unset secret or plain http elsewhere sends nothing."""

from __future__ import annotations

import hashlib
import hmac
import json

import responses

from backend import models as m
from backend.db import transaction
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.helpers import sms_form, twilio_post

HOOK = "https://helpdesk.example/hooks/parcelbot"


def _configure(runtime, url: str = HOOK) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        shop = s.query(m.Merchant).filter_by(slug="demo").one()
        shop.settings = {**(shop.settings or {}), "handoff_webhook": {"url": url, "secret_env": "ACME_HOOK_SECRET"}}


def _ask_for_a_person(client) -> None:  # noqa: ANN001
    twilio_post(client, "/twilio/sms", sms_form("can I talk to a real person"), token=TWILIO_TOKEN,
                public_url=PUBLIC_URL)


@responses.activate
def test_a_handoff_is_posted_signed(runtime, demo, client, monkeypatch):
    monkeypatch.setenv("ACME_HOOK_SECRET", "s3cret-from-the-environment")
    _configure(runtime)
    responses.add(responses.POST, HOOK, status=204)
    _ask_for_a_person(client)
    calls = [c for c in responses.calls if c.request.url == HOOK]
    assert len(calls) == 1
    body = calls[0].request.body
    event = json.loads(body)
    assert event["kind"] == "conversation_status" and event["status"] == "waiting"
    assert event["reason"] == "shopper_asked" and event["previous"] == "bot"
    stamp, mac = calls[0].request.headers["X-Parcelbot-Signature"].split(",")
    t = stamp.removeprefix("t=")
    expected = hmac.new(b"s3cret-from-the-environment", f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert mac == f"v1={expected}"


@responses.activate
def test_without_its_secret_or_over_plain_http_nothing_is_sent(runtime, demo, client, monkeypatch):
    monkeypatch.delenv("ACME_HOOK_SECRET", raising=False)
    _configure(runtime)
    _ask_for_a_person(client)
    monkeypatch.setenv("ACME_HOOK_SECRET", "x" * 20)
    _configure(runtime, "http://helpdesk.example/hook")
    twilio_post(client, "/twilio/sms", sms_form("BOT"), token=TWILIO_TOKEN, public_url=PUBLIC_URL)
    assert not [c for c in responses.calls if "helpdesk.example" in c.request.url]
