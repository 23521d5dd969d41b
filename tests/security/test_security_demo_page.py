"""The demo page shows every code the sandbox "sent": it must only ever answer this machine.

A tunnel (ngrok, cloudflared) or a reverse proxy on the same host connects from 127.0.0.1, so the socket
address alone proves nothing; what the proxy adds (X-Forwarded-For, Forwarded, the public Host) does.
"""

from __future__ import annotations

import pytest

from tests.security.security_kit import OWN, latest_code, talk

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


def test_the_demo_outbox_answers_this_machine(client, runtime, demo):
    talk(runtime, OWN, "add a note for the driver: ring twice")
    talk(runtime, OWN, "yes")
    response = client.get("/demo/outbox", environ_base=LOCAL)
    assert response.status_code == 200 and latest_code(runtime, OWN) in response.get_data(as_text=True)


@pytest.mark.parametrize("remote", ["203.0.113.9", "10.0.0.5", "::ffff:203.0.113.9", "", "not-an-ip"])
def test_the_demo_page_is_invisible_from_elsewhere(client, demo, remote):
    for path in ("/demo", "/demo/outbox"):
        assert client.get(path, environ_base={"REMOTE_ADDR": remote}).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-For": "203.0.113.9"},
        {"Forwarded": "for=203.0.113.9;proto=https"},
        {"X-Real-IP": "203.0.113.9"},
        {"X-Forwarded-For": "127.0.0.1"},  # what a proxy says is not proof either
        {"Host": "abc123.ngrok-free.app"},
        {"Host": "bot.example.com"},
    ],
)
def test_the_demo_page_is_invisible_through_a_proxy_or_tunnel_on_this_machine(client, runtime, demo, headers):
    talk(runtime, OWN, "add a note for the driver: ring twice")
    talk(runtime, OWN, "yes")
    for path in ("/demo", "/demo/outbox"):
        response = client.get(path, environ_base=LOCAL, headers=headers)
        assert response.status_code == 404
        assert latest_code(runtime, OWN) not in response.get_data(as_text=True)
