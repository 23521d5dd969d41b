"""The outbox sender: sandbox by default, Twilio's real client when configured (only its HTTP is mocked, with
`responses`), retries with backoff, never to an opted-out number; and the Celery app that runs it."""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
import requests
import responses
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backend import models as m
from backend.db import transaction
from bot.core import outbox
from bot.core.outbox import queue_message, text_once
from bot.core.sending import SandboxSender
from bot.jobs.schedule import SCHEDULE
from bot.jobs.send_outbox import MAX_ATTEMPTS, send_due
from bot.jobs.ticker import start_ticker
from bot.runtime import sender_for
from tests.api.support import interpreter  # noqa: F401 - fixture: no NLU needed here

SID = "AC" + "1234567890abcdef" * 2
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def queue(runtime, demo, to="+447700900123", *, channel="sms", body="Your parcel is on its way", media=()):  # noqa: ANN001, ANN201
    with transaction(runtime.sessions) as session:
        msg = queue_message(session, merchant=session.merge(demo), channel=channel, to=to, body=body,
                            media_urls=list(media)).message
        return msg.id


def message(runtime, message_id) -> m.Message:  # noqa: ANN001
    with runtime.sessions() as session:
        return session.get(m.Message, message_id)


def twilio_json(form: dict) -> dict:
    sid = "SM" + uuid.uuid4().hex
    return {
        "account_sid": SID, "api_version": "2010-04-01", "body": form["Body"][0], "date_created": "Mon, 23 Nov 2026 "
        "10:00:00 +0000", "date_sent": None, "date_updated": "Mon, 23 Nov 2026 10:00:00 +0000",
        "direction": "outbound-api", "error_code": None, "error_message": None, "from": form["From"][0],
        "messaging_service_sid": None, "num_media": str(len(form.get("MediaUrl", []))), "num_segments": "1",
        "price": None, "price_unit": "USD", "sid": sid, "status": "queued", "to": form["To"][0],
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{SID}/Messages/{sid}/Media.json"},
        "uri": f"/2010-04-01/Accounts/{SID}/Messages/{sid}.json",
    }


def accept(request):  # noqa: ANN001, ANN201 - a responses callback answering as Twilio does
    import json

    return 201, {"Content-Type": "application/json"}, json.dumps(twilio_json(parse_qs(request.body)))


def twilio_error(status: int, code: int, message: str) -> dict:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


@pytest.fixture
def twilio(settings):  # noqa: ANN001, ANN201
    real = dataclasses.replace(settings, twilio_account_sid=SID)
    assert real.twilio_sending_enabled
    return sender_for(real)


# -- sandbox ----------------------------------------------------------------------------------------------
def test_without_twilio_the_sandbox_keeps_messages_readable(runtime, demo):
    assert not runtime.settings.twilio_sending_enabled
    assert isinstance(sender_for(runtime.settings), SandboxSender)
    first, second = queue(runtime, demo), queue(runtime, demo, body="Second")
    assert send_due(runtime, now=T0) == 2
    for mid in (first, second):
        msg = message(runtime, mid)
        assert msg.status == "sandbox" and msg.sent_at == T0 and msg.attempts == 1
    assert send_due(runtime, now=T0) == 0  # nothing twice


def test_a_message_held_for_later_waits(runtime, demo):
    with transaction(runtime.sessions) as session:
        held = queue_message(session, merchant=session.merge(demo), channel="sms", to="+447700900123", body="Later",
                             send_after=T0 + timedelta(hours=1)).message.id
    assert send_due(runtime, now=T0) == 0 and message(runtime, held).status == "queued"
    assert send_due(runtime, now=T0 + timedelta(hours=1)) == 1 and message(runtime, held).status == "sandbox"


def test_a_taken_dedupe_key_answers_with_the_message_queued_before(runtime, demo):
    """The outbox, not each caller, finds the earlier message: a job run twice gets the first text back (and is
    told it existed, so it announces nothing), not None to look up again. Even after STOP: nothing new is sent."""
    def once(body: str) -> tuple[int, bool, str]:
        with transaction(runtime.sessions) as session:
            queued = queue_message(session, merchant=session.merge(demo), channel="sms", to="+447700900456",
                                   body=body, dedupe_key="notify:PB123:delivered")
            return queued.message.id, queued.existed, queued.message.body

    first, existed, _ = once("Delivered")
    assert not existed
    with transaction(runtime.sessions) as session:
        session.add(m.Contact(merchant_id=demo.id, phone="+447700900456", opted_out_at=T0))
    assert once("Delivered, again") == (first, True, "Delivered")
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(m.Message).where(
            m.Message.dedupe_key == "notify:PB123:delivered")) == 1


