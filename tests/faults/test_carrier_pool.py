"""Review: since dbb26be every carrier call a message makes, reads included, runs on the runtime's one
ThreadPoolExecutor(max_workers=8) (bot/runtime.py:207, bot/core/carrier.py CarrierAnswers.fetch), and a call past
the message's budget is left running there. One carrier that hangs (3 tries of a 10 s read timeout: about 31 s a
call) fills all 8 threads within a few messages; from then on every other merchant's call, to a carrier that
answers at once, waits in the executor's unbounded queue behind them and its shopper is told the carrier isn't
answering (CarrierTimedOut). Before, a read ran on the request's own thread and one carrier's hang cost only its
own shoppers."""

from __future__ import annotations

import threading
import time

from bot.core.carrier import CarrierAnswers, CarrierTimedOut, NeedsCarrier


def test_a_hung_carrier_does_not_make_a_healthy_carrier_time_out(runtime):  # noqa: ANN001
    release = threading.Event()

    def hung() -> list:  # merchant A's carrier: takes the request and never answers within our timeouts
        release.wait(60)
        return []

    def one_of_as_messages(i: int) -> None:  # each of A's shoppers: answered "not answering", the call runs on
        CarrierAnswers(budget=0.5).fetch(NeedsCarrier(("find_shipments", i), hung, write=False),
                                         executor=runtime.carrier_calls, deadline=2.0)

    shoppers = [threading.Thread(target=one_of_as_messages, args=(i,)) for i in range(8)]
    try:
        for t in shoppers:  # A's eight shoppers' reads hang while B's shopper asks (not joined: they hang on)
            t.start()
        time.sleep(0.2)
        # merchant B's shopper; B's carrier answers at once
        answers = CarrierAnswers()
        started = time.monotonic()
        answers.fetch(NeedsCarrier(("get_shipment", "B-1"), lambda: {"status": "in_transit"}, write=False),
                      executor=runtime.carrier_calls, deadline=2.0)
        took = time.monotonic() - started
        answer = answers.answers[("get_shipment", "B-1")]
    finally:
        release.set()
        for t in shoppers:
            t.join()
    assert not isinstance(answer, CarrierTimedOut), (
        f"merchant B's healthy carrier (answers in 0 s) was reported not answering after {took:.1f} s, "
        "queued behind merchant A's hung calls")
