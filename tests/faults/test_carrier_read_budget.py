"""A "where is it?" against a carrier that takes the request and never answers is answered within Twilio's 15 s.

Carried from the last review as a known gap: reads ran on the request's thread and waited out the HTTP client's own
timeouts (3 tries of a 10 s read timeout, plus backoff: about 31 s), so the webhook answered after Twilio had given
up and the shopper heard nothing. Reads now get what is left of the message's budget from inside the HTTP client
(backend.resilience.answer_within). A real HttpBackend against a local carrier that hangs; real timeouts."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from backend.http_adapter import HttpBackend
from backend.reference import ReferenceBackend
from backend.resilience import (
    CircuitBreaker,
    MemoryBreakerStore,
    OutOfTime,
    ResilientClient,
    RetryPolicy,
    answer_within,
)
from backend.types import ActionKind
from tests.faults.kit import acme_runtime, say

TWILIO_WEBHOOK_TIMEOUT = 15.0


def _hanging_carrier(release: threading.Event) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_a):  # noqa: ANN002, ANN202
            pass

        def do_GET(self) -> None:  # noqa: N802
            release.wait(40)  # takes the request, answers nothing (a carrier's overloaded database)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_where_is_it_against_a_hung_carrier_is_answered_before_twilio_gives_up(env, interpreter):  # noqa: ANN001
    release = threading.Event()
    server = _hanging_carrier(release)
    rt = acme_runtime(env, interpreter, ActionKind.CANCEL_ORDER)
    breaker = CircuitBreaker("read-hang", store=MemoryBreakerStore())
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def backends(session, merchant, now):  # noqa: ANN001, ANN202
        if merchant.slug == "acme":  # the production defaults: timeouts, tries and backoff
            return HttpBackend(base, "carrier-secret", merchant_slug="acme", breaker=breaker)
        return ReferenceBackend(session, merchant, now=now)

    rt.set_backends(backends)
    try:
        started = time.monotonic()
        reply = say(rt, "where's my parcel?")
        took = time.monotonic() - started
    finally:
        release.set()
        rt.close()
        server.shutdown()
    assert took < TWILIO_WEBHOOK_TIMEOUT, f"answered after {took:.1f} s; Twilio gave up at 15 s: {reply[:120]!r}"
    assert "isn't answering" in reply, reply  # honest: the carrier, not "no parcel found"


class _Hangs(requests.Session):
    """A far side that takes each try and never answers: waits out the read timeout it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[tuple[float, float]] = []

    def send(self, request, **kwargs):  # noqa: ANN001, ANN003, ANN201
        self.timeouts.append(kwargs["timeout"])
        time.sleep(kwargs["timeout"][1])
        raise requests.ReadTimeout("no answer")


def _client(http: requests.Session, sleeps: list[float]) -> ResilientClient:
    return ResilientClient("http://carrier.invalid", CircuitBreaker("budget-unit", store=MemoryBreakerStore()),
                           retry=RetryPolicy(base_delay=0.01, jitter=0), timeout=(0.2, 0.3), http=http,
                           sleep=sleeps.append)


def test_inside_answer_within_each_try_gets_only_what_is_left_and_no_pause_runs_past_it() -> None:
    http, sleeps = _Hangs(), []
    started = time.monotonic()
    with answer_within(0.45), pytest.raises(OutOfTime):
        _client(http, sleeps).request("GET", "/shipments")
    took = time.monotonic() - started
    assert took < 0.7, f"three tries of 0.3 s and pauses: {took:.2f} s, past the 0.45 s it was given"
    assert http.timeouts[0] == (0.2, 0.3)  # the first try: the client's own timeouts (less than what's left)
    assert all(read <= 0.45 for _c, read in http.timeouts)
    assert len(http.timeouts) == 2 and http.timeouts[1][1] < 0.3  # the second try: only what was left of 0.45 s


def test_outside_answer_within_the_client_keeps_its_own_timeouts_and_tries() -> None:
    http, sleeps = _Hangs(), []
    with pytest.raises(Exception) as raised:
        _client(http, sleeps).request("GET", "/shipments")
    assert not isinstance(raised.value, OutOfTime)
    assert http.timeouts == [(0.2, 0.3)] * 3 and len(sleeps) == 2
