"""Delivery receipts: Twilio posts each sent message's fate to /twilio/status (the StatusCallback we give it
when sending), signed like an inbound message. The message's status moves forward only (a late "sent" after
"delivered" changes nothing), and the merchant's results count what reached a phone and what didn't."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import responses
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.outbox import queue_message
from bot.core.receipts import KEEP_EARLY
from bot.jobs.send_outbox import send_due
from bot.services.outcomes import compute, window_for
from channels.twilio_send import TwilioSender
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.helpers import twilio_post


def _sent(runtime, demo, sid: str) -> int:  # noqa: ANN001
    with transaction(runtime.sessions) as session:
        msg = queue_message(session, merchant=session.merge(demo), channel="sms", to="+447700900123",
                            body="Your parcel is on its way", dedupe_key=f"notify:{sid}").message  # a notification
        msg.status, msg.channel_message_id, msg.sent_at = "sent", sid, datetime.now(UTC)
        return msg.id


def _receipt(client, sid: str, status: str, **extra: str):  # noqa: ANN001, ANN202
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32, **extra}
    return twilio_post(client, "/twilio/status", form, token=TWILIO_TOKEN, public_url=PUBLIC_URL)


def _status(runtime, message_id: int) -> tuple[str, str | None]:  # noqa: ANN001
    with runtime.sessions() as session:
        msg = session.get(m.Message, message_id)
        return msg.status, msg.error


def test_a_delivered_receipt_is_recorded_and_a_late_sent_does_not_undo_it(runtime, demo, client):
    mid = _sent(runtime, demo, "SM" + "a" * 32)
    assert _receipt(client, "SM" + "a" * 32, "delivered").status_code == 204
    assert _status(runtime, mid) == ("delivered", None)
    assert _receipt(client, "SM" + "a" * 32, "sent").status_code == 204  # out of order: changes nothing
    assert _status(runtime, mid) == ("delivered", None)


def test_an_undelivered_receipt_marks_the_message_failed_with_the_error(runtime, demo, client):
    mid = _sent(runtime, demo, "SM" + "b" * 32)
    _receipt(client, "SM" + "b" * 32, "undelivered", ErrorCode="30003")
    status, error = _status(runtime, mid)
    assert status == "failed" and "30003" in error


def test_a_receipt_must_be_signed_and_name_a_message(runtime, demo, client):
    mid = _sent(runtime, demo, "SM" + "c" * 32)
    forged = twilio_post(client, "/twilio/status", {"MessageSid": "SM" + "c" * 32, "MessageStatus": "failed"},
                         token=TWILIO_TOKEN, public_url=PUBLIC_URL, signature="forged")
    assert forged.status_code == 403 and _status(runtime, mid) == ("sent", None)
    assert _receipt(client, "", "delivered").status_code == 400
    assert _receipt(client, "SM" + "d" * 32, "delivered").status_code == 204  # not ours: nothing to record


def test_results_count_the_receipts(runtime, demo, client):
    failed = _sent(runtime, demo, "SM" + "e" * 32)
    _sent(runtime, demo, "SM" + "f" * 32)
    _receipt(client, "SM" + "e" * 32, "undelivered", ErrorCode="30005")
    _receipt(client, "SM" + "f" * 32, "delivered")
    assert _status(runtime, failed)[0] == "failed"
    today = datetime.now(UTC).date()
    with runtime.sessions() as session:
        merchant = session.merge(demo)
        figures = compute(session, merchant, window_for(merchant, today - timedelta(days=1), today + timedelta(days=2)))
    failures = figures.service.notification_failures
    assert (failures.numerator, failures.denominator) == (1, 2)


def test_with_the_database_away_a_receipt_is_a_503_to_retry_never_twiml(env, interpreter):  # noqa: ANN001
    """A receipt is not a shopper's message: an apology in TwiML (what the SMS webhook answers in an outage) said
    200 to Twilio and the receipt was lost. Now a 503 with Retry-After: not recorded, send it again."""
    from bot.config import Settings
    from bot.runtime import build_runtime
    from bot.web import create_app

    dead = Settings.from_env({**env, "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"})
    rt = build_runtime(dead, interpreter=interpreter, synchronous_jobs=True)
    try:
        response = _receipt(create_app(runtime=rt).test_client(), "SM" + "d" * 32, "delivered")
        assert response.status_code == 503 and response.mimetype == "text/plain"
        assert response.headers["Retry-After"].isdigit()
        assert "<Response>" not in response.get_data(as_text=True)
    finally:
        rt.close()


ACCOUNT = "AC" + "ea" * 16
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


def _queued(runtime, demo) -> int:  # noqa: ANN001
    with transaction(runtime.sessions) as session:
        return queue_message(session, merchant=session.merge(demo), channel="sms", to="+447700900123",
                             body="Your parcel is on its way").message.id


def _kept_early(runtime) -> list[tuple[str, str]]:  # noqa: ANN001
    with runtime.sessions() as session:
        return [(r.channel_message_id, r.receipt) for r in session.scalars(select(m.EarlyReceipt))]


@pytest.mark.parametrize(("receipts", "expected"), [
    (["sent", "delivered", "sent"], ("delivered", None)),
    (["undelivered"], ("failed", "the provider could not deliver it (undelivered, error 30003)")),
])
@responses.activate
def test_a_receipt_that_comes_before_the_send_is_recorded_is_applied_when_it_is(runtime, demo, client, receipts,
                                                                                expected):
    """Twilio may call back before its answer to the send reaches us, so before the sender's transaction has stored
    the MessageSid: such receipts were dropped ("not ours") and the message stayed "sent" for ever. They now wait
    for the send's record, out-of-order ones included, and are applied with it."""
    sid, message_id = "SM" + uuid.uuid4().hex, _queued(runtime, demo)

    def twilio(_request):  # noqa: ANN001, ANN202 - Twilio took it, and its callbacks overtake its answer
        for receipt in receipts:
            assert _receipt(client, sid, receipt, ErrorCode="30003").status_code == 204
        assert [s for s, _ in _kept_early(runtime)] == [sid]
        return 201, {}, json.dumps({"sid": sid, "status": "queued"})

    responses.add_callback(responses.POST, MESSAGES_URL, callback=twilio)
    assert send_due(runtime, sender=TwilioSender(ACCOUNT, "auth-token")) == 1
    assert _status(runtime, message_id) == expected
    assert _kept_early(runtime) == []  # applied, and not kept any more


def test_a_receipt_no_send_ever_claims_is_kept_a_day_then_purged(runtime, demo, client):
    sid = "SM" + uuid.uuid4().hex
    assert _receipt(client, sid, "delivered").status_code == 204
    assert _kept_early(runtime) == [(sid, "delivered")]
    runtime.enqueue("purge_early_receipts")
    assert _kept_early(runtime) == [(sid, "delivered")]  # kept while its send may still be recorded
    later = datetime.now(UTC) + KEEP_EARLY + timedelta(minutes=1)
    runtime.set_clock(lambda: later)
    runtime.enqueue("purge_early_receipts")
    assert _kept_early(runtime) == []
