"""One merchant can't use up every carrier lane and put the carriers after it behind its hung writes (review).
The lanes were keyed by the base_url as written (the same host with another case or its default port was another
lane: now the host, normalised) and were never released: once 32 had been seen, every later carrier shared the
overflow lane of 4 threads, fewer than the old shared pool of 8, and one hung carrier there queued all the others'
writes again. An idle lane is now retired to make room, and the shared lane, used only when every lane is busy,
has the old pool's 8 threads."""

from __future__ import annotations

import threading

from backend.http_adapter import HttpBackend
from bot.core.carrier import CarrierAnswers, CarrierTimedOut
from bot.core.lanes import Lanes
from tests.faults.kit import write_need


def test_spellings_of_one_host_are_one_lane() -> None:
    lanes = {HttpBackend(url, "s").lane for url in ("https://carrier-a.example.com/v1",
                                                     "https://CARRIER-A.example.com/v1",
                                                     "https://carrier-a.example.com:443/v1")}
    assert len(lanes) == 1, f"one carrier, {len(lanes)} lanes: {sorted(lanes)}"


def test_a_merchant_filling_the_lanes_does_not_put_a_healthy_carrier_behind_its_hung_writes() -> None:
    lanes, release = Lanes(per_lane=1, max_lanes=3), threading.Event()

    def hung() -> dict:
        release.wait(30)
        return {"status": "accepted"}

    try:  # the attacker's own carrier, hung, under four spellings: three lanes, then the shared one
        for i, host in enumerate(("a.evil.test", "A.evil.test", "a.evil.test:443", "b.evil.test")):
            CarrierAnswers(budget=0.05).fetch(write_need(f"http:{host}", f"e-{i}", hung), executor=lanes, deadline=1)
        answers = CarrierAnswers(budget=1.0)
        answers.fetch(write_need("http:carrier-b.example.com", "b-1", lambda: {"status": "accepted"}),
                      executor=lanes, deadline=1.0)
        answer = answers.answers[("apply_action", "b-1")]
    finally:
        release.set()
        lanes.shutdown(wait=False)
    assert not isinstance(answer, CarrierTimedOut), "carrier B answers at once, yet queued behind another's hung write"
