"""The queue's rows at size: the console's queue page reloads its rows on every message the merchant's
shoppers send, for every agent who has it open, so what a reload costs must not grow with the rows shown (it
was three statements a row: 300 for a full page, at each message). Each row still shows its last message,
the shopper's last and whose it is."""

from __future__ import annotations

from datetime import timedelta

from backend import models as m
from backend.db import transaction
from tests.console.kit import make_user, sign_in
from tests.console.test_unanswered_at_size import statements


def _with_agent(runtime, demo, agent_id: int, first: int, count: int) -> None:  # noqa: ANN001
    """`count` conversations the agent has: the shopper wrote, then the agent answered."""
    start = runtime.clock() - timedelta(minutes=30)
    with transaction(runtime.sessions) as s:
        for i in range(first, first + count):
            conv = m.Conversation(merchant_id=demo.id, channel="sms", address=f"+4477009007{i:02d}",
                                  status="with_agent", assignee_id=agent_id, last_message_at=start + timedelta(
                                      seconds=i), created_at=start)
            s.add(conv)
            s.flush()
            s.add(m.Message(merchant_id=demo.id, conversation_id=conv.id, direction="in", channel="sms",
                            sender=conv.address, recipient="+441614960000", body=f"question {i}", status="received",
                            created_at=start))
            s.add(m.Message(merchant_id=demo.id, conversation_id=conv.id, direction="out", channel="sms",
                            sender="+441614960000", recipient=conv.address, body=f"answer {i}", status="sent",
                            author="agent:sam@acme.example", created_at=start + timedelta(seconds=1)))


def _rows(client) -> list[dict]:  # noqa: ANN001
    answer = client.get("/api/v1/conversations?status=with_agent")
    assert answer.status_code == 200
    return answer.get_json()["conversations"]


def test_the_queue_costs_the_same_statements_for_3_rows_and_for_30(runtime, demo, client):  # noqa: ANN001
    agent_id = make_user(runtime)
    sign_in(client)
    _with_agent(runtime, demo, agent_id, 0, 3)
    with statements(runtime) as few:
        rows = _rows(client)
    assert len(rows) == 3
    _with_agent(runtime, demo, agent_id, 3, 27)
    with statements(runtime) as many:
        rows = _rows(client)
    assert len(rows) == 30
    assert len(many) == len(few), (len(few), len(many))

    newest = rows[0]  # the most recent first
    assert newest["shopper"] == "+447700900729"
    assert newest["last_message"]["body"] == "answer 29" and newest["last_message"]["direction"] == "out"
    assert newest["last_from_shopper"]["body"] == "question 29"
    assert newest["assignee"] == {"id": agent_id, "name": "Sam"}
    assert client.get("/console?status=with_agent").get_data(as_text=True).count("+4477009007") >= 30
