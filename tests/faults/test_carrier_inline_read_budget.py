"""An inline read is held to the message's budget too (found by review of backend.resilience.answer_within).

The engine's last resort (a turn that needed more than MAX_CARRIER_REPLAYS answers asks the rest inline,
bot/engine/) read the carrier with no budget at all: each read against a hung carrier waited out the client's own
timeouts (3 tries of 10 s plus backoff), with the turn's transaction open, whatever was left of the message's 9 s."""

from __future__ import annotations

import time

import pytest
import requests

from backend.http_adapter import HttpBackend
from backend.resilience import CircuitBreaker, MemoryBreakerStore, RetryPolicy
from bot.core.carrier import CarrierAnswers, CarrierSnapshot, CarrierTimedOut


class _Hangs(requests.Session):
    """Takes each try and never answers: waits out the read timeout it is given."""

    def send(self, request, **kwargs):  # noqa: ANN001, ANN003, ANN201
        time.sleep(kwargs["timeout"][1])
        raise requests.ReadTimeout("no answer")


def test_an_inline_read_is_held_to_what_is_left_of_the_message_budget() -> None:
    backend = HttpBackend("https://carrier.example.com/v1", "secret", timeout=(0.2, 0.4),
                          retry=RetryPolicy(base_delay=0.01, jitter=0), http=_Hangs(),
                          breaker=CircuitBreaker("inline-read", store=MemoryBreakerStore()))
    snapshot = CarrierSnapshot(backend, CarrierAnswers(budget=0.3), inline=True)
    started = time.monotonic()
    with pytest.raises(CarrierTimedOut):
        snapshot.get_shipment("TRK1")
    took = time.monotonic() - started
    assert took < 0.6, f"an inline read took {took:.2f} s with 0.3 s of the message's budget left"
