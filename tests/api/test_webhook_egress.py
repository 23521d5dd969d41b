"""A merchant's handoff webhook may not point the server at its own network, as a carrier's base_url may not.

Found while closing the carrier's name check (tests/api/test_carrier_egress.py): the handoff webhook, which the
server POSTs to on every handoff, took any https host (`https://10.0.0.7/hook`, `https://169.254.169.254/...`, a
name resolving to either) and plain http to 127.0.0.1. Refused when saved (422 naming the field) unless the operator
allows private hosts, skipped when a row saved before is sent, and refused at connect for a name that resolves
inside (DNS stood in for by patching socket.getaddrinfo for that one name; the connections are real)."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime

import pytest

from backend import models as m
from bot.jobs.webhooks import _post, _target

NAME = "desk.attacker.test"


def _put(client, auth, url: str):  # noqa: ANN001, ANN202
    body = {"handoff": {"webhook": {"url": url, "secret_env": "MERCHANT_DEMO__HOOK_SECRET"}}}
    return client.put("/api/v1/settings", headers={**auth, "Content-Type": "application/json"}, data=json.dumps(body))


def _resolve_inside(monkeypatch, address: str = "127.0.0.1") -> None:  # noqa: ANN001
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if host != NAME:
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 443))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize("url", ["https://10.0.0.7/hook", "https://169.254.169.254/latest/meta-data",
                                 "https://127.1/hook", "https://localhost/hook", "http://127.0.0.1:9000/hook",
                                 f"https://{NAME}/hook"])
def test_a_private_webhook_is_refused_when_saved(client, demo, auth, url, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS", raising=False)
    _resolve_inside(monkeypatch)
    saved = _put(client, auth, url)
    assert saved.status_code == 422, (url, saved.get_json())
    assert "handoff.webhook.url" in saved.get_json()["errors"]
    monkeypatch.setenv("PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS", "1")  # the operator's helpdesk next door
    assert _put(client, auth, url).status_code == 200


def test_a_public_webhook_is_saved(client, demo, auth, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS", raising=False)
    _resolve_inside(monkeypatch, "93.184.215.14")
    assert _put(client, auth, f"https://{NAME}/hook").status_code == 200


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000/hook", "https://10.0.0.7/hook", "https://0x7f000001/hook"])
def test_a_stored_private_webhook_is_not_sent(url, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS", raising=False)
    monkeypatch.setenv("MERCHANT_DEMO__HOOK_SECRET", "s3cret")
    merchant = m.Merchant(id=1, slug="demo", name="Demo", timezone="Europe/London",
                          settings={"handoff_webhook": {"url": url, "secret_env": "MERCHANT_DEMO__HOOK_SECRET"}})
    assert _target(merchant) is None
    monkeypatch.setenv("PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS", "1")
    assert _target(merchant) == (url, "s3cret")


def test_a_webhook_name_resolving_inside_is_never_connected_to(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS", raising=False)
    listener = socket.create_server(("127.0.0.1", 0))  # nobody accepts: a connection made would wait in its backlog
    listener.settimeout(0.5)
    _resolve_inside(monkeypatch)
    try:
        failed = _post((f"https://{NAME}:{listener.getsockname()[1]}/hook", "s3cret"), {"status": "waiting"},
                       lambda: datetime(2026, 12, 6, 12, tzinfo=UTC))
        assert failed is not None and "non-public" in failed.error, failed
        with pytest.raises(TimeoutError):
            conn, _ = listener.accept()
            conn.close()
    finally:
        listener.close()