def test_text_once_queues_announces_and_sends_once_per_key_and_never_after_stop(runtime, demo):
    """text_once, the way outcomes, payments' news, notifications and codes are queued: the first call for a key
    stores, announces and asks for the sender; a repeat or a STOP does none of it and answers None."""
    published, asked = [], []

    def once(to: str, key: str) -> int | None:
        with transaction(runtime.sessions) as session:
            msg = text_once(session, published.append, merchant=session.merge(demo), channel="sms", to=to,
                            body="Done", dedupe_key=key, enqueue=asked.append)
            return None if msg is None else msg.id

    first = once("+447700900456", "outcome:k1")
    assert first is not None and [e.message_id for e in published] == [first] and asked == ["send_outbox"]
    assert once("+447700900456", "outcome:k1") is None
    with transaction(runtime.sessions) as session:
        session.add(m.Contact(merchant_id=demo.id, phone="+447700900789", opted_out_at=T0))
    assert once("+447700900789", "outcome:k2") is None
    assert len(published) == 1 and asked == ["send_outbox"]
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(m.Message).where(
            m.Message.dedupe_key.in_(["outcome:k1", "outcome:k2"]))) == 1


def test_text_once_racing_loses_a_taken_key_in_its_savepoint_not_the_transaction(runtime, demo, monkeypatch):
    """Another transaction's row under the key, unseen by the look (committed just after it): a racing caller gets
    None and its transaction goes on; a caller that does not race hears of it (IntegrityError)."""
    queue_key = "notify:PB9:delivered"
    with transaction(runtime.sessions) as session:
        queue_message(session, merchant=session.merge(demo), channel="sms", to="+447700900456", body="First",
                      dedupe_key=queue_key)
    monkeypatch.setattr(outbox, "by_key", lambda *_a, **_k: None)  # the look before the other commit
    with transaction(runtime.sessions) as session:
        merchant = session.merge(demo)
        session.add(m.Contact(merchant_id=demo.id, phone="+447700900999"))
        assert text_once(session, lambda _e: None, merchant=merchant, channel="sms", to="+447700900456",
                         body="Second", dedupe_key=queue_key, racing=True) is None
    with runtime.sessions() as session:
        assert session.scalar(select(m.Contact.id).where(m.Contact.phone == "+447700900999")) is not None
    with pytest.raises(IntegrityError), transaction(runtime.sessions) as session:
        text_once(session, lambda _e: None, merchant=session.merge(demo), channel="sms", to="+447700900456",
                      body="Third", dedupe_key=queue_key)


def test_an_opted_out_number_is_suppressed(runtime, demo):
    mid = queue(runtime, demo, to="+447700900456")
    with transaction(runtime.sessions) as session:
        session.add(m.Contact(merchant_id=demo.id, phone="+447700900456", opted_out_at=T0))
    assert send_due(runtime, now=T0) == 0
    assert message(runtime, mid).status == "suppressed"


def test_a_second_worker_cannot_send_a_message_being_sent(runtime, demo):
    mid = queue(runtime, demo)
    calls = []

    class Racing(SandboxSender):
        def send(self, out):  # noqa: ANN001, ANN201 - another worker runs while this send is in flight
            calls.append(out.id)
            if len(calls) == 1:
                assert send_due(runtime, now=T0, sender=self) == 0
            return super().send(out)

    assert send_due(runtime, now=T0, sender=Racing()) == 1
    assert calls == [mid] and message(runtime, mid).status == "sandbox"


