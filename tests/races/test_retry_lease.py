"""Two retry_pending runs at once (two Celery workers, or beat and a nudge): each kept write is tried once per
attempt. Found by review: a run claimed its batch with one lease counted from its start, and against a carrier that
takes its time each attempt is slow, so the later writes' leases had run out before their turn: a second run took
them too and every one was sent twice, each try counted twice (a write given up early). Each claim is now renewed
just before its attempt, compare-and-set on the lease it holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import responses
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.pending import apply_write, store_pending
from backend.types import ActionKind, ChangeContext, DeliveryAction
from tests.faults.kit import BASE, PARCEL, Carrier, acme_runtime, carrier_api, pending

CALL_SECONDS = 40  # a carrier answering slowly, well inside the HTTP timeouts
WRITES = 12


def test_a_slow_batch_is_not_tried_again_by_a_second_run(env, interpreter):  # noqa: ANN001
    rt = acme_runtime(env, interpreter, ActionKind.ADD_DELIVERY_NOTE)
    t0 = datetime.now(UTC)
    clock = [t0]
    rt.set_clock(lambda: clock[0])
    calls: list[str] = []
    second_run = {"started": False}
    try:
        with transaction(rt.sessions) as s:
            merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "acme"))
            for i in range(WRITES):
                store_pending(s, merchant_id=merchant.id, now=t0 - timedelta(minutes=5), write=apply_write(
                    PARCEL, DeliveryAction(ActionKind.ADD_DELIVERY_NOTE, {"note": f"note {i}"}),
                    ChangeContext(actor=f"+4477009002{i:02d}", channel="sms", verified_by="sender_number"),
                    f"key-{i:02d}", "HTTP 503"))
        with carrier_api(Carrier(), ActionKind.ADD_DELIVERY_NOTE) as mock:
            mock.remove(responses.POST, f"{BASE}/shipments/{PARCEL}/actions")

            def write(request):  # noqa: ANN001, ANN202
                calls.append(request.headers["Idempotency-Key"])
                clock[0] += timedelta(seconds=CALL_SECONDS)
                if len(calls) == 9 and not second_run["started"]:  # 5 min 20 s into the first run
                    second_run["started"] = True
                    rt.enqueue("retry_pending")  # another worker's run starts meanwhile
                return 200, {}, json.dumps({"status": "accepted", "reference": f"AC-{len(calls)}"})

            mock.add_callback(responses.POST, f"{BASE}/shipments/{PARCEL}/actions", callback=write)
            rt.enqueue("retry_pending")
    finally:
        rt.close()
    twice = sorted({key for key in calls if calls.count(key) > 1})
    assert second_run["started"] and twice == [], f"sent twice: {twice}"
    assert sorted(calls) == [f"key-{i:02d}" for i in range(WRITES)]
    assert {(k.status, k.attempts) for k in pending(rt)} == {("done", 1)}
