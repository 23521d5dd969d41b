"""One carrier that hangs on writes doesn't make every other carrier's writes time out (bulkheads per carrier).

Carried from the last review as a known gap: every merchant's writes shared one pool of 8 threads, and a write past
the message's budget runs on there (up to the HTTP client's ~31 s). A carrier hanging on a busy morning filled the 8
threads within a few messages; from then on a write to a carrier that answers at once waited in the queue behind
them, and its shopper heard "not confirmed yet". Each carrier's writes now run on threads of their own
(bot/core/lanes.py)."""

from __future__ import annotations

import threading
import time

import pytest

from backend.http_adapter import HttpBackend
from backend.types import ActionKind, ChangeContext
from bot.core.carrier import CarrierAnswers, CarrierSnapshot, CarrierTimedOut, NeedsCarrier
from bot.core.lanes import Lanes
from bot.core.telemetry import timed_backend
from tests.faults.kit import write_need


def test_a_hung_carriers_writes_do_not_queue_a_healthy_carrierswrite_need(runtime):  # noqa: ANN001
    release = threading.Event()

    def hung() -> dict:
        release.wait(60)
        return {"status": "accepted"}

    def one_of_as_shoppers(i: int) -> None:  # told "not confirmed yet"; the call runs on in the background
        CarrierAnswers(budget=0.3).fetch(write_need("http:carrier-a.example.com", f"a-{i}", hung),
                                         executor=runtime.carrier_calls, deadline=2.0)

    try:
        shoppers = [threading.Thread(target=one_of_as_shoppers, args=(i,)) for i in range(12)]
        for t in shoppers:
            t.start()
        for t in shoppers:
            t.join()
        answers = CarrierAnswers(budget=2.0)
        started = time.monotonic()
        answers.fetch(write_need("http:carrier-b.example.com", "b-1", lambda: {"status": "accepted"}),
                      executor=runtime.carrier_calls, deadline=2.0)
        took = time.monotonic() - started
        answer = answers.answers[("apply_action", "b-1")]
    finally:
        release.set()
    assert not isinstance(answer, CarrierTimedOut), (
        f"carrier B answers at once, yet its shopper was told it isn't answering after {took:.1f} s: queued behind "
        "carrier A's hung writes")
    assert answer == {"status": "accepted"}


@pytest.mark.parametrize("wrap", [False, True], ids=["bare", "timed"])
def test_a_remote_carriers_write_is_asked_on_its_own_lane(wrap: bool) -> None:
    backend = HttpBackend("https://carrier-a.example.com/v1", "secret", supported_actions=[ActionKind.CANCEL_ORDER])
    snapshot = CarrierSnapshot(timed_backend(backend, "http") if wrap else backend, CarrierAnswers())
    with pytest.raises(NeedsCarrier) as need:
        snapshot.cancel_order("A-1", idempotency_key="k-1",
                              context=ChangeContext(actor="shopper", channel="sms", verified_by="otp"))
    assert need.value.write and need.value.lane == "http:carrier-a.example.com"


def test_lanes_are_capped_an_idle_one_retired_and_the_rest_share_one() -> None:
    lanes, release = Lanes(per_lane=1, max_lanes=3, shared_threads=2), threading.Event()
    try:
        for host in ("a", "b", "c", "d"):  # each idle once answered: "d" retires the oldest idle lane
            assert lanes.submit_to(host, lambda: 1).result(timeout=5) == 1
        assert lanes.names() == ["b", "c", "d"]
        held = [lanes.submit_to(host, release.wait, 30) for host in ("b", "c", "d")]  # every lane busy now
        assert lanes.submit_to("e", lambda: "shared").result(timeout=5) == "shared"
        assert lanes.names() == ["b", "c", "d", "(shared)"]
    finally:
        release.set()
        for future in held:
            future.result(timeout=5)
        lanes.shutdown()
    with pytest.raises(RuntimeError):
        lanes.submit(lambda: 1)


def test_a_remote_carriers_write_names_its_merchant() -> None:
    backend = HttpBackend("https://carrier-a.example.com/v1", "secret", merchant_slug="acme",
                          supported_actions=[ActionKind.CANCEL_ORDER])
    with pytest.raises(NeedsCarrier) as need:
        CarrierSnapshot(timed_backend(backend, "http"), CarrierAnswers()).cancel_order(
            "A-1", idempotency_key="k-2", context=ChangeContext(actor="shopper", channel="sms", verified_by="otp"))
    assert need.value.owner == "acme"
