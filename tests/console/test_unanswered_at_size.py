"""The job that gives back conversations a person left unanswered runs every minute on every worker: what it
costs must not grow with the number of conversations people have open. It ran two statements per open
conversation to list them, then the whole list again for each one it gave back (thousands open after a
shift: millions of statements a minute, each inside an open transaction)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, select

from backend import models as m
from backend.db import transaction
from bot.jobs import JOBS
from tests.console.kit import make_user


@contextmanager
def statements(runtime) -> Iterator[list[str]]:  # noqa: ANN001
    seen: list[str] = []

    def count(_conn, _cursor, sql, *_rest) -> None:  # noqa: ANN001
        seen.append(sql)

    engine = runtime.db
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _taken(runtime, demo, agent_id: int, address: str, *, answered: bool) -> int:  # noqa: ANN001
    """A conversation the agent has: the shopper wrote 40 minutes ago; the agent answered, or not."""
    now = runtime.clock()
    with transaction(runtime.sessions) as s:
        conv = m.Conversation(merchant_id=demo.id, channel="sms", address=address, status="with_agent",
                              assignee_id=agent_id, last_message_at=now, created_at=now - timedelta(hours=1))
        s.add(conv)
        s.flush()
        said = now - timedelta(minutes=40)
        s.add(m.Message(merchant_id=demo.id, conversation_id=conv.id, direction="in", channel="sms", sender=address,
                        recipient="+441614960000", body="hello?", status="received", created_at=said))
        if answered:
            s.add(m.Message(merchant_id=demo.id, conversation_id=conv.id, direction="out", channel="sms",
                            sender="+441614960000", recipient=address, body="Here!", status="sent",
                            author="agent:sam@acme.example", created_at=said + timedelta(minutes=1)))
        return conv.id


def _status(runtime, conv_id: int) -> str:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(m.Conversation.status).where(m.Conversation.id == conv_id))


def test_giving_back_one_conversation_costs_the_same_with_many_others_open(runtime, demo):
    agent_id = make_user(runtime)
    first = _taken(runtime, demo, agent_id, "+447700900001", answered=False)
    with statements(runtime) as alone:
        assert JOBS["return_unanswered"](runtime) == 1
    assert _status(runtime, first) == "bot"

    for i in range(25):  # a busy team: many conversations open and answered
        _taken(runtime, demo, agent_id, f"+4477009002{i:02d}", answered=True)
    second = _taken(runtime, demo, agent_id, "+447700900002", answered=False)
    with statements(runtime) as busy:
        assert JOBS["return_unanswered"](runtime) == 1
    assert _status(runtime, second) == "bot"

    assert len(busy) == len(alone), (len(alone), len(busy))


def test_the_job_still_leaves_answered_and_recent_conversations_with_the_person(runtime, demo):
    agent_id = make_user(runtime)
    answered = _taken(runtime, demo, agent_id, "+447700900003", answered=True)
    left = _taken(runtime, demo, agent_id, "+447700900004", answered=False)
    runtime.set_clock(lambda start=runtime.clock(): start - timedelta(minutes=15))  # only 25 minutes ago
    assert JOBS["return_unanswered"](runtime) == 0
    runtime.set_clock(lambda start=runtime.clock(): start + timedelta(minutes=15))
    assert JOBS["return_unanswered"](runtime) == 1
    assert (_status(runtime, answered), _status(runtime, left)) == ("with_agent", "bot")
