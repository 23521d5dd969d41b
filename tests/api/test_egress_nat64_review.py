"""The local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215) passed as public (review of a0f4f8f).

The NAT64 check knew only the well-known 64:ff9b::/96. An IPv6-only deployment whose translator uses the
local-use prefix (the one RFC 8215 sets aside for exactly that) reaches 10.0.0.7 at 64:ff9b:1::a00:7, and
Python 3.11's ipaddress counts the whole /48 global (IANA: not globally reachable; later Pythons agree): a
carrier name whose AAAA record is that address was saved and connected to."""

from __future__ import annotations

import pytest

from backend.egress import private_spelling, public


@pytest.mark.parametrize("address", ["64:ff9b:1::a00:7", "64:ff9b:1::a9fe:a9fe", "64:ff9b:1:ffff::7f00:1"])
def test_the_local_use_nat64_prefix_is_not_public(address: str) -> None:
    assert not public(address)
    assert private_spelling(address)


def test_public_ipv6_and_the_well_known_prefix_to_a_public_ipv4_still_pass() -> None:
    assert public("2606:4700:4700::1111") and public("64:ff9b::808:808")
