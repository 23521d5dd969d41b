"""Lanes' in-flight count (review of a0f4f8f): `submit_to` counted a call before the lane's pool took it, so a
submit that raised (ThreadPoolExecutor refuses new work once the interpreter is shutting down, or a lane's pool
is broken) left the lane "busy" for good: it was never retired again, and once every lane was such a lane every
new carrier was put on the shared lane. And the lanes were bounded per process, not per merchant: one merchant's
hung writes on a new host name each message retired the healthy lanes and jammed the shared one (now a few busy
lanes per merchant, then a lane of its own)."""

from __future__ import annotations

import concurrent.futures.thread as cft
import threading

import pytest

from bot.core.carrier import CarrierAnswers, CarrierTimedOut
from bot.core.lanes import Lanes
from tests.faults.kit import write_need


def test_a_refused_submit_does_not_leave_its_lane_busy_for_good(monkeypatch) -> None:  # noqa: ANN001
    lanes = Lanes(per_lane=1, max_lanes=1)
    try:
        with monkeypatch.context() as patch:
            patch.setattr(cft, "_shutdown", True)  # the pool refuses: "cannot schedule new futures after ..."
            with pytest.raises(RuntimeError):
                lanes.submit_to("http:a.example.com", lambda: None)
        lanes.submit_to("http:b.example.com", lambda: None).result(5)
        assert "http:b.example.com" in lanes.names(), f"lane a, idle, was kept busy: {lanes.names()}"
    finally:
        lanes.shutdown()


def test_one_merchants_hung_hosts_do_not_evict_a_healthy_carrier_onto_a_jammed_shared_lane() -> None:
    lanes, release = Lanes(per_lane=1, max_lanes=2, shared_threads=1, per_owner=1), threading.Event()

    def hung() -> dict:
        release.wait(30)
        return {"status": "accepted"}

    try:
        healthy = CarrierAnswers(budget=1.0)  # a healthy carrier has its lane; it is idle between messages
        healthy.fetch(write_need("http:carrier-c.example.com", "c-0", lambda: {"status": "accepted"}, "acme"),
                      executor=lanes, deadline=1.0)
        for i in range(3):  # one merchant's own hung carrier, at a new host name each time
            CarrierAnswers(budget=0.05).fetch(write_need(f"http:h{i}.evil.test", f"e-{i}", hung, "evil"),
                                              executor=lanes, deadline=1.0)
        answers = CarrierAnswers(budget=0.5)
        answers.fetch(write_need("http:carrier-c.example.com", "c-1", lambda: {"status": "accepted"}, "acme"),
                      executor=lanes, deadline=0.5)
        answer = answers.answers[("apply_action", "c-1")]
    finally:
        release.set()
        lanes.shutdown(wait=False)
    assert not isinstance(answer, CarrierTimedOut), "the healthy carrier queued behind one merchant's hung writes"