# -- Twilio -----------------------------------------------------------------------------------------------
@responses.activate
def test_twilio_sends_sms_through_the_real_client(runtime, demo, twilio):
    responses.add_callback(responses.POST, MESSAGES_URL, callback=accept)
    mid = queue(runtime, demo)
    assert send_due(runtime, now=T0, sender=twilio) == 1
    [call] = responses.calls
    form = parse_qs(call.request.body)
    assert form == {"From": ["+441614960000"], "To": ["+447700900123"], "Body": ["Your parcel is on its way"],
                    "StatusCallback": ["https://bot.example.com/twilio/status"]}  # delivery receipts come back
    assert call.request.headers["Authorization"].startswith("Basic ")
    msg = message(runtime, mid)
    assert msg.status == "sent" and msg.channel_message_id.startswith("SM") and msg.error is None


@responses.activate
def test_twilio_whatsapp_uses_the_prefix_and_sends_media(runtime, demo, twilio):
    responses.add_callback(responses.POST, MESSAGES_URL, callback=accept)
    queue(runtime, demo, channel="whatsapp", media=["https://bot.example.com/pod/abc"])
    assert send_due(runtime, now=T0, sender=twilio) == 1
    form = parse_qs(responses.calls[0].request.body)
    assert form["From"] == ["whatsapp:+441614960001"] and form["To"] == ["whatsapp:+447700900123"]
    assert form["MediaUrl"] == ["https://bot.example.com/pod/abc"]


@responses.activate
def test_uk_sms_gets_the_photo_as_a_link_us_sms_as_media(runtime, demo, twilio):
    responses.add_callback(responses.POST, MESSAGES_URL, callback=accept)
    queue(runtime, demo, body="Delivered.", media=["https://bot.example.com/pod/abc"])
    queue(runtime, demo, to="+12025550123", body="Delivered.", media=["https://bot.example.com/pod/def"])
    assert send_due(runtime, now=T0, sender=twilio) == 2
    uk, us = (parse_qs(c.request.body) for c in responses.calls)
    assert "MediaUrl" not in uk and uk["Body"] == ["Delivered.\nhttps://bot.example.com/pod/abc"]
    assert us["MediaUrl"] == ["https://bot.example.com/pod/def"] and us["Body"] == ["Delivered."]


@responses.activate
def test_twilio_5xx_is_retried_later_then_succeeds(runtime, demo, twilio):
    responses.add(responses.POST, MESSAGES_URL, status=503, json=twilio_error(503, 20503, "Service Unavailable"))
    responses.add_callback(responses.POST, MESSAGES_URL, callback=accept)
    mid = queue(runtime, demo)
    assert send_due(runtime, now=T0, sender=twilio) == 0
    msg = message(runtime, mid)
    assert msg.status == "queued" and msg.attempts == 1 and "503" in msg.error
    assert msg.send_after == T0 + timedelta(seconds=30)
    assert send_due(runtime, now=T0 + timedelta(seconds=10), sender=twilio) == 0  # backing off
    assert len(responses.calls) == 1
    assert send_due(runtime, now=msg.send_after, sender=twilio) == 1
    msg = message(runtime, mid)
    assert msg.status == "sent" and msg.attempts == 2 and msg.error is None and len(responses.calls) == 2


@responses.activate
def test_twilio_keeps_failing_so_the_message_fails_after_max_attempts(runtime, demo, twilio):
    responses.add(responses.POST, MESSAGES_URL, status=500, json=twilio_error(500, 20500, "Internal Server Error"))
    mid = queue(runtime, demo)
    now, waits = T0, []
    for _ in range(MAX_ATTEMPTS):
        send_due(runtime, now=now, sender=twilio)
        msg = message(runtime, mid)
        if msg.status != "queued":
            break
        waits.append(msg.send_after - now)
        now = msg.send_after
    assert msg.status == "failed" and msg.attempts == MAX_ATTEMPTS and "500" in msg.error
    assert len(responses.calls) == MAX_ATTEMPTS
    assert waits == sorted(waits) and waits[0] < waits[-1]  # backing off more each time
    assert send_due(runtime, now=now + timedelta(days=1), sender=twilio) == 0 and len(responses.calls) == MAX_ATTEMPTS


@responses.activate
def test_twilio_4xx_fails_at_once(runtime, demo, twilio):
    responses.add(responses.POST, MESSAGES_URL, status=400,
                  json=twilio_error(400, 21211, "The 'To' number +447700900123 is not a valid phone number."))
    mid = queue(runtime, demo)
    assert send_due(runtime, now=T0, sender=twilio) == 0
    msg = message(runtime, mid)
    assert msg.status == "failed" and msg.attempts == 1 and "21211" in msg.error


