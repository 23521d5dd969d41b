"""Review of the handoff webhook's egress (bot/jobs/webhooks.py, backend/egress.py): two gaps.

1. The POST followed redirects (requests' default; the carrier's client never does): an https helpdesk answering
   307 had the signed event re-sent to wherever it pointed, another host or plain http, signature header and all.
2. An address with an IPv4 address inside it (NAT64's 64:ff9b::/96, 6to4's 2002::/16) passed as public whatever
   the address inside: on an IPv6-only host behind DNS64/NAT64 a name answering 64:ff9b::a00:7 reaches 10.0.0.7."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backend import egress
from bot.jobs.webhooks import _post


def _server(status: int, location: str = "") -> tuple[ThreadingHTTPServer, list[dict]]:
    got: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_a):  # noqa: ANN002, ANN202
            pass

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            got.append(dict(self.headers))
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, got


def test_a_webhook_redirect_is_not_followed(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS", "1")  # both servers local
    elsewhere, stolen = _server(200)
    desk, asked = _server(307, f"http://localhost:{elsewhere.server_address[1]}/elsewhere")
    try:
        failed = _post((f"http://127.0.0.1:{desk.server_address[1]}/hook", "s3cret"), {"status": "waiting"},
                       lambda: datetime(2026, 12, 6, 12, tzinfo=UTC))
    finally:
        desk.shutdown()
        elsewhere.shutdown()
    assert asked, "the helpdesk wasn't asked"
    assert stolen == [], "the signed event was re-sent to where the redirect pointed"
    assert failed is not None


@pytest.mark.parametrize("address", ["64:ff9b::a00:7", "64:ff9b::a9fe:a9fe", "2002:a00:7::1", "2002:7f00:1::1"])
def test_an_address_with_a_private_ipv4_inside_is_not_public(address: str) -> None:
    assert not egress.public(address)
    assert egress.private_spelling(address)


def test_an_address_with_a_public_ipv4_inside_stays_public() -> None:
    assert egress.public("64:ff9b::808:808") and egress.public("2002:808:808::1")
