"""STOP means stop: an opted-out number gets no proactive message (status updates, one-tap offers), even one
queued before it opted out; only its own replies and START bring it back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.apikeys import create_key
from bot.jobs.send_outbox import send_due
from tests.security.security_kit import OWN, STRANGER, TRACKING, sent_to, talk


@pytest.fixture
def auth(runtime, demo) -> dict[str, str]:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        key, _ = create_key(s, s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo")))
    return {"Authorization": f"Bearer {key}"}


def _event(client, auth: dict[str, str], status: str, event_id: str):  # noqa: ANN001, ANN202
    body = {"event_id": event_id, "status": status, "occurred_at": datetime.now(UTC).isoformat()}
    response = client.post(f"/api/v1/shipments/{TRACKING}/events", json=body, headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize("stop", ["STOP", "stop", "Stop.", "unsubscribe", "STOPALL"])
def test_an_opted_out_number_gets_no_status_texts(client, runtime, auth, stop):
    talk(runtime, OWN, stop)
    answer = _event(client, auth, "out_for_delivery", "ev-1")
    assert answer["status_changed"] and not answer["notification_queued"]
    assert sent_to(runtime, OWN) == []
    assert "Reply 1" not in talk(runtime, OWN, "1")  # and no one-tap offer was left behind


def test_someone_elses_stop_does_not_opt_the_recipient_out(client, runtime, auth):
    talk(runtime, STRANGER, "STOP")
    assert _event(client, auth, "out_for_delivery", "ev-1")["notification_queued"]


def test_start_brings_texts_back(client, runtime, auth):
    talk(runtime, OWN, "STOP")
    _event(client, auth, "out_for_delivery", "ev-1")
    talk(runtime, OWN, "START")
    assert _event(client, auth, "failed_attempt", "ev-2")["notification_queued"]


def test_a_text_queued_before_stop_is_not_sent_after_it(client, runtime, auth):
    from tests.security.security_kit import merchant_settings

    merchant_settings(runtime, quiet_hours={"start": "00:00", "end": "23:59"})  # hold it until "morning"
    assert _event(client, auth, "out_for_delivery", "ev-1")["notification_queued"]
    talk(runtime, OWN, "STOP")
    send_due(runtime, datetime.now(UTC) + timedelta(days=1))
    with runtime.sessions() as s:
        [held] = s.scalars(select(m.Message).where(m.Message.recipient == OWN, m.Message.status != "reply"))
        assert held.status == "suppressed" and held.sent_at is None


def test_an_opted_out_recipient_is_not_texted_a_code_for_a_strangers_request(runtime, demo):
    talk(runtime, OWN, "STOP")
    talk(runtime, STRANGER, f"add a note for the driver on {TRACKING}: ring twice")
    talk(runtime, STRANGER, "M1 4BT")
    reply = talk(runtime, STRANGER, "yes")
    assert "Done" not in reply
    assert sent_to(runtime, OWN) == []
