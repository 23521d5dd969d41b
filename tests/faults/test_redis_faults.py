"""Redis goes away: the Celery broker (the job queue) and live updates (RedisEventSink, the console's event
stream) degrade and recover, and no message is lost.

The outbox row is the truth: a unit of work commits the message first and only then asks the queue to send it, so
a job that couldn't be queued leaves a queued row that the periodic send_outbox (Celery beat, or the ticker) sends
once Redis is back. Events are news of committed rows: one that couldn't be published is simply missed, and a
console that reconnects re-reads the database. Redis is reached through a proxy the test cuts (tests/faults/proxy.py);
the real Redis is at 127.0.0.1:6379, database 7.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta

import pytest
import redis
import responses
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.types import ActionKind
from bot.adapters.redis_events import RedisEventSink
from bot.config import Settings
from bot.core.events import MessageStored
from bot.core.outbox import queue_message
from bot.jobs import JOBS
from bot.jobs.schedule import SCHEDULE
from bot.jobs.send_outbox import send_due
from bot.jobs.webhooks import send_due_webhooks
from bot.runtime import Runtime, build_runtime
from bot.services.changes import SLOW_JOB_SAFETY_NET
from bot.services.demo import seed_demo
from tests.dialogues.aftersales_kit import talk, text_of
from tests.faults.kit import PARCEL, Carrier, acme_runtime, carrier_api, changes, pending, say, texted
from tests.faults.kit import SHOPPER as ACME_SHOPPER
from tests.faults.proxy import CuttableProxy

DB = 7
SHOPPER = "+447700900123"


def _redis_up() -> bool:
    with suppress(OSError), socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
        return True
    return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def via_proxy(env, interpreter) -> Iterator[tuple[Runtime, CuttableProxy, str]]:  # noqa: ANN001
    """A runtime whose Celery broker and event sink are Redis behind a proxy; a queue and prefix of its own."""
    proxy, name = CuttableProxy("127.0.0.1", 6379), f"faults-{uuid.uuid4().hex[:8]}"
    url = f"redis://127.0.0.1:{proxy.port}/{DB}"
    settings = Settings.from_env({**env, "PARCELBOT_JOBS": "celery", "CELERY_BROKER_URL": url, "REDIS_URL": url,
                                  "PARCELBOT_CELERY_QUEUE": name, "PARCELBOT_EVENTS": "redis",
                                  "PARCELBOT_EVENTS_PREFIX": name})
    rt = build_runtime(settings, interpreter=interpreter)
    with transaction(rt.sessions) as s:
        seed_demo(s)
    yield rt, proxy, name
    proxy.close()
    rt.close()
    redis.Redis(db=DB).delete(name)


def _queue_a_text(rt: Runtime, body: str) -> int:
    """What every service does: the row in the unit of work, the send job asked for after its commit."""
    with rt.uow() as uow:
        merchant = uow.session.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        msg = queue_message(uow.session, merchant=merchant, channel="sms", to=SHOPPER, body=body).message
        uow.enqueue("send_outbox")
    return msg.id


def _status(rt: Runtime, message_id: int) -> str:
    with rt.sessions() as s:
        return s.get(m.Message, message_id).status


def test_with_the_broker_away_a_message_is_kept_and_the_periodic_sweep_sends_it_once(via_proxy):
    rt, proxy, queue = via_proxy
    real = redis.Redis(db=DB)
    proxy.cut()
    kept = _queue_a_text(rt, "Your parcel is on its way")  # the job can't be queued: logged, not raised
    assert _status(rt, kept) == "queued" and real.llen(queue) == 0
    assert "PB100000001GB" in text_of(talk(rt, SHOPPER, "where is my parcel"))  # shoppers are still answered
    proxy.restore()
    _queue_a_text(rt, "And another")  # the producer reconnects by itself: this job reaches the broker
    assert real.llen(queue) == 1
    assert any(p.job == "send_outbox" and p.every_seconds <= 60 for p in SCHEDULE)  # the sweep beat runs
    assert send_due(rt) == 2  # what the periodic send_outbox does: both rows, the kept one included
    assert _status(rt, kept) == "sandbox"
    assert send_due(rt) == 0  # and a second sweep (or the queued job running late) sends nothing twice


def test_with_redis_away_turns_are_answered_and_live_updates_resume_when_it_is_back(via_proxy):
    rt, proxy, prefix = via_proxy
    proxy.cut()
    assert "PB100000001GB" in text_of(talk(rt, SHOPPER, "where is my parcel"))  # the event is missed, not the turn
    proxy.restore()
    with RedisEventSink(redis.Redis(db=DB, socket_timeout=5), prefix=prefix).subscribe() as stream:
        talk(rt, SHOPPER, "thanks")
        heard = [stream.next(5.0) for _ in range(2)]
    assert {type(e) for e in heard} == {MessageStored}
    assert {e.direction for e in heard} == {"in", "out"}  # the publisher reconnected by itself


def test_a_slow_change_whose_job_could_not_be_queued_is_finished_by_the_retry_and_told_once(env, interpreter):
    """The carrier is still working past the deadline, so the shopper hears "on it" and finish_slow_change is
    asked for; the broker is away at that moment, so that job is lost. The change was kept as well: retry_pending
    finishes it under the same key after its grace period and texts the shopper; the lost job, delivered late
    after all, texts nothing more."""
    proxy, queue = CuttableProxy("127.0.0.1", 6379), f"faults-{uuid.uuid4().hex[:8]}"
    url = f"redis://127.0.0.1:{proxy.port}/{DB}"
    rt = acme_runtime(env, interpreter, ActionKind.ADD_DELIVERY_NOTE, PARCELBOT_JOBS="celery",
                      CELERY_BROKER_URL=url, PARCELBOT_CELERY_QUEUE=queue, PARCELBOT_SLOW_BACKEND_SECONDS="0.2")
    carrier = Carrier()
    try:
        with carrier_api(carrier, ActionKind.ADD_DELIVERY_NOTE):
            assert "Just to check" in say(rt, "add a note for the driver: ring twice")
            carrier.mode = "hang"
            proxy.cut()
            assert "On it" in say(rt, "yes")
            carrier.release.set()
            proxy.restore()
            assert redis.Redis(db=DB).llen(queue) == 0  # finish_slow_change never reached the broker
            [kept] = pending(rt)
            later = datetime.now(UTC) + SLOW_JOB_SAFETY_NET + timedelta(minutes=1)
            rt.set_clock(lambda: later)
            JOBS["retry_pending"](rt)
            [change] = changes(rt)
            assert (change.status, change.reference) == ("accepted", "AC-REF-1") and len(carrier.applied) == 1
            [told] = texted(rt, ACME_SHOPPER)
            assert "AC-REF-1" in told
            JOBS["finish_slow_change"](rt, merchant_id=change.merchant_id, tracking=PARCEL,
                                       action="add_delivery_note", params=change.params, fee_accepted=False,
                                       key=kept.idempotency_key, actor=ACME_SHOPPER, channel="sms",
                                       verified_by="sender_number",
                                       conversation_id=kept.payload["follow_up"]["conversation_id"])
            assert len(texted(rt, ACME_SHOPPER)) == 1 and len(carrier.applied) == 1
    finally:
        carrier.release.set()
        proxy.close()
        rt.close()
        redis.Redis(db=DB).delete(queue)


def test_with_redis_away_a_person_can_still_sign_in_and_sign_in_is_still_limited(via_proxy):
    """The sign-in rate limits live in Redis when it carries the events (shared by every worker). With Redis away,
    signing in to the console must still work (it was a 500), and the limits still hold, kept in the worker's
    memory until Redis is back (Flask-Limiter's in-memory fallback)."""
    from bot.web import create_app
    from tests.console.kit import make_user, sign_in

    rt, proxy, _ = via_proxy
    make_user(rt)
    client = create_app(runtime=rt).test_client()
    proxy.cut()
    signed_in = sign_in(client)
    assert signed_in.status_code == 302 and "/console" in signed_in.headers["Location"], signed_in.status_code
    stranger = create_app(runtime=rt).test_client()
    refused = [sign_in(stranger, password="wrong").status_code for _ in range(12)]
    assert refused[0] != 500 and 429 in refused, refused
    proxy.restore()
    assert sign_in(create_app(runtime=rt).test_client()).status_code == 302, "and again once Redis is back"


@responses.activate
def test_with_the_broker_away_a_handoff_webhook_is_kept_and_the_sweep_posts_it_once(via_proxy, monkeypatch):
    """The job that posts a handoff to the merchant's helpdesk can't be queued: the event was kept in the handoff's
    own transaction, and the periodic send_webhooks posts it once Redis is back (it used to be lost)."""
    rt, proxy, _queue = via_proxy
    hook = "https://helpdesk.example/hooks/parcelbot"
    monkeypatch.setenv("MERCHANT_DEMO__HOOK_SECRET", "s3cret-from-the-environment")
    with transaction(rt.sessions) as s:
        shop = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        shop.settings = {**(shop.settings or {}),
                         "handoff_webhook": {"url": hook, "secret_env": "MERCHANT_DEMO__HOOK_SECRET"}}
    responses.add(responses.POST, hook, status=204)
    proxy.cut()
    assert text_of(talk(rt, SHOPPER, "can I talk to a real person"))  # answered; the nudge is lost
    assert not [c for c in responses.calls if c.request.url == hook]
    proxy.restore()
    assert any(p.job == "send_webhooks" and p.every_seconds <= 60 for p in SCHEDULE)
    assert send_due_webhooks(rt) == 1  # what the periodic job does
    assert send_due_webhooks(rt) == 0
    [posted] = [c for c in responses.calls if c.request.url == hook]
    assert json.loads(posted.request.body)["status"] == "waiting"


def test_a_frozen_broker_does_not_hold_the_turn_that_asks_for_a_job(via_proxy):
    """Redis that stops answering without going away (a failover in progress, a partition that drops packets):
    the Celery producer waited on its socket with no timeout, so a turn that queued a text (a one-time code)
    held its webhook until Redis came back - far past Twilio's 15 s, so the shopper heard nothing, and every
    gunicorn thread that met it hung too. The producer's sockets now time out: the job is dropped (logged) and
    the periodic send_outbox sends the row once Redis answers."""
    rt, proxy, _ = via_proxy
    _queue_a_text(rt, "Warming up")  # the producer's connection is open, as in a running web process
    proxy.stall()
    done = threading.Event()
    kept: list[int] = []

    def turn() -> None:
        kept.append(_queue_a_text(rt, "Your code is 123456"))
        done.set()

    threading.Thread(target=turn, daemon=True).start()
    answered = done.wait(30)  # a bound for a hang, not a timing: the fix answers in about two seconds
    proxy.restore()
    assert answered, "the unit of work was still waiting on the frozen broker after 30 s"
    assert _status(rt, kept[0]) == "queued"  # the row is the truth: the sweep sends it
