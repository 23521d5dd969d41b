"""Found by review 2 (older than today's change, on the path it widens): a paid change kept for the carrier and in the
end given up is refunded with a text that carries the stored reason's raw form, 'code:{"code":"gave_up",...}'.

bot/jobs/payments._settle_or_retry passes `change.reason` (as stored: backend/reasons.to_stored's "code:{json}"
for a coded reason) to payments.refused as if it were words for the shopper; apply_paid_change renders the same
outcome through `say.reason(...)`. Today's _PaidWrite sends every unreadable answer down this kept path too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.pending import MAX_ATTEMPTS
from tests.review.test_unreadable_then_down_review2 import paid_remote  # noqa: F401 - the fixture


def test_a_paid_change_given_up_is_refunded_in_words_not_a_code(paid_remote):  # noqa: F811
    from bot.web import create_app
    from tests.conftest import PUBLIC_URL
    from tests.dialogues.aftersales_kit import talk, text_of
    from tests.payments.kit import path_of, pay_link, payments, texts_to
    from tests.payments.test_remote_carrier_payments import ASK, SHOPPER

    rt, carrier = paid_remote
    client = create_app(runtime=rt).test_client()
    talk(rt, SHOPPER, ASK)
    path = path_of(pay_link(text_of(talk(rt, SHOPPER, "yes"))), PUBLIC_URL)
    carrier.down = True  # 503 from the first try to the last
    assert client.post(path, data={"choice": "pay"}).status_code == 303
    for hours in range(1, MAX_ATTEMPTS + 2):
        at = datetime.now(UTC) + timedelta(minutes=61 * hours)
        rt.set_clock(lambda at=at: at)
        rt.enqueue("retry_pending")
        rt.enqueue("expire_payments")
    [payment] = payments(rt)
    assert payment.status == "failed" and payment.refunded_amount == payment.amount
    told = [b for b in texts_to(rt, SHOPPER, "") if "refunded" in b]
    assert told, texts_to(rt, SHOPPER, "")
    assert not any("code:{" in b for b in told), told
