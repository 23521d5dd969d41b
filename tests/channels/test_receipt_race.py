"""A delivery receipt that lands while the send's record is being committed (PostgreSQL, READ COMMITTED; found by
review). The sender looked for an early receipt inside its recording transaction and the status callback looked
for the message in its own: each before the other committed, so neither saw the other, and the receipt waited as
"early" for a send already recorded until it was purged; the message stayed "sent" for ever. Now each side settles
again after its own commit (bot/core/receipts.py settle_early), so whichever commits second applies it."""

from __future__ import annotations

import json
import uuid

import pytest
import responses
from sqlalchemy import event

from backend import models as m
from bot.jobs.send_outbox import send_due
from channels.twilio_send import TwilioSender
from tests.channels.test_twilio_receipts import ACCOUNT, MESSAGES_URL, _kept_early, _queued, _receipt, _status


@responses.activate
def test_a_receipt_racing_the_sends_record_is_applied(runtime, demo, client):  # noqa: ANN001
    if runtime.settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite makes writers take turns: the two transactions can't overlap there")
    sid, message_id = "SM" + uuid.uuid4().hex, _queued(runtime, demo)
    responses.add(responses.POST, MESSAGES_URL, json={"sid": sid, "status": "queued"}, status=201)
    arrived = []

    def callback_before_the_record_commits(session) -> None:  # noqa: ANN001
        recording = any(isinstance(o, m.Message) and o.channel_message_id == sid for o in session.identity_map.values())
        if recording and not arrived:  # Twilio's callback, on another web worker, while the record is uncommitted
            arrived.append(_receipt(client, sid, "delivered").status_code)

    event.listen(runtime.sessions, "before_commit", callback_before_the_record_commits)
    try:
        assert send_due(runtime, sender=TwilioSender(ACCOUNT, "auth-token")) == 1
    finally:
        event.remove(runtime.sessions, "before_commit", callback_before_the_record_commits)
    assert arrived == [204]
    assert _status(runtime, message_id) == ("delivered", None) and _kept_early(runtime) == []


@responses.activate
def test_an_early_receipt_is_settled_by_the_sweep_when_the_sender_died_before_settling_it(runtime, demo, client,
                                                                                          monkeypatch):
    """Found by review: the sender records the SID, then settles early receipts in a second transaction; a sender
    that dies between the two left the receipt waiting until it was purged. The hourly purge settles it first."""
    import bot.jobs.send_outbox as send_outbox

    sid, message_id = "SM" + uuid.uuid4().hex, _queued(runtime, demo)

    def twilio(_request):  # noqa: ANN001, ANN202 - the callback overtakes the answer, as in test_twilio_receipts
        assert _receipt(client, sid, "delivered").status_code == 204
        return 201, {}, json.dumps({"sid": sid, "status": "queued"})

    def died(*_args, **_kwargs) -> bool:
        raise SystemExit("the sender was killed after recording the send")

    responses.add_callback(responses.POST, MESSAGES_URL, callback=twilio)
    monkeypatch.setattr(send_outbox, "settle_early", died)
    with pytest.raises(SystemExit):
        send_due(runtime, sender=TwilioSender(ACCOUNT, "auth-token"))
    monkeypatch.undo()
    assert _status(runtime, message_id) == ("sent", None) and _kept_early(runtime)  # recorded; receipt waiting
    runtime.enqueue("purge_early_receipts")
    assert _status(runtime, message_id) == ("delivered", None) and _kept_early(runtime) == []
