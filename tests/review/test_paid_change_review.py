"""Found by review: a paid change the carrier answers with a definite 4xx (BackendRefused) after the shopper paid.

apply_paid_change let the carrier's error propagate (nothing recorded, no kept write), and expire_payments'
_settle_or_retry re-enqueued apply_paid_change while no change was recorded: the payment stayed `paid` for ever,
the carrier was asked again every minute, the shopper (who paid) never told and never refunded. Now a definite no
is recorded refused (refunded, told); an unreadable answer is kept for retry_pending (bot/jobs/payments._PaidWrite)."""

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
    assert len(carrier.calls) == 1, carrier.calls  # one definite no is an answer: not asked again every minute
    assert payment.status == "failed" and payment.refunded_amount == payment.amount, payment.status
    assert any("refund" in b.lower() for b in told), told


def test_a_paid_change_answered_unreadably_is_kept_and_settled_by_the_retry(remote):
    """The other half: a 2xx we can't read may mean the carrier made it. Not refused (the shopper would be refunded
    for a change they got) and not left paid for ever: kept under the same key, and settled by what the carrier
    answers when asked again."""
    rt, carrier = remote
    client = create_app(runtime=rt).test_client()
    talk(rt, SHOPPER, ASK)
    path = path_of(pay_link(text_of(talk(rt, SHOPPER, "yes"))), PUBLIC_URL)
    ANSWER["answer"] = (200, {}, "<html>gateway hiccup</html>")
    assert client.post(path, data={"choice": "pay"}).status_code == 303
    assert payments(rt)[0].status == "paid"
    ANSWER.clear()  # the carrier answers properly from now on
    for minutes in (11, 12, 13):
        later = rt.clock() + timedelta(minutes=minutes)
        rt.set_clock(lambda later=later: later)
        rt.enqueue("retry_pending")
        rt.enqueue("expire_payments")
    [payment] = payments(rt)
    assert payment.status != "paid" and payment.refunded_amount is None, payment.status
