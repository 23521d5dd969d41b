"""A merchant's carrier is called over a connection kept from one turn to the next (backend/egress.kept_session).

Found re-reading the carrier path: the registry built a new requests Session for every turn, so every carrier call
opened a new TCP connection (and, against a real carrier, a TLS handshake): on a delivery morning, thousands of
handshakes to a carrier that is already slow. Now each merchant's carrier host has a session kept in the process.
What must not come with it: one merchant's connection or cookies used for another's calls. A real keep-alive server
on 127.0.0.1 records which client connection (its source port) every request came on, and the cookies it was sent."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backend import egress
from backend import models as m
from backend.registry import backend_for

ENV = {"MERCHANT_ACME__CARRIER_SECRET": "s3cret", "MERCHANT_BOLT__CARRIER_SECRET": "s3cret",
       egress.PRIVATE_HOSTS_ENV: "1"}  # the test carrier is on this machine


@pytest.fixture
def carrier() -> Iterator[tuple[int, list[tuple[int, str | None]]]]:
    """A carrier speaking HTTP/1.1 with keep-alive that sets a cookie on every answer; records (client port,
    Cookie header) per request."""
    seen: list[tuple[int, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_a):  # noqa: ANN002, ANN202
            pass

        def do_GET(self) -> None:  # noqa: N802
            seen.append((self.client_address[1], self.headers.get("Cookie")))
            body = b'{"shipments": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Set-Cookie", "carrier_session=for-whoever-asked; Path=/")
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], seen
    server.shutdown()


NAME = "api.carrier-reuse.test"  # a name (cookies are kept per domain), resolving to the local carrier


@pytest.fixture(autouse=True)
def _dns(monkeypatch) -> None:  # noqa: ANN001
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        return real("127.0.0.1" if host == NAME else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _merchant(merchant_id: int, slug: str, port: int) -> m.Merchant:
    config = {"type": "http", "base_url": f"http://{NAME}:{port}/v1", "allow_insecure_http": True,
              "secret_env": f"MERCHANT_{slug.upper()}__CARRIER_SECRET", "retry_attempts": 1}
    return m.Merchant(id=merchant_id, slug=slug, name=slug.title(), timezone="Europe/London",
                      settings={"backend": config})


def test_turns_of_one_merchant_reuse_one_connection_to_its_carrier(carrier) -> None:  # noqa: ANN001
    port, seen = carrier
    acme = _merchant(9101, "acme", port)
    for _ in range(3):  # three turns: the registry builds the merchant's backend afresh for each
        assert backend_for(None, acme, env=ENV).find_shipments(phone="+447700900111") == []
    ports = [client for client, _cookie in seen]
    assert len(ports) == 3 and len(set(ports)) == 1, f"a new connection per turn: {ports}"


def test_merchants_on_one_carrier_share_neither_connections_nor_cookies(carrier) -> None:  # noqa: ANN001
    port, seen = carrier
    acme, bolt = _merchant(9102, "acme", port), _merchant(9103, "bolt", port)
    for merchant in (acme, bolt, acme, bolt):
        assert backend_for(None, merchant, env=ENV).find_shipments(phone="+447700900111") == []
    (a1, _), (b1, _), (a2, _), (b2, _) = seen
    assert a1 == a2 and b1 == b2 and a1 != b1  # each its own kept connection
    assert [cookie for _client, cookie in seen] == [None] * 4  # a carrier's cookie never rides on a later call
    # nor is it kept: a session that lives as long as the process would pile up every cookie a carrier sets
    assert [len(egress.kept_session(f"carrier:{mid}:{NAME}:{port}", ENV).cookies) for mid in (9102, 9103)] == [0, 0]
