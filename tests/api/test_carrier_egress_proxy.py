"""With a proxy in the environment the connection check doesn't apply at all (review; documented in egress.py).

requests takes HTTP(S)_PROXY/ALL_PROXY from the environment (Session.send resolves them, trust_env), and the proxy
pools are not the public-only ones: a carrier name resolving to the cloud's metadata service, or rebinding after
it was saved, is fetched by the proxy. A general-purpose forward proxy does not refuse 169.254.169.254, and the
variables are often set for other reasons (a build image, an outbound allow-list for Twilio)."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backend import models as m
from backend.protocol import BackendUnavailable
from backend.registry import backend_for

ENV = {"MERCHANT_ACME__CARRIER_SECRET": "s3cret"}
NAME = "carrier.attacker.test"


def _resolve_inside(monkeypatch) -> None:  # noqa: ANN001
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if host != NAME:
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port or 443))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_proxy_from_the_environment_does_not_carry_a_request_to_a_private_host(monkeypatch) -> None:  # noqa: ANN001
    asked: list[str] = []

    class Proxy(BaseHTTPRequestHandler):
        def log_message(self, *_a):  # noqa: ANN002, ANN202
            pass

        def do_GET(self) -> None:  # noqa: N802
            asked.append(self.path)  # an absolute URL: the proxy would fetch it
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    proxy.daemon_threads = True
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    _resolve_inside(monkeypatch)
    config = {"type": "http", "base_url": f"http://{NAME}/v1", "allow_insecure_http": True,
              "secret_env": "MERCHANT_ACME__CARRIER_SECRET", "retry_attempts": 1}
    merchant = m.Merchant(id=1, slug="acme", name="Acme", timezone="Europe/London", settings={"backend": config})
    backend = backend_for(None, merchant, env=ENV)  # a name that resolves inside since it was saved
    try:
        with pytest.raises(BackendUnavailable):
            backend.find_shipments(phone="+447700900111")
    finally:
        proxy.shutdown()
    assert asked == [], f"the proxy was asked for {asked}"
