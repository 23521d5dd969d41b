"""Review: retry_pending's attempt() catches only BackendError, LookupError, ValueError and KeyError
(backend/retry.py attempt). A carrier answer that breaks in another way the HTTP stack knows -- a chunked body
cut off by a proxy (requests.ChunkedEncodingError), a broken gzip body (ContentDecodingError): RequestExceptions
that are neither Timeout nor ConnectionError, so ResilientClient does not turn them into BackendUnavailable --
escapes the job (bot/jobs/retries.py retry_pending_job) and ends the run. Nothing is recorded: the write's tries
are never counted, so it is never given up and its shopper, promised "I'll text you", never hears; and every
write claimed in the same batch after it sits leased and is re-leased behind it on every later run, so other
shoppers' kept changes are never made or told either."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import requests
import responses
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.pending import apply_write, store_pending
from backend.types import ActionKind, ChangeContext, DeliveryAction
from tests.faults.kit import BASE, PARCEL, Carrier, acme_runtime, carrier_api, pending, say, texted


def test_one_write_whose_answer_breaks_oddly_neither_hangs_for_ever_nor_starves_the_others(env, interpreter):  # noqa: ANN001
    rt = acme_runtime(env, interpreter, ActionKind.ADD_DELIVERY_NOTE)
    carrier = Carrier()
    t0 = datetime.now(UTC)
    try:
        with carrier_api(carrier, ActionKind.ADD_DELIVERY_NOTE) as mock:
            assert "Just to check" in say(rt, "add a note for the driver: ring twice")
            carrier.mode = "5xx"
            assert "text you" in say(rt, "yes")  # kept, promised a text
            [first] = pending(rt)
            with transaction(rt.sessions) as s:  # another shopper's change, kept a moment later (same carrier)
                merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "acme"))
                other = store_pending(s, merchant_id=merchant.id, now=t0 + timedelta(seconds=1), write=apply_write(
                    PARCEL, DeliveryAction(ActionKind.ADD_DELIVERY_NOTE, {"note": "leave at the back"}),
                    ChangeContext(actor="+447700900222", channel="sms", verified_by="sender_number"), "other-key",
                    "HTTP 503")).idempotency_key
            mock.remove(responses.POST, f"{BASE}/shipments/{PARCEL}/actions")

            def write(request):  # noqa: ANN001, ANN202
                key = request.headers["Idempotency-Key"]
                carrier.writes.append(key)
                if key == first.idempotency_key:  # made, and the answer's chunked body is cut off on the way
                    carrier.applied[key] = {"status": "accepted", "reference": "AC-REF-1"}
                    return requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead(0 bytes)")
                return 200, {}, json.dumps({"status": "accepted", "reference": "AC-REF-2"})

            mock.add_callback(responses.POST, f"{BASE}/shipments/{PARCEL}/actions", callback=write)
            for minutes in range(2, 8 * 60, 7):  # retry_pending every few minutes for eight hours
                at = t0 + timedelta(minutes=minutes)
                rt.set_clock(lambda at=at: at)
                rt.enqueue("retry_pending")
    finally:
        rt.close()
    rows = {r.idempotency_key: r for r in pending(rt)}
    report = {k: (r.status, r.attempts) for k, r in rows.items()}
    assert other in carrier.writes, f"the other shopper's kept change was never sent: {report}"
    assert rows[first.idempotency_key].status != "pending", f"still pending after 8 hours: {report}"
    assert texted(rt), "the first shopper was never texted the outcome"
