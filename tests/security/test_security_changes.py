"""Every change is transactional, idempotent and audited: a retried webhook does nothing twice, a second YES
changes nothing twice, and a turn that fails half-way leaves nothing half-applied."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend import models as m
from backend.reference import ReferenceBackend
from tests.helpers import new_sid, sms_form
from tests.security.security_kit import (
    OWN,
    TRACKING,
    audits,
    changes,
    codes_sent_to,
    count,
    instructions,
    latest_code,
    merchant_settings,
    sms,
    talk,
)


def _twiml(response: Any) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_a_retried_webhook_at_every_step_of_a_change_does_nothing_twice(client, runtime, demo):
    steps = ["add a note for the driver: ring twice", "yes", None]  # None: the code, once it's known
    for body in steps:
        form = sms_form(body if body is not None else latest_code(runtime, OWN), sender=OWN)
        first = _twiml(sms(client, form))
        for _ in range(2):  # Twilio retries with the same MessageSid
            assert _twiml(sms(client, form)) == first
    assert len(codes_sent_to(runtime, OWN)) == 1
    [change] = changes(runtime, TRACKING)
    assert instructions(runtime, TRACKING)["note"] == "ring twice"
    assert count(runtime, m.Message, m.Message.direction == "in") == 3
    assert len(audits(runtime, "add_delivery_note")) == 1
    assert len(audits(runtime, "otp_check")) == 1


def test_a_replayed_old_webhook_after_the_change_changes_nothing(client, runtime, demo):
    yes = sms_form("yes", sender=OWN)
    sms(client, sms_form("add a note for the driver: ring twice", sender=OWN))
    sms(client, yes)
    code = sms_form(latest_code(runtime, OWN), sender=OWN)
    assert "Done" in _twiml(sms(client, code))
    sms(client, sms_form("add a note for the driver: knock loudly", sender=OWN))
    sms(client, yes)  # the old YES again, while a new change waits for its YES
    sms(client, code)  # and the old code
    assert len(changes(runtime, TRACKING)) == 1
    assert instructions(runtime, TRACKING)["note"] == "ring twice"


def test_the_same_yes_sent_twice_asks_for_one_code_and_changes_once(runtime, demo):
    talk(runtime, OWN, "add a note for the driver: ring twice")
    talk(runtime, OWN, "yes")
    again = talk(runtime, OWN, "yes")
    assert "Done" not in again
    assert len(codes_sent_to(runtime, OWN)) == 1
    code = latest_code(runtime, OWN)
    assert "Done" in talk(runtime, OWN, code)
    assert "Done" not in talk(runtime, OWN, code)  # the code typed twice, two message ids
    assert "Done" not in talk(runtime, OWN, "yes")
    assert len(changes(runtime, TRACKING)) == 1


def test_without_a_code_policy_a_double_yes_still_changes_once(runtime, demo):
    merchant_settings(runtime, verification={"add_delivery_note": "sender_number"})
    talk(runtime, OWN, "add a note for the driver: ring twice")
    assert "Done" in talk(runtime, OWN, "yes")
    talk(runtime, OWN, "yes")
    talk(runtime, OWN, "YES")
    assert len(changes(runtime, TRACKING)) == 1
    with runtime.sessions() as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == TRACKING))
        assert row.changes_count == 1


def test_an_applied_change_is_recorded_with_its_audit_entry_and_verification(runtime, demo):
    talk(runtime, OWN, "add a note for the driver: ring twice")
    talk(runtime, OWN, "yes")
    talk(runtime, OWN, latest_code(runtime, OWN))
    [change] = changes(runtime, TRACKING)
    [entry] = audits(runtime, "add_delivery_note")
    assert change.verified_by == entry.verification == "otp"
    assert entry.actor == OWN and entry.subject == TRACKING and entry.reference == change.reference
    assert entry.detail["idempotency_key"] == change.idempotency_key


class _BreaksAfterApplying(ReferenceBackend):
    """The carrier takes the change, then something in our turn blows up before it commits."""

    def apply_action(self, *args: Any, **kwargs: Any):  # noqa: ANN201
        super().apply_action(*args, **kwargs)
        raise RuntimeError("boom after applying")


def test_a_turn_that_fails_half_way_applies_nothing_and_keeps_the_message(runtime, demo):
    talk(runtime, OWN, "add a note for the driver: ring twice")
    talk(runtime, OWN, "yes")
    code = latest_code(runtime, OWN)
    real = runtime.backends
    runtime.set_backends(lambda session, merchant, now: _BreaksAfterApplying(session, merchant, now=now))
    try:
        sid = new_sid()
        reply = talk(runtime, OWN, code, sid=sid)
    finally:
        runtime.set_backends(real)
    assert "nothing was changed" in reply and "Traceback" not in reply
    assert changes(runtime) == [] and "note" not in instructions(runtime, TRACKING)
    assert audits(runtime, "add_delivery_note") == []
    with runtime.sessions() as s:
        kept = s.scalar(select(m.Message).where(m.Message.channel_message_id == sid))
        assert kept is not None and kept.direction == "in"
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == TRACKING))
        assert row.changes_count == 0


def test_webhooks_arriving_out_of_order_never_apply_a_change_early(runtime, demo):
    """Twilio doesn't promise order: a code (or a guess) landing before the YES it follows counts for nothing."""
    talk(runtime, OWN, "add a note for the driver: ring twice")
    early = talk(runtime, OWN, "123456")  # arrives before the YES
    assert "Done" not in early and codes_sent_to(runtime, OWN) == []
    talk(runtime, OWN, "yes")
    assert len(codes_sent_to(runtime, OWN)) == 1 and changes(runtime) == []
    assert "Done" in talk(runtime, OWN, latest_code(runtime, OWN))
    assert len(changes(runtime, TRACKING)) == 1


def test_a_no_overtaking_its_yes_leaves_the_parcel_alone(runtime, demo):
    talk(runtime, OWN, "add a note for the driver: ring twice")
    talk(runtime, OWN, "no")
    talk(runtime, OWN, "yes")  # the YES sent first, delivered last
    assert codes_sent_to(runtime, OWN) == [] and changes(runtime) == []
