"""A carrier's own "pending" (HTTP 202: it has the change and works on it) is settled by the outcome it reports
later (POST /api/v1/changes/<key>/outcome), and the shopper, told "I'll text you as soon as they do", is texted
it once. Before, nothing ever settled such a change: the record stayed `pending` and the promise was never kept
(docs/faults.md, "A carrier's own pending")."""

from __future__ import annotations

from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.apikeys import create_key
from tests.faults.kit import changes, say, texted
from tests.faults.test_carrier_faults import ASK


def _client_and_key(rt):  # noqa: ANN001, ANN202
    from bot.web import create_app

    with transaction(rt.sessions) as session:
        acme = session.scalar(select(m.Merchant).where(m.Merchant.slug == "acme"))
        acme.settings = {**(acme.settings or {}), "quiet_hours": None}
        key, _ = create_key(session, acme)
    return create_app(runtime=rt).test_client(), {"Authorization": f"Bearer {key}"}


def _pending_change(rt, carrier) -> m.DeliveryChange:  # noqa: ANN001
    say(rt, ASK)
    carrier.mode = "queue"  # the carrier answers 202: taken, works on it
    assert "haven't confirmed it yet" in say(rt, "yes")
    [change] = changes(rt)
    assert change.status == "pending"
    return change


def test_a_reported_outcome_settles_the_change_and_texts_the_shopper_once(note_carrier):  # noqa: ANN001
    rt, carrier = note_carrier
    client, auth = _client_and_key(rt)
    change = _pending_change(rt, carrier)
    before = len(texted(rt))
    url = f"/api/v1/changes/{change.idempotency_key}/outcome"
    answer = client.post(url, json={"status": "accepted", "reference": "AC-LATER-7"}, headers=auth)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["shopper_told"] is True and answer.get_json()["change"]["status"] == "accepted"
    [settled] = changes(rt)
    assert (settled.status, settled.reference) == ("accepted", "AC-LATER-7")
    told = texted(rt)[before:]
    assert len(told) == 1 and "AC-LATER-7" in told[0] and "ring twice" in told[0].lower(), told
    again = client.post(url, json={"status": "accepted", "reference": "AC-LATER-7"}, headers=auth)  # a resend
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert client.post(url, json={"status": "rejected"}, headers=auth).status_code == 409  # contradicts it
    assert len(texted(rt)) == before + 1
    with rt.sessions() as s:
        audit = s.scalars(select(m.AuditEntry.result).where(m.AuditEntry.action.like("%:reported"))).all()
    assert audit == ["accepted"]


def test_a_reported_refusal_is_told_with_its_reason(note_carrier):  # noqa: ANN001
    rt, carrier = note_carrier
    client, auth = _client_and_key(rt)
    change = _pending_change(rt, carrier)
    answer = client.post(f"/api/v1/changes/{change.idempotency_key}/outcome", headers=auth,
                         json={"status": "rejected", "reason": "The driver had already left the depot"})
    assert answer.status_code == 200 and changes(rt)[0].status == "rejected"
    assert any("driver had already left" in t for t in texted(rt)), texted(rt)


def test_reports_are_checked_and_kept_to_the_merchants_own_changes(note_carrier):  # noqa: ANN001
    rt, carrier = note_carrier
    client, auth = _client_and_key(rt)
    change = _pending_change(rt, carrier)
    url = f"/api/v1/changes/{change.idempotency_key}/outcome"
    for bad in ({"status": "done"}, {"status": "accepted", "reference": 7}, {"status": "accepted", "x": 1},
                {"status": "rejected", "reason": "r" * 501}, ["accepted"]):
        answer = client.post(url, json=bad, headers=auth)
        assert answer.status_code == 422 and "errors" in answer.get_json(), (bad, answer.get_json())
    assert client.post(url, json={"status": "accepted"}).status_code == 401
    assert client.post("/api/v1/changes/no-such-key/outcome", json={"status": "accepted"},
                       headers=auth).status_code == 404
    with transaction(rt.sessions) as session:  # another merchant's key can't see or settle acme's change
        other = m.Merchant(slug="other", name="Other", sms_number="+441614960555")
        session.add(other)
        session.flush()
        other_key, _ = create_key(session, other)
    stranger = client.post(url, json={"status": "rejected"}, headers={"Authorization": f"Bearer {other_key}"})
    assert stranger.status_code == 404
    assert changes(rt)[0].status == "pending"
