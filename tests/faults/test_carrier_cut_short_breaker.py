"""A try cut short by the message's budget is not a carrier failure (found by review of answer_within).

A try whose timeouts were cut to what is left of a shopper's budget counted in the circuit breaker as the carrier
failing, though the carrier answers within its own configured timeout: shopper turns then opened the breaker
(shared per host, and across processes with Redis) for the background jobs that would have had their answer."""

from __future__ import annotations

import time

import pytest
import requests

from backend.resilience import (
    CircuitBreaker,
    CircuitOpen,
    MemoryBreakerStore,
    ResilientClient,
    RetryPolicy,
    answer_within,
)


class _Slow(requests.Session):
    """A carrier that answers every request in 0.3 s: well inside the 1 s read timeout it is configured with."""

    def send(self, request, **kwargs):  # noqa: ANN001, ANN003, ANN201
        read = kwargs["timeout"][1]
        time.sleep(min(0.3, read))
        if read < 0.3:
            raise requests.ReadTimeout("cut short")
        response = requests.Response()
        response.status_code, response._content = 200, b"{}"  # noqa: SLF001
        return response


def test_a_try_cut_short_by_the_message_budget_is_not_a_carrier_failure() -> None:
    breaker = CircuitBreaker("cut-short", threshold=3, store=MemoryBreakerStore())
    client = ResilientClient("https://carrier.example.com", breaker, retry=RetryPolicy(attempts=1),
                             timeout=(0.5, 1.0), http=_Slow(), sleep=lambda _s: None)
    for _ in range(3):  # three shopper turns with 0.1 s left of their 9 s: told "not answering", rightly
        with answer_within(0.1, of=9.0), pytest.raises(Exception):  # noqa: B017, PT011
            client.request("GET", "/shipments")
    try:  # a background job (no budget): the carrier would answer it in 0.3 s
        client.request("GET", "/shipments")
    except CircuitOpen as exc:
        pytest.fail(f"the breaker opened on tries our own budget cut short: {exc}")


class _Hangs(requests.Session):
    def send(self, request, **kwargs):  # noqa: ANN001, ANN003, ANN201
        time.sleep(kwargs["timeout"][1])
        raise requests.ReadTimeout("no answer")


def test_a_hung_carriers_budgeted_try_still_counts_against_it() -> None:
    """The other side of the rule: a try given most of the carrier's read timeout (a shopper's 9 s of 10) that
    still gets nothing is the carrier failing, or a hung carrier's shoppers would never open its breaker."""
    breaker = CircuitBreaker("hung-budgeted", threshold=2, store=MemoryBreakerStore())
    client = ResilientClient("https://carrier.example.com", breaker, retry=RetryPolicy(attempts=1),
                             timeout=(0.2, 0.3), http=_Hangs(), sleep=lambda _s: None)
    for _ in range(2):
        with answer_within(0.27), pytest.raises(Exception):  # noqa: B017, PT011
            client.request("GET", "/shipments")
    with pytest.raises(CircuitOpen):
        client.request("GET", "/shipments")
