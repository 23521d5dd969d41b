"""A carrier host NAME that resolves to this machine or its network is refused: at save and at every connection.

Carried from the last review as a known gap: the save-time check (backend/registry.py) judged the base_url's
spelling only, so `carrier.attacker.test` resolving to 127.0.0.1 (or 169.254.169.254, a cloud's metadata service)
was saved, and every turn's carrier call went into the server's own network (SSRF). DNS is stood in for by
patching socket.getaddrinfo for the attacker's name only (everything else resolves as usual); the connections are
real, to a local server that records every request it gets."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backend import models as m
from backend.protocol import BackendUnavailable
from backend.registry import backend_for, check_config

NAME = "carrier.attacker.test"
ENV = {"MERCHANT_ACME__CARRIER_SECRET": "s3cret"}


@pytest.fixture
def inside_server():  # noqa: ANN201
    """A server on 127.0.0.1: what the attacker's name points the bot at. Records the paths it is asked for."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_a):  # noqa: ANN002, ANN202
            pass

        def do_GET(self) -> None:  # noqa: N802
            asked.append(self.path)
            body = b'{"shipments": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], asked
    server.shutdown()


def _dns(monkeypatch, answers: list[str]) -> list[str]:  # noqa: ANN001
    """NAME resolves to each of `answers` in turn (the last one from then on): a rebinding name when they differ."""
    real, seen = socket.getaddrinfo, []

    def getaddrinfo(host, port, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if host != NAME:
            return real(host, port, *args, **kwargs)
        address = answers[min(len(seen), len(answers) - 1)]
        seen.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 443))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return seen


def _merchant(port: int) -> m.Merchant:
    return m.Merchant(id=1, slug="acme", name="Acme", timezone="Europe/London", settings={"backend": _config(port)})


def _config(port: int) -> dict:
    return {"type": "http", "base_url": f"http://{NAME}:{port}/v1", "allow_insecure_http": True,
            "secret_env": "MERCHANT_ACME__CARRIER_SECRET", "retry_attempts": 1}


def test_a_name_resolving_to_a_private_address_is_refused_when_saved(monkeypatch, inside_server) -> None:  # noqa: ANN001
    port, _asked = inside_server
    _dns(monkeypatch, ["127.0.0.1"])
    new = m.Merchant(id=1, slug="acme", name="Acme", timezone="Europe/London", settings={})  # no carrier saved yet
    problem = check_config(None, new, _config(port), env=ENV)
    assert problem is not None and problem[0] == "base_url" and "127.0.0.1" in problem[1], problem
    _dns(monkeypatch, ["93.184.215.14"])  # the same name, public: saved
    assert check_config(None, new, _config(port), env=ENV) is None


def test_a_carrier_saved_before_is_not_looked_up_again_when_another_section_is_saved(monkeypatch) -> None:  # noqa: ANN001
    """Review: every save of any section looked the stored host up in DNS (no timeout), and a stored name now
    resolving inside blocked saving anything else. Only a host that changes is looked up; the connection's own
    check still refuses the stored one."""
    seen = _dns(monkeypatch, ["127.0.0.1"])
    assert check_config(None, _merchant(443), _config(443), env=ENV) is None
    assert seen == []


def test_a_saved_name_that_now_resolves_inside_is_never_connected_to(monkeypatch) -> None:  # noqa: ANN001
    listener = socket.create_server(("127.0.0.1", 0))  # nobody accepts: a connection made would wait in its backlog
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    _dns(monkeypatch, ["127.0.0.1"])
    backend = backend_for(None, _merchant(port), env=ENV)
    try:
        with pytest.raises(BackendUnavailable):
            backend.find_shipments(phone="+447700900111")
        with pytest.raises(TimeoutError):  # refused before connecting: no packet went to the private address
            conn, _ = listener.accept()
            conn.close()
    finally:
        listener.close()


def test_a_name_that_rebinds_between_the_check_and_the_connect_is_closed_before_the_request(monkeypatch,  # noqa: ANN001
                                                                                          inside_server) -> None:
    port, asked = inside_server
    seen = _dns(monkeypatch, ["93.184.215.14", "127.0.0.1"])  # public when checked, loopback when connected
    backend = backend_for(None, _merchant(port), env=ENV)
    with pytest.raises(BackendUnavailable):
        backend.find_shipments(phone="+447700900111")
    assert seen[:2] == ["93.184.215.14", "127.0.0.1"]  # both lookups happened: the check, then urllib3's connect
    assert asked == [], "a rebinding name got a request into the bot's own machine"


def test_the_operator_can_allow_private_carriers(monkeypatch, inside_server) -> None:  # noqa: ANN001
    port, asked = inside_server
    _dns(monkeypatch, ["127.0.0.1"])
    env = {**ENV, "PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS": "1"}
    assert check_config(None, _merchant(port), _config(port), env=env) is None
    assert backend_for(None, _merchant(port), env=env).find_shipments(phone="+447700900111") == []
    assert asked and asked[0].startswith("/v1/shipments")


def test_a_slow_dns_answer_does_not_hold_a_save(monkeypatch) -> None:  # noqa: ANN001
    """getaddrinfo has no timeout of its own: a save waits LOOKUP_SECONDS at most, then the name passes (the
    connection's check still applies)."""
    from backend import egress

    real, release = socket.getaddrinfo, threading.Event()

    def slow(host, port, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if host == NAME:
            release.wait(10)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    monkeypatch.setattr(egress, "LOOKUP_SECONDS", 0.2)
    started = time.monotonic()
    try:
        assert egress.inside_reason(NAME) is None
        took = time.monotonic() - started
    finally:
        release.set()
    assert took < 2, f"the lookup held the save {took:.1f} s"
