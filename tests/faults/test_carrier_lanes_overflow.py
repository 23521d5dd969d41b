"""One merchant can use up every carrier lane, and the carriers after it share one lane of 4 threads (review).

The lanes are keyed by the breaker's name, `http:<netloc>`, which is the merchant's base_url as written: the same
host spelled with another case or with its default port is another lane, and so is every name under a wildcard DNS
entry. Lanes are never released, so once 32 have been seen (one merchant's spellings, or simply a deployment with
more than 32 carrier hosts over the process's life) every carrier after them shares the overflow lane, fewer
threads than the old shared pool of 8: one hung carrier there queues all the others' writes again."""

from __future__ import annotations

import threading

import pytest

from backend.http_adapter import HttpBackend
from bot.core.carrier import CarrierAnswers, CarrierTimedOut, NeedsCarrier
from bot.core.lanes import Lanes


def _write(lane: str, key: str, call) -> NeedsCarrier:  # noqa: ANN001
    need = NeedsCarrier(("apply_action", key), call, write=True)
    need.lane = lane
    return need


def test_spellings_of_one_host_are_one_lane() -> None:
    lanes = {HttpBackend(url, "s").lane for url in ("https://carrier-a.example.com/v1",
                                                     "https://CARRIER-A.example.com/v1",
                                                     "https://carrier-a.example.com:443/v1")}
    assert len(lanes) == 1, f"one carrier, {len(lanes)} lanes: {sorted(lanes)}"


@pytest.mark.xfail(strict=True, reason="review finding: lanes are never released; the overflow lane is shared")
def test_a_merchant_filling_the_lanes_does_not_put_a_healthy_carrier_behind_its_hung_writes() -> None:
    lanes, release = Lanes(per_lane=1, max_lanes=3), threading.Event()

    def hung() -> dict:
        release.wait(30)
        return {"status": "accepted"}

    try:  # the attacker's own carrier, hung, under four spellings: three lanes, then the shared one
        for i, host in enumerate(("a.evil.test", "A.evil.test", "a.evil.test:443", "b.evil.test")):
            CarrierAnswers(budget=0.05).fetch(_write(f"http:{host}", f"e-{i}", hung), executor=lanes, deadline=1)
        answers = CarrierAnswers(budget=1.0)
        answers.fetch(_write("http:carrier-b.example.com", "b-1", lambda: {"status": "accepted"}),
                      executor=lanes, deadline=1.0)
        answer = answers.answers[("apply_action", "b-1")]
    finally:
        release.set()
        lanes.shutdown(wait=False)
    assert not isinstance(answer, CarrierTimedOut), "carrier B answers at once, yet queued behind another's hung write"
