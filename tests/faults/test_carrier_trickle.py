"""A carrier that trickles its answer is cut at the try's whole deadline, not held for as long as it trickles.

requests' read timeout is per socket read: a carrier sending its headers or its body a byte every 0.3 s, each gap
well under a 1 s read timeout, held the calling thread (a carrier lane, a tracking page's web thread, a retry job)
until it was done, past the client's timeouts and past any `answer_within` budget. Each try now ends by its
connect and read timeouts together, or what is left of the caller's budget (backend/deadline_io.py). Real sockets:
a threading server on 127.0.0.1 that trickles, and the sessions production builds (backend/egress.py).
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests

from backend import egress
from backend.http_adapter import HttpBackend
from backend.protocol import BackendUnavailable
from backend.resilience import (
    CLOSED,
    CircuitBreaker,
    MemoryBreakerStore,
    OutOfTime,
    ResilientClient,
    RetryPolicy,
    answer_within,
)

GAP = 0.3  # seconds between two bytes the carrier trickles: well under the read timeout
TIMEOUT = (0.5, 1.0)  # connect, read: a try's whole deadline is 1.5 s
BODY = json.dumps({"tracking_number": "PB123", "pad": "x" * 12}).encode()  # 50 bytes: 15 s trickled
GIVES_UP_BY = 4.5  # generous: the try's 1.5 s, far short of the trickle's end


class _Carrier(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.finished: defaultdict[str, threading.Event] = defaultdict(threading.Event)  # the whole answer sent
        self.connections = 0
        self.count_lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a connection goes back to the client's pool
    server: _Carrier

    def setup(self) -> None:
        super().setup()
        with self.server.count_lock:
            self.server.connections += 1

    def log_message(self, *_a: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - the handoff webhook
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path.lower()  # HttpBackend sends tracking numbers upper-cased
        if path == "/ok":
            body = json.dumps({"ok": True, "n": self.server.connections}).encode()
            self._send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n", body)
        elif path == "/big":  # about 1 MB of JSON, gzipped, in chunks
            events = [{"i": i, "at": "2026-12-07T09:00"} for i in range(40000)]
            body = gzip.compress(json.dumps({"events": events}).encode())
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n")
            for at in range(0, len(body), 16384):
                piece = body[at : at + 16384]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        elif path.endswith("/slow-headers"):  # the status line and headers a byte at a time
            head = b"HTTP/1.1 200 OK\r\nX-Pad: 0123456789\r\nContent-Type: application/json\r\n"
            if self._trickle([head[i : i + 1] for i in range(len(head))]):
                self._send(b"", BODY, path)
        elif path.endswith("/slow-body-length"):
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(BODY))
            self._trickle([BODY[i : i + 1] for i in range(len(BODY))], path)
        elif path.endswith("/slow-body-chunked"):
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            if self._trickle([b"1\r\n%s\r\n" % BODY[i : i + 1] for i in range(len(BODY))]):
                self._send_raw(b"0\r\n\r\n", path)
        elif path.endswith("/slow-body-close"):  # no length: the body ends when the connection does
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
            self.close_connection = True
            self._trickle([BODY[i : i + 1] for i in range(len(BODY))], path)
        else:
            self._send(b"HTTP/1.1 404 Not Found\r\n", b"{}")

    def _send(self, head: bytes, body: bytes, path: str = "") -> None:
        self._send_raw(head + b"Content-Length: %d\r\n\r\n" % len(body) + body, path)

    def _send_raw(self, data: bytes, path: str = "") -> None:
        try:
            self.wfile.write(data)
        except OSError:
            self.close_connection = True
            return
        if path:
            self.server.finished[path].set()

    def _trickle(self, pieces: list[bytes], path: str = "") -> bool:
        """Each piece after a pause shorter than the read timeout; False once the client has hung up."""
        try:
            for piece in pieces:
                self.wfile.write(piece)
                time.sleep(GAP)
        except OSError:
            self.close_connection = True
            return False
        if path:
            self.server.finished[path].set()
        return True


@pytest.fixture
def carrier() -> Iterator[_Carrier]:
    server = _Carrier()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _private_allowed() -> requests.Session:
    return egress.session_for({egress.PRIVATE_HOSTS_ENV: "1"})  # the operator lets carriers be on its network


def _public_only(monkeypatch: pytest.MonkeyPatch) -> requests.Session:
    monkeypatch.setattr(egress, "public", lambda _address: True)  # 127.0.0.1 passes as a public carrier would
    return egress.session_for({})


SESSIONS: dict[str, Callable[[pytest.MonkeyPatch], requests.Session]] = {
    "private-allowed": lambda _mp: _private_allowed(),
    "public-only": _public_only,
}


def _backend(carrier: _Carrier, http: requests.Session, store: MemoryBreakerStore) -> HttpBackend:
    return HttpBackend(carrier.base, "carrier-secret", merchant_slug="acme", timeout=TIMEOUT,
                       retry=RetryPolicy(attempts=1), breaker=CircuitBreaker("trickle", store=store), http=http)


def _gives_up(call: Callable[[], object], carrier: _Carrier, path: str, expected: type[Exception]) -> float:
    started = time.monotonic()
    with pytest.raises(expected) as raised:
        call()
    took = time.monotonic() - started
    assert "Timeout" in str(raised.value), raised.value  # given up as a timeout, not a broken or garbled answer
    assert not carrier.finished[path].is_set(), "the call waited for the whole trickle"
    assert took < GIVES_UP_BY, f"held {took:.1f} s by a carrier trickling its answer (try's deadline 1.5 s)"
    return took


@pytest.mark.parametrize("kind", SESSIONS)
def test_trickled_headers_end_the_try_at_its_deadline_and_count_against_the_carrier(carrier, monkeypatch, kind):  # noqa: ANN001
    store = MemoryBreakerStore()
    backend = _backend(carrier, SESSIONS[kind](monkeypatch), store)
    _gives_up(lambda: backend.get_shipment("SLOW-HEADERS"), carrier, "/shipments/slow-headers", BackendUnavailable)
    assert store.load("trickle")[0] == 1, "a try that ran out of its own whole time is the carrier failing"


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
@pytest.mark.parametrize("kind", [*SESSIONS, "plain-session"])
def test_a_trickled_body_ends_the_try_at_its_deadline_and_counts(carrier, monkeypatch, kind, framing):  # noqa: ANN001
    # a plain requests.Session (no watched connections): the body is still cut, through the response's connection
    http = requests.Session() if kind == "plain-session" else SESSIONS[kind](monkeypatch)
    store = MemoryBreakerStore()
    backend = _backend(carrier, http, store)
    number = f"SLOW-BODY-{framing}"
    _gives_up(lambda: backend.get_shipment(number), carrier, f"/shipments/{number.lower()}", BackendUnavailable)
    assert store.load("trickle")[0] == 1


def test_a_cut_try_leaves_no_half_read_connection_in_the_pool(carrier):  # noqa: ANN001
    client = ResilientClient(carrier.base, CircuitBreaker("pool", store=MemoryBreakerStore()),
                             retry=RetryPolicy(attempts=1), timeout=TIMEOUT, http=_private_allowed())
    assert client.request("GET", "/ok").json()["ok"] is True
    with pytest.raises(BackendUnavailable):
        client.request("GET", "/slow-body-length")
    answer = client.request("GET", "/ok")  # not the rest of the cut body: a connection of its own
    assert answer.json() == {"ok": True, "n": 2}
    assert carrier.connections == 2


def test_a_try_our_budget_cut_short_is_out_of_time_and_not_the_carriers_failure(carrier):  # noqa: ANN001
    store = MemoryBreakerStore()
    backend = HttpBackend(carrier.base, "carrier-secret", merchant_slug="acme", timeout=(0.5, 2.0),
                          breaker=CircuitBreaker("trickle", store=store), http=_private_allowed())
    # the last 0.6 s of a message's 9 s: under half the read timeout and under half the budget (the cut rule)
    with answer_within(0.6, of=9.0):
        _gives_up(lambda: backend.get_shipment("SLOW-BODY-LENGTH"), carrier, "/shipments/slow-body-length", OutOfTime)
    assert store.load("trickle")[0] == 0, "our budget's remnant ran out, not the carrier"


def test_a_budgets_whole_worth_of_trickle_counts_against_the_carrier(carrier):  # noqa: ANN001
    store = MemoryBreakerStore()
    backend = HttpBackend(carrier.base, "carrier-secret", merchant_slug="acme", timeout=(0.5, 2.0),
                          breaker=CircuitBreaker("trickle", store=store), http=_private_allowed())
    with answer_within(1.2):  # a tracking page's whole budget, over half the read timeout: the carrier's failing
        _gives_up(lambda: backend.get_shipment("SLOW-HEADERS"), carrier, "/shipments/slow-headers", OutOfTime)
    assert store.load("trickle")[0] == 1


@pytest.mark.parametrize("kind", SESSIONS)
def test_a_healthy_carrier_still_answers_whole_bodies_on_one_connection(carrier, monkeypatch, kind):  # noqa: ANN001
    breaker = CircuitBreaker("healthy", store=MemoryBreakerStore())
    client = ResilientClient(carrier.base, breaker, timeout=TIMEOUT, http=SESSIONS[kind](monkeypatch))
    assert client.request("GET", "/ok").json() == {"ok": True, "n": 1}
    big = client.request("GET", "/big")  # streamed, chunked and gzipped: decoded whole
    events = big.json()["events"]
    assert len(events) == 40000 and events[-1] == {"i": 39999, "at": "2026-12-07T09:00"}
    assert client.request("GET", "/ok").json() == {"ok": True, "n": 1}
    assert carrier.connections == 1, "each body read whole, so the connection went back to the pool"
    assert breaker.state == CLOSED


def test_the_handoff_webhook_is_not_held_by_a_receiver_trickling_its_answer(carrier, monkeypatch):  # noqa: ANN001
    from bot.jobs import webhooks

    monkeypatch.setenv(egress.PRIVATE_HOSTS_ENV, "1")
    monkeypatch.setattr(webhooks, "TIMEOUT", TIMEOUT)
    started = time.monotonic()
    failed = webhooks._post((f"{carrier.base}/hook/slow-headers", "hook-secret"), {"kind": "handoff"},
                            lambda: datetime.now(UTC))
    took = time.monotonic() - started
    assert failed is not None and failed.retry and "Timeout" in failed.error, failed  # a timeout: tried again later
    assert not carrier.finished["/hook/slow-headers"].is_set()
    assert took < GIVES_UP_BY, f"the webhook job was held {took:.1f} s"


@pytest.mark.parametrize("kind", [*SESSIONS, "plain-session"])
def test_a_deadline_striking_once_the_connection_is_back_in_the_pool_cuts_nothing(carrier, monkeypatch, kind):  # noqa: ANN001
    """The try's answer was read whole and its connection went back to the pool; the watch was disarmed only a
    moment later. A deadline striking in that moment shut the pooled connection down under whichever try took it
    next (another thread's), and called the finished try cut. Struck here at the worst moment, on purpose."""
    import urllib3.connectionpool

    from backend import deadline_io

    http = requests.Session() if kind == "plain-session" else SESSIONS[kind](monkeypatch)
    put_back = urllib3.connectionpool.HTTPConnectionPool._put_conn

    def put_back_then_strike(pool, conn):  # noqa: ANN001, ANN202
        put_back(pool, conn)
        watch = deadline_io._WATCH.get()
        if watch is not None:
            watch.expire()  # the deadline, just after the pool has the connection back

    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "_put_conn", put_back_then_strike)
    first = deadline_io.fetch(http.get, 5.0, f"{carrier.base}/ok", timeout=TIMEOUT)  # not TotalTimeout: it was whole
    assert first.json() == {"ok": True, "n": 1}
    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "_put_conn", put_back)
    second = http.get(f"{carrier.base}/ok", timeout=TIMEOUT)  # the next try on the pooled connection, not cut
    assert second.json() == {"ok": True, "n": 1}
    assert carrier.connections == 1, "the pooled connection was shut down by a try that had finished"
