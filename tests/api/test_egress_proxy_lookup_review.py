"""Through a proxy from the environment, the only check of a carrier's host is PublicOnlyAdapter.send's look-up
(egress.inside_reason), and it failed open (review of a0f4f8f).

The look-up ran on a module-wide pool of 2 threads shared with every settings save, capped at 2 s; getaddrinfo
can't be cancelled, so two slow names (any merchant's, saved or called) filled the pool, and then every proxied
carrier call waited the 2 s and went to the proxy unchecked, a name resolving to 169.254.169.254 included. The wait
was also outside the caller's budget. Now each look-up has a thread of its own (a bounded number in flight), is
held to the caller's budget, and at send time one that can't be judged in time is refused."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
import requests
from requests.adapters import HTTPAdapter

from backend import egress
from backend.resilience import answer_within

NAME = "carrier.attacker.test"
PROXIES = {"http": "http://proxy.internal.test:3128", "https": "http://proxy.internal.test:3128"}


@pytest.fixture
def dns(monkeypatch):  # noqa: ANN001, ANN201
    """NAME resolves to the metadata address; slow-*.test names hang until released."""
    release = threading.Event()

    def private_addresses(host: str) -> list[str]:
        if host.startswith("slow-"):
            release.wait(30)
            return []
        return ["169.254.169.254"] if host == NAME else []

    monkeypatch.setattr(egress, "private_addresses", private_addresses)
    monkeypatch.setattr(egress, "LOOKUP_SECONDS", 0.2)
    yield release
    release.set()


@pytest.fixture
def sent(monkeypatch):  # noqa: ANN001, ANN201
    """What reached the proxy (requests' own adapter, under PublicOnlyAdapter)."""
    urls: list[str] = []

    def send(self, request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        urls.append(request.url)
        response = requests.Response()
        response.status_code, response._content, response.request = 200, b"{}", request  # noqa: SLF001
        return response

    monkeypatch.setattr(HTTPAdapter, "send", send)
    return urls


def _send(host: str) -> None:
    prepared = requests.Request("GET", f"http://{host}/v1/shipments").prepare()
    egress.PublicOnlyAdapter().send(prepared, timeout=(1, 1), proxies=PROXIES)


def test_a_private_name_is_refused_before_the_proxy_when_the_pool_is_free(dns, sent) -> None:  # noqa: ANN001
    with pytest.raises(requests.ConnectionError, match="refused"):
        _send(NAME)
    assert sent == []


def test_slow_lookups_elsewhere_do_not_let_a_private_name_through_the_proxy(dns, sent) -> None:  # noqa: ANN001
    for i in range(2):  # two saves (or calls) naming hosts whose DNS is slow: each returns in 0.2 s, its thread stays
        assert egress.inside_reason(f"slow-{i}.test") is None
    with pytest.raises(requests.ConnectionError, match="refused"):
        _send(NAME)
    assert sent == [], f"sent to the proxy unchecked: {sent}"


def test_the_proxy_lookup_is_held_to_the_callers_budget(dns, sent, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(egress, "LOOKUP_SECONDS", 1.0)
    started = time.monotonic()
    with answer_within(0.2), contextlib.suppress(requests.ConnectionError):
        _send("slow-carrier.test")  # the carrier's own name, slow to resolve
    took = time.monotonic() - started
    assert took < 0.5, f"a 0.2 s budget waited {took:.1f} s for the look-up"
