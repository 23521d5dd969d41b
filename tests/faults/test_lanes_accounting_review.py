"""Lanes' in-flight count (review of a0f4f8f): `submit_to` counted a call before the lane's pool took it, so a
submit that raised (ThreadPoolExecutor refuses new work once the interpreter is shutting down, or a lane's pool
is broken) left the lane "busy" for good: it was never retired again, and once every lane was such a lane every
new carrier was put on the shared lane."""

from __future__ import annotations

import concurrent.futures.thread as cft

import pytest

from bot.core.lanes import Lanes


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
