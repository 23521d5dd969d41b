"""Found by review: c7d3389 refused a merchant's http carrier at a private address (SSRF), but backend/registry.py
_private_host only recognises names ending .localhost/.internal/.local and addresses ipaddress.ip_address()
parses. Other spellings of the same addresses, which the socket layer resolves (inet_aton / getaddrinfo) and
requests connects to, pass: "127.1" and "2130706433" are 127.0.0.1, "0xa9fea9fe" and "169.254.43518" are the
cloud metadata address 169.254.169.254, "0" is 0.0.0.0 (this host). (A DNS name
that resolves to a private address passes too: the check never resolves.) The README promises such a base_url
"is refused" unless PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS is set."""

from __future__ import annotations

import socket

import pytest

from backend import models as m
from backend.registry import check_config

SPELLINGS = ["127.1", "2130706433", "0x7f000001", "0xa9fea9fe", "169.254.43518", "0"]


@pytest.mark.parametrize("host", SPELLINGS)
def test_another_spelling_of_a_private_address_is_refused(host, monkeypatch):  # noqa: ANN001
    assert not socket.gethostbyname(host).startswith(("8.", "1.1")), host  # the socket layer reads it as private
    monkeypatch.delenv("PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS", raising=False)
    merchant = m.Merchant(id=1, slug="acme", name="Acme", timezone="Europe/London", settings={})
    config = {"type": "http", "base_url": f"https://{host}/v1", "secret_env": "MERCHANT_ACME__CARRIER_SECRET"}
    problem = check_config(None, merchant, config, env={"MERCHANT_ACME__CARRIER_SECRET": "x"})
    assert problem is not None and problem[0] == "base_url", (
        f"https://{host}/v1 ({socket.gethostbyname(host)}) was accepted as a public carrier address")
