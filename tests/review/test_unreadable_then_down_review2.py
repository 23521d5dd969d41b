"""Found by review 2: a write whose first answer was a 2xx we couldn't read (the carrier made it), then the carrier
answers 503 on every retry, is given up as "it hasn't been changed. Please ask us again".

The unreadable answer is the one docs/faults.md calls "may mean it was made", yet nothing marks the kept write
MAY_HAVE_ARRIVED (backend/pending.note_arrival only reads BackendUnavailable.may_have_arrived): the turn's path
(bot/services/changes._kept_as_unreadable) keeps the copy stored before the call unmarked, and the paid path
(bot/jobs/payments._PaidWrite) re-raises it as a plain BackendUnavailable (may_have_arrived False). When the later
tries never reach the carrier, backend/retry.record settles it with `_gave_up()` (sure). Doing as told makes the
change a second time under a new key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.pending import MAX_ATTEMPTS
from tests.faults.conftest import cancel_carrier, note_carrier  # noqa: F401 - the fixtures
from tests.faults.kit import changes, pending, say, texted


def _retry_until_given_up(rt) -> None:  # noqa: ANN001
    for hours in range(1, MAX_ATTEMPTS + 2):
        at = datetime.now(UTC) + timedelta(minutes=61 * hours)
        rt.set_clock(lambda at=at: at)
        rt.enqueue("retry_pending")


def test_a_cancellation_answered_unreadably_then_down_is_not_told_unchanged(cancel_carrier):  # noqa: F811
    rt, carrier = cancel_carrier
    assert "Just to check" in say(rt, "please cancel my order")
    carrier.mode = "unreadable"  # the carrier cancels it; its 200 isn't JSON
    reply = say(rt, "yes")
    assert "hasn't confirmed it yet" in reply, reply
    carrier.mode = "5xx"  # every retry: maintenance, never reaching the write
    _retry_until_given_up(rt)
    [kept] = pending(rt)
    [change] = changes(rt)
    assert kept.status == "failed" and len(carrier.applied) == 1  # the carrier made it, under the kept key
    told = texted(rt)
    assert told, "the shopper was never told the outcome"
    assert "hasn't been changed" not in told[-1], told  # false: it was cancelled; "ask us again" cancels twice
    assert "can't tell yet" in told[-1], told


def test_a_change_answered_unreadably_then_down_is_not_told_unchanged(note_carrier):  # noqa: F811
    rt, carrier = note_carrier
    say(rt, "add a note for the driver: ring twice")
    carrier.mode = "unreadable"  # the carrier makes it; its 200 isn't JSON
    reply = say(rt, "yes")
    assert "Nothing has been changed" not in reply, reply
    carrier.mode = "5xx"
    _retry_until_given_up(rt)
    assert len(carrier.applied) == 1
    told = texted(rt)
    assert told, "the shopper was never told the outcome"
    assert "hasn't been changed" not in told[-1], told
    assert "can't tell yet" in told[-1], told


def test_a_paid_change_answered_unreadably_then_down_is_not_told_unchanged(paid_remote):
    """The paid path: the docstring of bot/jobs/payments._PaidWrite says an unreadable answer "may mean it was made",
    and keeps it; when every retry then meets a 503 it is given up sure, the payment refunded and the shopper told
    to ask again (paying, and having it made, a second time)."""
    from bot.web import create_app
    from tests.conftest import PUBLIC_URL
    from tests.dialogues.aftersales_kit import talk, text_of
    from tests.payments.kit import path_of, pay_link, texts_to
    from tests.payments.test_remote_carrier_payments import ASK, SHOPPER

    rt, carrier = paid_remote
    client = create_app(runtime=rt).test_client()
    talk(rt, SHOPPER, ASK)
    path = path_of(pay_link(text_of(talk(rt, SHOPPER, "yes"))), PUBLIC_URL)
    _UNREADABLE["on"] = True  # the carrier makes it; its 200 isn't JSON
    assert client.post(path, data={"choice": "pay"}).status_code == 303
    _UNREADABLE.clear()
    carrier.down = True  # 503 from now on
    for hours in range(1, MAX_ATTEMPTS + 2):
        at = datetime.now(UTC) + timedelta(minutes=61 * hours)
        rt.set_clock(lambda at=at: at)
        rt.enqueue("retry_pending")
        rt.enqueue("expire_payments")
    assert len(carrier.calls) == 1  # made once, by the first try
    told = [b for b in texts_to(rt, SHOPPER, "") if "Pay here" not in b]
    [change] = changes(rt)
    # given up: recorded "we can't tell" (gave_up_unsure), as any write that may have reached the carrier is;
    # here it is recorded a sure "gave_up" and the shopper texted "the carrier couldn't make that change"
    assert "gave_up_unsure" in (change.reason or ""), (change.reason, told)

_UNREADABLE: dict = {}


@pytest.fixture
def paid_remote(env, interpreter, monkeypatch):  # noqa: ANN001, ANN201
    import tests.payments.test_remote_carrier_payments as mod

    class MadeUnreadably(mod.Carrier):
        def apply(self, request):  # noqa: ANN001, ANN201
            answer = super().apply(request)
            return (200, {}, "<html>ok</html>") if _UNREADABLE and answer[0] == 200 else answer

    monkeypatch.setattr(mod, "Carrier", MadeUnreadably)
    _UNREADABLE.clear()
    yield from mod.remote.__wrapped__(env, interpreter)
