"""Twilio's REST API answers 429 or 5xx when the outbox sends: the message waits (Retry-After honoured when Twilio
gives one, else the outbox's own backoff), each failure is recorded on the message (its error and attempts), and
after the last try it ends "failed" with the reason, never sent twice and never silently dropped. Twilio is mocked
at the HTTP layer with `responses`; the sender is the real TwilioSender."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import responses

from backend import models as m
from backend.db import transaction
from bot.core.outbox import queue_message
from bot.jobs.send_outbox import MAX_ATTEMPTS, MAX_WAIT, send_due
from channels.twilio_send import TwilioSender

SID = "AC" + "fa" * 16
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"


def _error(status: int, headers: dict[str, str] | None = None) -> dict:
    body = json.dumps({"code": 20429 if status == 429 else 20500, "message": "busy", "more_info": "", "status": status})
    return {"status": status, "body": body, "headers": headers or {}, "content_type": "application/json"}


def _sent(_request) -> tuple[int, dict, str]:  # noqa: ANN001
    return 201, {}, json.dumps({"sid": "SM" + uuid.uuid4().hex, "status": "queued"})


@pytest.fixture
def queued(runtime, demo) -> int:  # noqa: ANN001
    with transaction(runtime.sessions) as session:
        return queue_message(session, merchant=session.merge(demo), channel="sms", to="+447700900456",
                             body="Your parcel is on its way").id


def _row(runtime, message_id: int) -> m.Message:  # noqa: ANN001
    with runtime.sessions() as session:
        return session.get(m.Message, message_id)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@responses.activate
def test_a_429_waits_as_long_as_twilio_s_retry_after_says_then_sends_once(runtime, queued):
    twilio, t0 = TwilioSender(SID, "auth-token"), datetime.now(UTC)
    responses.add(responses.POST, MESSAGES_URL, **_error(429, {"Retry-After": "600"}))
    responses.add_callback(responses.POST, MESSAGES_URL, callback=_sent)
    assert send_due(runtime, now=t0, sender=twilio) == 0
    row = _row(runtime, queued)
    assert (row.status, row.attempts) == ("queued", 1) and "429" in (row.error or "")  # recorded on the message
    assert send_due(runtime, now=t0 + timedelta(minutes=5), sender=twilio) == 0  # our own backoff (30 s) is shorter
    assert len(responses.calls) == 1  # Twilio not asked again before its Retry-After
    assert send_due(runtime, now=t0 + timedelta(minutes=11), sender=twilio) == 1
    row = _row(runtime, queued)
    assert (row.status, row.error, len(responses.calls)) == ("sent", None, 2) and row.channel_message_id
    assert send_due(runtime, now=t0 + timedelta(hours=1), sender=twilio) == 0 and len(responses.calls) == 2


@responses.activate
def test_a_retry_after_longer_than_the_outbox_waits_is_capped(runtime, queued):
    twilio, t0 = TwilioSender(SID, "auth-token"), datetime.now(UTC)
    responses.add(responses.POST, MESSAGES_URL, **_error(429, {"Retry-After": str(7 * 24 * 3600)}))
    responses.add_callback(responses.POST, MESSAGES_URL, callback=_sent)
    send_due(runtime, now=t0, sender=twilio)
    assert send_due(runtime, now=t0 + MAX_WAIT + timedelta(seconds=1), sender=twilio) == 1


@responses.activate
def test_5xx_every_time_is_retried_with_backoff_then_failed_with_the_reason(runtime, queued):
    twilio, t0 = TwilioSender(SID, "auth-token"), datetime.now(UTC)
    responses.add(responses.POST, MESSAGES_URL, **_error(503))
    at = t0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert send_due(runtime, now=at, sender=twilio) == 0
        row = _row(runtime, queued)
        assert row.attempts == attempt and "503" in (row.error or "")
        if attempt < MAX_ATTEMPTS:
            assert row.status == "queued" and _aware(row.send_after) > at  # backing off
            at = _aware(row.send_after) + timedelta(seconds=1)
    row = _row(runtime, queued)
    assert row.status == "failed" and "503" in row.error  # the final status, with why
    assert send_due(runtime, now=at + timedelta(days=1), sender=twilio) == 0
    assert len(responses.calls) == MAX_ATTEMPTS  # never more tries than promised
