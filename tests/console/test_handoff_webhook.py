"""The merchant's handoff webhook: a shopper waiting for a person is POSTed, signed with the secret named in
the environment, after commit; no webhook, an unset secret or plain http elsewhere sends nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import responses
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.pending import DONE, FAILED, PENDING, WEBHOOK, PendingWrite, store_pending
from backend.retry import retry_pending
from bot.jobs.webhooks import send_due_webhooks
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.helpers import sms_form, twilio_post

HOOK = "https://helpdesk.example/hooks/parcelbot"


def _configure(runtime, url: str = HOOK) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        shop = s.query(m.Merchant).filter_by(slug="demo").one()
        shop.settings = {**(shop.settings or {}),
                         "handoff_webhook": {"url": url, "secret_env": "MERCHANT_DEMO__HOOK_SECRET"}}


def _ask_for_a_person(client) -> None:  # noqa: ANN001
    twilio_post(client, "/twilio/sms", sms_form("can I talk to a real person"), token=TWILIO_TOKEN,
                public_url=PUBLIC_URL)


@responses.activate
def test_a_handoff_is_posted_signed(runtime, demo, client, monkeypatch):
    monkeypatch.setenv("MERCHANT_DEMO__HOOK_SECRET", "s3cret-from-the-environment")
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
    monkeypatch.delenv("MERCHANT_DEMO__HOOK_SECRET", raising=False)
    _configure(runtime)
    _ask_for_a_person(client)
    monkeypatch.setenv("MERCHANT_DEMO__HOOK_SECRET", "x" * 20)
    _configure(runtime, "http://helpdesk.example/hook")
    twilio_post(client, "/twilio/sms", sms_form("BOT"), token=TWILIO_TOKEN, public_url=PUBLIC_URL)
    assert not [c for c in responses.calls if "helpdesk.example" in c.request.url]


def _kept(runtime) -> list[m.PendingRequest]:  # noqa: ANN001
    with runtime.sessions() as s:
        return list(s.scalars(select(m.PendingRequest).where(m.PendingRequest.kind == WEBHOOK)))


@responses.activate
def test_a_helpdesk_that_is_down_gets_the_handoff_later_exactly_once(runtime, demo, client, monkeypatch):
    """A helpdesk restarting (503) used to lose the handoff after three tries in the same second. The event is kept
    in the handoff's own transaction and tried again on the pending writes' backoff by the periodic send_webhooks."""
    monkeypatch.setenv("MERCHANT_DEMO__HOOK_SECRET", "s3cret-from-the-environment")
    _configure(runtime)
    responses.add(responses.POST, HOOK, status=503)
    responses.add(responses.POST, HOOK, status=204)
    _ask_for_a_person(client)
    calls = [c for c in responses.calls if c.request.url == HOOK]
    assert len(calls) == 1, "one POST an attempt, not three in a row"
    [kept] = _kept(runtime)
    assert (kept.status, kept.attempts, kept.last_error) == (PENDING, 1, "HTTP 503")
    assert send_due_webhooks(runtime) == 0, "not due yet: the backoff"
    later = runtime.clock() + timedelta(minutes=3)
    assert send_due_webhooks(runtime, later) == 1
    calls = [c for c in responses.calls if c.request.url == HOOK]
    assert len(calls) == 2 and calls[1].request.body == calls[0].request.body, "the same event, as it was"
    assert [(k.status, k.attempts) for k in _kept(runtime)] == [(DONE, 2)]
    assert send_due_webhooks(runtime, later + timedelta(hours=3)) == 0, "taken once: never sent again"
    assert len([c for c in responses.calls if c.request.url == HOOK]) == 2


@responses.activate
def test_a_webhook_the_helpdesk_refuses_is_not_tried_again_and_carrier_retries_leave_webhooks_alone(
        runtime, demo, client, monkeypatch):  # noqa: ANN001
    monkeypatch.setenv("MERCHANT_DEMO__HOOK_SECRET", "s3cret-from-the-environment")
    _configure(runtime)
    responses.add(responses.POST, HOOK, status=410)
    with transaction(runtime.sessions) as s:  # a handoff kept but not yet sent: the carriers' retry job skips it
        store_pending(s, merchant_id=demo.id, write=PendingWrite(WEBHOOK, {"event": {"kind": "x"}}, "webhook:t", ""),
                      first_try_at=runtime.clock())
        retry_pending(s, lambda _m: runtime.backends(s, _m, runtime.clock()), runtime.clock() + timedelta(days=1))
    assert [(k.status, k.attempts) for k in _kept(runtime)] == [(PENDING, 0)]
    _ask_for_a_person(client)
    assert send_due_webhooks(runtime, runtime.clock() + timedelta(days=1)) == 0
    assert len([c for c in responses.calls if c.request.url == HOOK]) == 2  # the kept one and the new one, once each
    assert sorted((k.status, k.attempts, k.last_error) for k in _kept(runtime)) == [(FAILED, 1, "HTTP 410")] * 2
