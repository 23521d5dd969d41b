"""Review: after c7d3389 a merchant whose carrier settings still name a variable of the old, documented form
("secret_env": "ACME_CARRIER_SECRET", as docs/backend.md showed until today) makes backend_for raise
BackendConfigError. retry_pending_job builds the backend OUTSIDE attempt() (bot/jobs/retries.py: ctx.backends(...)
is not inside any try), so the exception ends the whole run: the write is never counted, never given up and its
shopper (promised "I'll text you") never told; every write claimed after it in the same batch is left leased and
not tried on that run. The README says such a carrier "counts as unavailable"; here it breaks the job."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import responses
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.pending import apply_write, store_pending
from backend.registry import backend_for
from backend.types import ActionKind, ChangeContext, DeliveryAction
from tests.faults.kit import BASE, PARCEL, Carrier, acme_runtime, carrier_api, pending


def test_a_merchant_with_an_old_style_secret_name_does_not_stop_retry_pending(env, interpreter, monkeypatch):  # noqa: ANN001
    monkeypatch.setenv("LEGACY_CARRIER_SECRET", "s3cret")  # set by the operator before the upgrade
    rt = acme_runtime(env, interpreter, ActionKind.ADD_DELIVERY_NOTE)
    kit_backends = rt.backends

    def backends(session, merchant, now):  # noqa: ANN001, ANN202 - the registry for "legacy", as in production
        if merchant.slug == "legacy":
            return backend_for(session, merchant, now=now)
        return kit_backends(session, merchant, now)

    rt.set_backends(backends)
    t0 = datetime.now(UTC)
    note = DeliveryAction(ActionKind.ADD_DELIVERY_NOTE, {"note": "ring twice"})
    try:
        with transaction(rt.sessions) as s:
            legacy = m.Merchant(slug="legacy", name="Legacy", sms_number="+441614960077", timezone="Europe/London",
                                settings={"backend": {"type": "http", "base_url": "https://carrier.example.com/v1",
                                                      "secret_env": "LEGACY_CARRIER_SECRET"}})
            s.add(legacy)
            s.flush()
            acme = s.scalar(select(m.Merchant).where(m.Merchant.slug == "acme"))
            store_pending(s, merchant_id=legacy.id, now=t0 - timedelta(minutes=10), write=apply_write(
                "LG1", note, ChangeContext(actor="+447700900301", channel="sms", verified_by="sender_number"),
                "legacy-key", "HTTP 503"))
            store_pending(s, merchant_id=acme.id, now=t0 - timedelta(minutes=5), write=apply_write(
                PARCEL, note, ChangeContext(actor="+447700900302", channel="sms", verified_by="sender_number"),
                "acme-key", "HTTP 503"))
        carrier = Carrier()
        with carrier_api(carrier, ActionKind.ADD_DELIVERY_NOTE) as mock:
            mock.remove(responses.POST, f"{BASE}/shipments/{PARCEL}/actions")
            mock.add_callback(responses.POST, f"{BASE}/shipments/{PARCEL}/actions", callback=lambda r: (
                carrier.writes.append(r.headers["Idempotency-Key"]) or
                (200, {}, json.dumps({"status": "accepted", "reference": "AC-1"}))))
            rt.set_clock(lambda: t0)
            rt.enqueue("retry_pending")
    finally:
        rt.close()
    rows = {r.idempotency_key: (r.status, r.attempts) for r in pending(rt)}
    assert "acme-key" in carrier.writes, f"acme's kept write, claimed after legacy's, was not tried: {rows}"
    assert rows["legacy-key"][1] >= 1, f"legacy's write was never counted (so never given up nor told): {rows}"
