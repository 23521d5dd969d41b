"""Review: a paid change the carrier answers with a definite 4xx (BackendRefused) after the shopper paid.

apply_paid_change lets the carrier's error propagate (nothing recorded, no kept write), and expire_payments'
_settle_or_retry only re-enqueues apply_paid_change while no change is recorded: the payment stays `paid` for
ever, the carrier is asked again every minute, the shopper (who paid) is never told and never refunded."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.web import create_app
from tests.conftest import PUBLIC_URL
from tests.dialogues.aftersales_kit import talk, text_of
from tests.payments.kit import path_of, pay_link, payments, texts_to
from tests.payments.test_remote_carrier_payments import ASK, SHOPPER, Carrier
from tests.payments.test_remote_carrier_payments import remote as _remote

ANSWER: dict = {}  # what the carrier's POST answers in this test


class Refusing(Carrier):
    def apply(self, request):  # noqa: ANN001, ANN201
        if "answer" in ANSWER:
            self.calls.append((request.headers["Idempotency-Key"], -1))
            return ANSWER["answer"]
        return super().apply(request)


@pytest.fixture
def remote(env, interpreter, monkeypatch):  # noqa: ANN001, ANN201
    import tests.payments.test_remote_carrier_payments as mod
    monkeypatch.setattr(mod, "Carrier", Refusing)
    ANSWER.clear()
    yield from _remote.__wrapped__(env, interpreter)


@pytest.mark.xfail(strict=True, reason="a paid change the carrier refuses with a 4xx stays `paid` for ever: "
                                       "re-asked every minute, never refunded, the shopper never told")
def test_a_paid_change_the_carrier_refuses_outright_is_refunded_and_told(remote):
    rt, carrier = remote
    client = create_app(runtime=rt).test_client()
    talk(rt, SHOPPER, ASK)
    path = path_of(pay_link(text_of(talk(rt, SHOPPER, "yes"))), PUBLIC_URL)
    # a definite no: HTTP 400 (BackendRefused in backend/http_adapter.py _expect), e.g. a parameter it won't take
    ANSWER["answer"] = (400, {}, json.dumps({"error": {"code": "invalid_note", "message": "Note not accepted"}}))
    assert client.post(path, data={"choice": "pay"}).status_code == 303
    for minutes in (6, 12, 18, 24):  # expire_payments runs every minute; a few of its runs, a while later
        later = rt.clock() + timedelta(minutes=minutes)
        rt.set_clock(lambda later=later: later)
        rt.enqueue("expire_payments")
        rt.enqueue("retry_pending")
    [payment] = payments(rt)
    told = [b for b in texts_to(rt, SHOPPER, "") if "Pay here" not in b]
    # what the shopper who paid is owed: the payment settled (refused, refunded) and a text saying so, after
    # one definite "no" from the carrier; not a payment left `paid` and the carrier asked over and over
    assert payment.status != "paid", (payment.status, len(carrier.calls), told)
    assert told, "the shopper who paid was never told anything"
