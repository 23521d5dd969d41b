"""Events after commit: a unit of work starts its jobs and announces its events only once it has committed.

Tested for real: the in-process sink (the embedded default) and Redis pub/sub with a subscriber in another
process (several web workers). An event of a rolled-back turn is never published.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
from sqlalchemy import select

from backend import models as m
from bot.adapters.redis_events import RedisEventSink
from bot.config import Settings
from bot.core.events import ConversationStatusChanged, DomainEvent, InProcessEventSink, MessageStored
from bot.core.messages import InboundMessage
from bot.core.uow import UnitOfWork
from bot.runtime import build_runtime
from tests.helpers import new_sid


class RecordingJobs:
    def __init__(self) -> None:
        self.enqueued: list[tuple[str, dict]] = []

    def enqueue(self, name: str, **kwargs: object) -> None:
        self.enqueued.append((name, kwargs))


def _unit(runtime) -> tuple[UnitOfWork, RecordingJobs, list[DomainEvent]]:  # noqa: ANN001
    jobs, sink, seen = RecordingJobs(), InProcessEventSink(), []
    sink.subscribe(seen.append)
    return UnitOfWork(runtime.sessions, jobs=jobs, events=sink), jobs, seen


def _event(marker: int) -> MessageStored:
    return MessageStored(merchant_id=1, conversation_id=marker, message_id=marker)


# -- the unit of work ---------------------------------------------------------------------------------------
def test_jobs_and_events_wait_for_the_commit(runtime, demo):
    uow, jobs, seen = _unit(runtime)
    with uow:
        uow.session.add(m.AuditEntry(actor="test", action="probe", result="ok"))
        uow.enqueue("send_outbox")
        uow.publish(_event(1))
        assert jobs.enqueued == [] and seen == []  # nothing before the commit
    assert jobs.enqueued == [("send_outbox", {})] and [e.conversation_id for e in seen] == [1]


def test_a_rolled_back_unit_starts_nothing_and_announces_nothing(runtime, demo):
    uow, jobs, seen = _unit(runtime)
    with pytest.raises(RuntimeError), uow:
        uow.session.add(m.AuditEntry(actor="test", action="probe", result="ok"))
        uow.enqueue("send_outbox")
        uow.publish(_event(2))
        raise RuntimeError("the turn broke")
    assert jobs.enqueued == [] and seen == []
    with runtime.sessions() as s:
        assert s.scalar(select(m.AuditEntry).where(m.AuditEntry.action == "probe")) is None


def test_a_rolled_back_savepoint_drops_only_its_own(runtime, demo):
    uow, jobs, seen = _unit(runtime)
    with uow:
        uow.publish(_event(3))
        with pytest.raises(ValueError), uow.savepoint():
            uow.enqueue("finish_slow_change", key="k")
            uow.publish(_event(4))
            raise ValueError("this step failed")
        uow.enqueue("send_outbox")
    assert jobs.enqueued == [("send_outbox", {})]
    assert [e.conversation_id for e in seen] == [3]


def test_one_nudge_for_the_same_job_asked_twice(runtime, demo):
    uow, jobs, _ = _unit(runtime)
    with uow:
        uow.enqueue("send_outbox")
        uow.enqueue("send_outbox")
        uow.enqueue("finish_slow_change", key="a", params={"note": "x"})
        uow.enqueue("finish_slow_change", key="b", params={"note": "x"})
    assert jobs.enqueued == [("send_outbox", {}), ("finish_slow_change", {"key": "a", "params": {"note": "x"}}),
                             ("finish_slow_change", {"key": "b", "params": {"note": "x"}})]


def test_a_broken_sink_never_fails_a_committed_unit(runtime, demo):
    class Broken:
        def publish(self, events: object) -> None:
            raise ConnectionError("Redis is away")

    uow = UnitOfWork(runtime.sessions, jobs=RecordingJobs(), events=Broken())
    with uow:
        uow.session.add(m.AuditEntry(actor="test", action="kept", result="ok"))
        uow.publish(_event(5))
    with runtime.sessions() as s:
        assert s.scalar(select(m.AuditEntry).where(m.AuditEntry.action == "kept")) is not None


# -- a turn's events ----------------------------------------------------------------------------------------
def test_a_turn_announces_its_messages_and_a_handoff_after_commit(runtime, demo):
    seen: list[DomainEvent] = []
    runtime.local_events.subscribe(seen.append)
    runtime.engine.handle(InboundMessage("sms", "+447700900123", "+441614960000", "can I talk to a human please",
                                         channel_message_id=new_sid()))
    stored = [e for e in seen if isinstance(e, MessageStored)]
    assert [e.direction for e in stored] == ["in", "out"]
    [handed] = [e for e in seen if isinstance(e, ConversationStatusChanged)]
    assert (handed.previous, handed.status, handed.reason) == ("bot", "waiting", "shopper_asked")
    with runtime.sessions() as s:
        conv = s.get(m.Conversation, handed.conversation_id)
        assert conv.status == "waiting" and conv.waiting_since is not None  # the event's news is committed
        assert {e.message_id for e in stored} <= set(s.scalars(select(m.Message.id)))


def test_a_turn_that_fails_announces_nothing_it_rolled_back(runtime, demo):
    """The dialogue hands off, then breaks: the shopper gets the apology (stored, announced), but the
    rolled-back handoff is neither committed nor announced."""
    from dialogues.base import REGISTRY, Flow, register
    from dialogues.kit.handoff import hand_off

    flow = REGISTRY.get("test_handoff_then_break") or register(Flow("test_handoff_then_break"))

    @flow.start
    def _broken(turn) -> None:  # noqa: ANN001
        hand_off(turn, "test")
        raise RuntimeError("a bug after the handoff")

    class Forced:
        def __init__(self, inner) -> None:  # noqa: ANN001
            self.inner = inner

        def parse(self, text, context=None):  # noqa: ANN001, ANN202
            import dataclasses
            result = self.inner.parse(text, context)
            return dataclasses.replace(result, intent="test_handoff_then_break", confidence=1.0, clarify=None)

    seen: list[DomainEvent] = []
    runtime.local_events.subscribe(seen.append)
    engine = runtime.engine.replace(interpreter=Forced(runtime.engine.interpreter))
    replies = engine.handle(InboundMessage("sms", "+447700900123", "+441614960000", "hello",
                                           channel_message_id=new_sid())).replies
    assert "something went wrong" in replies[0].text
    assert not any(isinstance(e, ConversationStatusChanged) for e in seen)
    assert [e.direction for e in seen if isinstance(e, MessageStored)] == ["in", "out"]
    with runtime.sessions() as s:
        assert s.scalar(select(m.Conversation.status)) == "bot"


# -- Redis pub/sub, another process ---------------------------------------------------------------------------
def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


SUBSCRIBER = textwrap.dedent("""
    import json, sys
    from bot.adapters.redis_events import RedisEventSink
    sink = RedisEventSink.from_url("redis://127.0.0.1:6379/0", prefix=sys.argv[1])
    with sink.subscribe(int(sys.argv[2])) as stream:
        print("ready", flush=True)
        for _ in range(3):  # the turn's inbound message, the handoff, the reply
            event = stream.next(timeout=20)
            if event is None:
                break
            print(event.to_json(), flush=True)