@responses.activate
def test_twilio_unreachable_is_retried(runtime, demo, twilio):
    responses.add(responses.POST, MESSAGES_URL, body=requests.exceptions.ConnectionError("connection reset"))
    mid = queue(runtime, demo)
    assert send_due(runtime, now=T0, sender=twilio) == 0
    msg = message(runtime, mid)
    assert msg.status == "queued" and msg.attempts == 1 and "reach Twilio" in msg.error


def test_channels_twilio_cannot_carry_fail_clearly(runtime, demo, twilio):
    mid = queue(runtime, demo, to="sam@example.com", channel="email")
    assert send_due(runtime, now=T0, sender=twilio) == 0
    msg = message(runtime, mid)
    assert msg.status == "failed" and "email" in msg.error


# -- the embedded ticker and Celery -----------------------------------------------------------------------
def test_the_ticker_sends_queued_messages_in_the_background(runtime, demo):
    mid = queue(runtime, demo)
    ticker = start_ticker(runtime, interval=0.05)
    try:
        deadline = time.monotonic() + 10
        while message(runtime, mid).status == "queued" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        ticker.stop()
    assert message(runtime, mid).status == "sandbox"
    assert not ticker.thread.is_alive()


def test_celery_is_configured_with_redis_jobs_and_beat(settings):
    from bot.jobs import JOBS
    from bot.worker import make_celery

    app = make_celery(settings)
    assert app.conf.broker_url == "redis://127.0.0.1:6379/0" == settings.broker_url
    assert {f"parcelbot.{name}" for name in JOBS} <= set(app.tasks)
    assert "parcelbot.send_outbox" in app.tasks
    # Beat runs the one schedule the in-process ticker runs (bot/jobs/schedule.py), job for job.
    beat = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert beat == {f"parcelbot.{p.job}": p.every_seconds for p in SCHEDULE}
    assert {"parcelbot.send_outbox", "parcelbot.retry_pending", "parcelbot.purge_delivered_secrets"} <= set(beat)


def test_a_fresh_worker_process_knows_every_job(env):
    """A worker imports nothing else first: every module with a @job must still become a task."""
    import json
    from pathlib import Path

    code = "import json; from bot.worker import app; print(json.dumps(sorted(app.tasks)))"
    run = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    tasks = set(json.loads(run.stdout.strip().splitlines()[-1]))
    root = Path(__file__).resolve().parents[1]
    declared = {name for pkg in ("bot", "backend", "dialogues", "channels") for path in (root / pkg).rglob("*.py")
                for name in re.findall(r'@job\("([^"]+)"\)', path.read_text(encoding="utf-8"))}
    assert "send_outbox" in declared
    assert {f"parcelbot.{name}" for name in declared} <= tasks


def test_celery_task_runs_the_job_eagerly(runtime, demo):
    from bot.worker import make_celery

    app = make_celery(runtime.settings, runtime=runtime)
    app.conf.task_always_eager = True
    mid = queue(runtime, demo)
    assert app.tasks["parcelbot.send_outbox"].delay().get(timeout=10) == 1
    assert message(runtime, mid).status == "sandbox"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_a_real_worker_sends_through_redis(runtime, demo, env, tmp_path):
    from bot.jobs.queue import CeleryJobs
    from bot.worker import make_celery

    queue_name = f"parcelbot-test-{uuid.uuid4().hex[:8]}"
    mid = queue(runtime, demo)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "bot.worker", "worker", "--pool=solo", "--loglevel=warning",
         "--without-heartbeat", "--without-mingle", "--without-gossip"],
        env={**os.environ, **env, "PARCELBOT_JOBS": "celery", "PARCELBOT_CELERY_QUEUE": queue_name},
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / "worker.log", "w"),  # noqa: SIM115
    )
    try:
        CeleryJobs(make_celery(runtime.settings, queue=queue_name)).enqueue("send_outbox")
        deadline = time.monotonic() + 60
        while message(runtime, mid).status == "queued" and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.2)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
    assert message(runtime, mid).status == "sandbox", (tmp_path / "worker.log").read_text()[-3000:]
