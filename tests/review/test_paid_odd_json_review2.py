"""Found by review 2: a paid change the carrier answers with a 2xx whose JSON isn't the shape we read (no "status",
or a status we don't know) is not treated as "an answer we can't read".

bot/jobs/payments._PaidWrite maps `LookupError` to a definite no (REJECTED: refunded, told "couldn't make that
change"), but a 2xx body without "status" raises KeyError in backend/serialize.result_from_json, and KeyError is a
LookupError: the shopper is refunded and told no (with "'status'" as the carrier's words) for a change the carrier
made. A status we don't know raises ValueError, which _PaidWrite doesn't map at all: it escapes apply_paid_change,
nothing is recorded, and expire_payments asks the carrier again every run while the payment stays paid (the very
loop _PaidWrite was written to end)."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta

import pytest

ANSWER: dict = {}


@pytest.fixture
def odd_remote(env, interpreter, monkeypatch):  # noqa: ANN001, ANN201
    import tests.payments.test_remote_carrier_payments as mod

    class OddlyAnswering(mod.Carrier):
        def apply(self, request):  # noqa: ANN001, ANN201
            answer = super().apply(request)  # the carrier makes it (counted in calls)
            return (200, {}, json.dumps(ANSWER["body"])) if "body" in ANSWER and answer[0] == 200 else answer

    monkeypatch.setattr(mod, "Carrier", OddlyAnswering)
    ANSWER.clear()
    yield from mod.remote.__wrapped__(env, interpreter)


def _pay(rt, body: dict) -> None:  # noqa: ANN001
    from bot.web import create_app
    from tests.conftest import PUBLIC_URL
    from tests.dialogues.aftersales_kit import talk, text_of
    from tests.payments.kit import path_of, pay_link
    from tests.payments.test_remote_carrier_payments import ASK, SHOPPER

    client = create_app(runtime=rt).test_client()
    talk(rt, SHOPPER, ASK)
    path = path_of(pay_link(text_of(talk(rt, SHOPPER, "yes"))), PUBLIC_URL)
    ANSWER["body"] = body
    with contextlib.suppress(Exception):  # synchronous jobs: a job's error may surface here
        client.post(path, data={"choice": "pay"})


@pytest.mark.parametrize("body", [{"reference": "RB-PAID0001"}, {"status": "done", "reference": "RB-PAID0001"}],
                         ids=["no-status", "unknown-status"])
def test_a_paid_change_answered_with_json_we_cant_read_is_kept_not_asked_every_minute(odd_remote, body):  # noqa: ANN001
    from sqlalchemy import select

    from backend import models as m
    from tests.payments.kit import payments, texts_to
    from tests.payments.test_remote_carrier_payments import SHOPPER, TRACKING

    rt, carrier = odd_remote
    _pay(rt, body)  # the carrier made it; its 2xx answer is JSON we can't read as a result
    for minutes in (6, 12, 18):  # expire_payments' runs
        later = rt.clock() + timedelta(minutes=minutes)
        rt.set_clock(lambda later=later: later)
        rt.enqueue("expire_payments")
    with rt.sessions() as s:
        kept = list(s.scalars(select(m.PendingRequest)))
        recorded = list(s.scalars(select(m.DeliveryChange).where(m.DeliveryChange.tracking_number == TRACKING)))
    [payment] = payments(rt)
    told = [b for b in texts_to(rt, SHOPPER, "") if "Pay here" not in b]
    # what _PaidWrite's docstring promises an answer we can't read: recorded pending, kept for retry_pending
    # under the same key, the shopper told it's with the carrier; not nothing recorded, the payment left paid
    # and unexplained, and the carrier asked again by every expire_payments run
    assert len(carrier.calls) == 1, (len(carrier.calls), payment.status, told)
    assert recorded and kept and told, (recorded, kept, told)