""")


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_events_reach_a_subscriber_in_another_process_and_rolled_back_ones_never(env, interpreter, demo):
    prefix = f"parcelbot-test:{uuid.uuid4().hex[:8]}"
    settings = Settings.from_env({**env, "PARCELBOT_EVENTS": "redis", "PARCELBOT_EVENTS_PREFIX": prefix})
    runtime = build_runtime(settings, interpreter=interpreter, synchronous_jobs=True)
    sub = subprocess.Popen([sys.executable, "-c", SUBSCRIBER, prefix, str(demo.id)], stdout=subprocess.PIPE,
                           text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert sub.stdout.readline().strip() == "ready"
        sink = RedisEventSink.from_url("redis://127.0.0.1:6379/0", prefix=prefix)
        deadline = time.monotonic() + 10
        while sink.client.pubsub_numsub(f"{prefix}:merchant:{demo.id}")[0][1] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)

        # 1. A unit of work that publishes, then rolls back: nothing may arrive.
        with pytest.raises(RuntimeError), runtime.uow() as uow:
            uow.publish(MessageStored(merchant_id=demo.id, conversation_id=-1, message_id=-1))
            raise RuntimeError("rolled back")
        # 2. A real turn that hands the conversation to a person: its events arrive, in order.
        runtime.engine.handle(InboundMessage("sms", "+447700900123", "+441614960000", "talk to a human please",
                                             channel_message_id=new_sid()))
        out, _ = sub.communicate(timeout=30)
    finally:
        if sub.poll() is None:
            sub.kill()
        runtime.close()
    events = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert [(e["kind"], e.get("direction")) for e in events] == [
        ("message_stored", "in"), ("conversation_status", None), ("message_stored", "out")]
    assert events[1]["status"] == "waiting" and events[1]["merchant_id"] == demo.id
    assert all(e.get("conversation_id") != -1 for e in events)  # the rolled-back event never came


def test_messages_queued_on_their_own_are_announced_too(runtime, demo):
    """A one-time code goes out through the outbox, not as a reply: it is announced like any stored message."""
    seen: list[DomainEvent] = []
    runtime.local_events.subscribe(seen.append)
    for text in ("add a note for the driver: ring twice", "yes"):  # the change needs a code: it is texted
        runtime.engine.handle(InboundMessage("sms", "+447700900123", "+441614960000", text,
                                             channel_message_id=new_sid()))
    with runtime.sessions() as s:
        queued = set(s.scalars(select(m.Message.id).where(m.Message.direction == "out", m.Message.status != "reply")))
    announced = {e.message_id for e in seen if isinstance(e, MessageStored) and e.direction == "out"}
    assert queued and queued <= announced


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_one_publish_per_merchant_each_hears_only_its_own_and_operators_hear_all():
    """A unit of work's events go out as one PUBLISH per merchant; a merchant's subscriber gets its own events in
    order and never another tenant's; a subscriber to every merchant (the pattern) gets them all."""
    prefix = f"parcelbot-test:{uuid.uuid4().hex[:8]}"
    sink = RedisEventSink.from_url("redis://127.0.0.1:6379/0", prefix=prefix)
    batch = [MessageStored(merchant_id=7, conversation_id=1, message_id=10),
             MessageStored(merchant_id=8, conversation_id=2, message_id=20),
             MessageStored(merchant_id=7, conversation_id=1, message_id=11)]
    with sink.subscribe(7) as mine, sink.subscribe() as every:
        deadline = time.monotonic() + 5
        while (sink.client.pubsub_numsub(f"{prefix}:merchant:7")[0][1] < 1
               or sink.client.pubsub_numpat() < 1) and time.monotonic() < deadline:
            time.sleep(0.05)
        sink.publish(batch)
        own = [mine.next(timeout=5) for _ in range(2)]
        assert [e.message_id for e in own] == [10, 11]
        assert mine.next(timeout=0.3) is None, "merchant 8's event must not reach merchant 7"
        heard = sorted(every.next(timeout=5).message_id for _ in range(3))
        assert heard == [10, 11, 20]


def test_a_reader_takes_one_event_of_the_previous_format_and_skips_what_it_cannot_read():
    """During a rolling deploy a worker of the previous release publishes one event per message; a live view must
    read it, and must not die of a message it cannot read."""
    from bot.adapters.redis_events import _decoded

    one = MessageStored(merchant_id=7, conversation_id=1, message_id=10)
    assert [e.message_id for e in _decoded(one.to_json())] == [10]
    assert [e.message_id for e in _decoded("[" + one.to_json() + "]")] == [10]
    assert _decoded("not json") == [] and _decoded('{"kind": "no_such_event"}') == []
