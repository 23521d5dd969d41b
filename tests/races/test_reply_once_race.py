"""The same reply posted twice at once (a double click reaching two workers): each looked for the reply's key
before either stored it. The outbox's unique (merchant, dedupe key) holds: the later insert waits for the first
to commit, fails, and answers with the first's message, so the shopper is texted once. Called without the
conversation's lock (the console and the API take it; the service must not depend on that)."""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, select

from backend import models as m
from bot.services.console import Actor
from tests.console.kit import make_user
from tests.console.test_handoff_end_to_end import SHOPPER, text

pytestmark = pytest.mark.skipif(
    not os.environ.get("PARCELBOT_TEST_DATABASE_URL"),
    reason="SQLite serialises writers (BEGIN IMMEDIATE), so two requests cannot overlap there",
)


def test_the_same_reply_twice_at_once_is_queued_once(runtime, demo, client):
    text(client, "AGENT")
    agent_id = make_user(runtime)
    who = Actor("agent:sam@acme.example", "Sam", agent_id)
    with runtime.uow() as uow:
        conv = uow.session.scalar(select(m.Conversation).where(m.Conversation.address == SHOPPER))
        runtime.services.console.take_over(uow, conv, who, now=runtime.clock())
        conv_id = conv.id
    meet = threading.Barrier(2, timeout=5)
    waited = threading.local()

    def at_the_look(_conn, _cursor, sql, *_rest) -> None:  # noqa: ANN001
        """Each request waits, at its first look for the key, for the other to look too."""
        if sql.lstrip().upper().startswith("SELECT") and "dedupe_key" in sql and not getattr(waited, "done", False):
            waited.done = True
            with contextlib.suppress(threading.BrokenBarrierError):
                meet.wait()

    def reply(_: int) -> int:
        with runtime.uow() as uow:
            conv = uow.session.get(m.Conversation, conv_id)
            return runtime.services.console.reply(uow, conv, who, "On it!", now=runtime.clock(), once="a" * 32).id

    event.listen(runtime.db, "before_cursor_execute", at_the_look)
    try:
        with ThreadPoolExecutor(2) as pool:
            ids = list(pool.map(reply, range(2)))
    finally:
        event.remove(runtime.db, "before_cursor_execute", at_the_look)

    assert ids[0] == ids[1]
    with runtime.sessions() as s:
        sent = s.scalars(select(m.Message.body).where(m.Message.recipient == SHOPPER,
                                                      m.Message.author.is_not(None))).all()
    assert sent == ["On it!"]
