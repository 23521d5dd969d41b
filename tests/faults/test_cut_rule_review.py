"""The "cut" rule of ResilientClient (a timeout on a try our budget cut short doesn't count against the breaker)
mis-fired (review of a0f4f8f).

- It judged every timeout by the READ timeout: a carrier that never completes the TCP handshake (black-holed
  host) times out on its full, uncut connect timeout, yet with under half the read timeout left (any budget under
  5 s of a 10 s read timeout) it never counted: the breaker of a dead carrier never opened.
- Only the last try decided: with retry_attempts > 1, tries that got the carrier's whole timeout and failed were
  forgotten when the last one, cut to what little was left, timed out too.
- The web paths' budget (5 s, tracking page and one-tap options) is itself under half the default read timeout:
  a hung carrier's page views never count, so its breaker never opens from them and every view holds its web
  thread the full 5 s, however many there are.
"""

from __future__ import annotations

import time

import pytest
import requests

from backend.resilience import (
    OPEN,
    CircuitBreaker,
    MemoryBreakerStore,
    ResilientClient,
    RetryPolicy,
    answer_within,
)


class _BlackHoled(requests.Session):
    """A host that never answers the SYN: every try waits out its connect timeout."""

    def send(self, request, **kwargs):  # noqa: ANN001, ANN003, ANN201
        time.sleep(kwargs["timeout"][0])
        raise requests.ConnectTimeout("connect timed out")


class _Hangs(requests.Session):
    """Takes the connection and never answers: every try waits out its read timeout."""

    def send(self, request, **kwargs):  # noqa: ANN001, ANN003, ANN201
        time.sleep(kwargs["timeout"][1])
        raise requests.ReadTimeout("no answer")


def test_a_connect_timeout_on_an_uncut_connect_timeout_counts_against_the_carrier() -> None:
    breaker = CircuitBreaker("black-holed", threshold=2, store=MemoryBreakerStore())
    client = ResilientClient("https://carrier.example.com", breaker, retry=RetryPolicy(attempts=1),
                             timeout=(0.05, 1.0), http=_BlackHoled(), sleep=lambda _s: None)
    for _ in range(2):  # budget 0.4 s: the connect timeout (0.05) is whole, the read timeout cut under half
        with answer_within(0.4), pytest.raises(Exception):  # noqa: B017, PT011
            client.request("GET", "/shipments")
    assert breaker.state == OPEN, "a dead carrier's breaker stayed closed"


def test_whole_tries_that_failed_are_not_forgotten_when_the_last_try_is_cut() -> None:
    breaker = CircuitBreaker("hung-retried", threshold=1, store=MemoryBreakerStore())
    client = ResilientClient("https://carrier.example.com", breaker,
                             retry=RetryPolicy(attempts=3, base_delay=0.001, jitter=0),
                             timeout=(0.05, 0.3), http=_Hangs(), sleep=lambda _s: None)
    # tries 1 and 2 each get the whole 0.3 s read timeout and time out; try 3 gets the ~0.1 s left
    with answer_within(0.7), pytest.raises(Exception):  # noqa: B017, PT011
        client.request("GET", "/shipments")
    assert breaker.state == OPEN, "two whole tries that timed out were not counted"


def test_a_hung_carriers_page_views_open_its_breaker() -> None:
    from bot.web.tracking import PAGE_WAITS_FOR_CARRIER

    read = 0.4  # the default (3.05, 10.0) scaled down 25x, and the page's budget with it
    budget = PAGE_WAITS_FOR_CARRIER / 10.0 * read
    breaker = CircuitBreaker("hung-pages", threshold=3, store=MemoryBreakerStore())
    client = ResilientClient("https://carrier.example.com", breaker, retry=RetryPolicy(attempts=3),
                             timeout=(0.12, read), http=_Hangs(), sleep=lambda _s: None)
    for _ in range(5):  # five shoppers open the tracking page of a carrier that hangs
        with answer_within(budget), pytest.raises(Exception):  # noqa: B017, PT011
            client.request("GET", "/shipments/X")
    assert breaker.state == OPEN, "five page views of a hung carrier never opened its breaker"
