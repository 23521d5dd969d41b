"""Two outbox sweeps at once (two Celery workers; beat's schedule and the nudge after a turn): each queued text
is sent once. Found by review: the claim's lease was counted from when the sweep started, so a sweep through a
slow transport (Twilio answering in 14 s, inside its 15 s timeout) claimed its later messages with a lease that
had already run out, and a second sweep sent them again; and a send that outlived its lease wrote its own SID
over the attempt that had taken the row after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.outbox import queue_message
from bot.core.ports import SendResult
from bot.core.sending import SandboxSender
from bot.jobs.send_outbox import LEASE, send_due
from tests.api.support import interpreter  # noqa: F401 - no NLU needed

SEND_SECONDS = 14  # each send answered just inside Twilio's 15 s timeout (channels/twilio_send.py)


def _queue(runtime, demo, count: int) -> list[int]:  # noqa: ANN001
    with transaction(runtime.sessions) as session:
        merchant = session.merge(demo)
        return [queue_message(session, merchant=merchant, channel="sms", to="+447700900123",
                              body=f"Your parcel update {i}").message.id for i in range(count)]


def test_a_message_being_sent_by_a_slow_sweep_is_not_sent_again_by_a_second_sweep(runtime, demo):
    clock = [datetime.now(UTC)]
    runtime.set_clock(lambda: clock[0])  # the jobs' clock: it moves only as the sends take time
    ids = _queue(runtime, demo, 30)
    a_sent: list[int] = []
    b_sent: list[int] = []

    class WorkerB(SandboxSender):
        def send(self, out):  # noqa: ANN001, ANN201
            b_sent.append(out.id)
            return super().send(out)

    class WorkerA(SandboxSender):  # a slow transport
        def send(self, out):  # noqa: ANN001, ANN201
            a_sent.append(out.id)
            clock[0] += timedelta(seconds=SEND_SECONDS)
            if len(a_sent) == 23:  # 23 x 14 s = 5 min 22 s into A's sweep, B's sweep starts
                send_due(runtime, sender=WorkerB())
            return super().send(out)

    send_due(runtime, sender=WorkerA())  # A's sweep
    doubled = sorted(set(a_sent) & set(b_sent))
    assert doubled == [], f"messages sent by both workers: {doubled}"
    assert sorted(a_sent + b_sent) == sorted(ids)


def test_a_send_that_outlived_its_lease_does_not_write_over_the_attempt_that_took_the_row(runtime, demo):
    """A send hung past the lease (a connection that stalled): another sweep takes the row, sends and records it.
    When the hung one returns at last, the row keeps the later attempt's SID and status."""
    clock = [datetime.now(UTC)]
    runtime.set_clock(lambda: clock[0])
    [queued] = _queue(runtime, demo, 1)

    class Later(SandboxSender):
        def send(self, out):  # noqa: ANN001, ANN201
            return SendResult("sent", "SM-later")

    class Hung(SandboxSender):
        def send(self, out):  # noqa: ANN001, ANN201
            clock[0] += LEASE + timedelta(minutes=1)
            assert send_due(runtime, sender=Later()) == 1  # the lease ran out: the row is taken again
            return SendResult("sent", "SM-hung")

    send_due(runtime, sender=Hung())
    with runtime.sessions() as session:
        msg = session.scalar(select(m.Message).where(m.Message.id == queued))
    assert (msg.status, msg.channel_message_id, msg.attempts) == ("sent", "SM-later", 2)
