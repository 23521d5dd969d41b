"""Calls to a merchant-chosen host (a carrier's base_url, a helpdesk's handoff webhook) reach the public internet
only: checked when the setting is saved, and where the socket is made.

A merchant's carrier `base_url` is checked when it is saved (backend/registry.py refuses `localhost`, private and
link-local addresses and their numeric spellings), but a NAME was let through: `carrier.attacker.example` resolving
to 127.0.0.1 or 169.254.169.254 (a cloud's metadata service) made the server call into its own network (SSRF).
The name can't be judged at save time alone either: its DNS answer can change afterwards (rebinding). So the
session used for such a carrier checks every connection it makes: the name's addresses before connecting (none may
be private: no packet is sent to one), and the address actually connected to after (a name that re-resolved to a
private address between the two is closed before a byte of the request is written). Refused connections raise
urllib3's NewConnectionError, which requests reports as a ConnectionError: the carrier "isn't answering".

With an HTTP(S) proxy configured in the environment the connection goes to the proxy: the name is then looked up
and judged before the proxy is asked (PublicOnlyAdapter.send), and the proxy's own lookup is its to police.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from collections.abc import Mapping
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.utils import select_proxy
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from backend.deadline_io import LetsGo, Watched, WatchedAdapter
from backend.resilience import time_left

# Set to 1 by an operator whose merchants' carriers or helpdesks are on its own network; unset, refused (SSRF).
PRIVATE_HOSTS_ENV = "PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS"


# IPv6 prefixes that carry an IPv4 address a gateway reaches for us: NAT64's well-known prefix (DNS64 answers
# 64:ff9b::a00:7 for 10.0.0.7 on an IPv6-only host) and 6to4. Python counts them global whatever is inside (review).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# RFC 8215's local-use NAT64 prefix: a translator of this network's own, never globally reachable (IANA), though
# Python 3.11 counts it global; where the IPv4 address sits in it depends on the operator's prefix length (review).
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")


def public(address: str) -> bool:
    """A globally routable address (not loopback, private, link-local, shared, reserved...), and so is any IPv4
    address inside it."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _LOCAL_NAT64:
            return False
        inside = ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        if inside is not None and not inside.is_global:
            return False
    return ip.is_global


def private_spelling(host: str) -> bool:
    """`host` as written names this machine or a private network: `localhost`, `*.internal`, a private address,
    or a numeric spelling the socket layer reads as one ("127.1", "2130706433", "0x7f000001", "0")."""
    if host in ("localhost", "localhost.localdomain") or host.endswith((".localhost", ".internal", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        try:
            address = ipaddress.ip_address(socket.inet_aton(host))
        except (OSError, ValueError):
            return False  # a name: see private_addresses and the session below
    return not public(str(address))


def inside_reason(host: str, *, within: float | None = None, fail_closed: bool = False) -> str | None:
    """Why a merchant-chosen `host` is refused: written as a private address, or a name that resolves to one now.
    None: public as far as can be told. The lookup waits `within` seconds at most (LOOKUP_SECONDS by default);
    a name it can't judge in time passes when a setting is saved (the connection's check still applies) and is
    refused when a call is about to go to a proxy (`fail_closed`: there, this is the only check)."""
    if private_spelling(host):
        return f"{host} is this machine or a private network"
    inside = _lookup(host, LOOKUP_SECONDS if within is None else within)
    if inside is None:
        return f"{host} could not be looked up in time" if fail_closed else None
    return f"{host} resolves to {inside[0]}" if inside else None


LOOKUP_SECONDS = 2.0
MAX_LOOKUPS = 64  # in flight at once; past it a lookup counts as not answered in time
_in_flight = threading.BoundedSemaphore(MAX_LOOKUPS)


def _lookup(host: str, seconds: float) -> list[str] | None:
    """private_addresses(host) on a thread of its own, waited for `seconds`: None if it didn't answer in time; []
    for a name that doesn't resolve. getaddrinfo has no timeout and can't be cancelled, so a lookup past its time
    runs on and ends by itself; a thread per lookup (not a small shared pool) means slow names elsewhere can't
    make every later lookup time out (review), and the semaphore bounds how many can pile up."""
    if seconds <= 0 or not _in_flight.acquire(blocking=False):
        return None
    answer: list[list[str]] = []

    def run() -> None:
        try:
            answer.append(private_addresses(host))
        except OSError:
            answer.append([])
        finally:
            _in_flight.release()

    thread = threading.Thread(target=run, name="parcelbot-dns", daemon=True)
    thread.start()
    thread.join(seconds)
    return answer[0] if answer else None


def private_allowed(env: Mapping[str, str]) -> bool:
    """The operator lets merchants' carriers and webhooks be on a private network (a carrier next door, tests)."""
    return env.get(PRIVATE_HOSTS_ENV, "").lower() in ("1", "true", "yes")


def private_addresses(host: str, port: int | None = None) -> list[str]:
    """The addresses `host` resolves to that are not public (an empty list: all public). Raises OSError (gaierror)
    when the name doesn't resolve."""
    infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos if not public(str(info[4][0]))})


class _PublicOnly:
    """Mixed into urllib3's connection classes: refuse before connecting, and check the peer after."""

    host: str
    port: int
    _dns_host: str

    def _new_conn(self) -> socket.socket:
        try:
            inside = private_addresses(self._dns_host, self.port)
        except OSError:
            inside = []  # doesn't resolve: urllib3's own connect reports it the usual way
        if inside:
            raise NewConnectionError(self, f"refused: {self.host} resolves to a non-public address ({inside[0]})")
        sock = super()._new_conn()  # type: ignore[misc]
        try:
            peer = sock.getpeername()[0]
        except OSError:
            peer = ""
        if not public(str(peer)):
            sock.close()
            raise NewConnectionError(self, f"refused: {self.host} connected to a non-public address ({peer})")
        return sock


# Watched first: only a socket the public-only check let through is handed to the try's deadline (deadline_io).
class _PublicHTTPConnection(Watched, _PublicOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(Watched, _PublicOnly, HTTPSConnection):
    pass


class _PublicHTTPPool(LetsGo, HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(LetsGo, HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class PublicOnlyAdapter(WatchedAdapter):
    """requests' adapter whose pools connect to public addresses only (and are cut at a try's deadline, as
    WatchedAdapter's are).

    Through a proxy (HTTP(S)_PROXY/ALL_PROXY in the environment, which requests honours and which is often set
    for other reasons) the connection is the proxy's and the pools' check can't see the carrier's address, so the
    name is looked up here first and a private answer refused before the proxy is asked (review). The proxy
    resolves the name again itself: a name that rebinds in between is the proxy's to stop."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        proxies = kwargs.get("proxies") or (args[4] if len(args) > 4 else None)
        if proxies and select_proxy(request.url or "", proxies):
            left = time_left()  # the caller's budget (a shopper's message) bounds the lookup too
            within = LOOKUP_SECONDS if left is None else min(LOOKUP_SECONDS, left)
            reason = inside_reason(urlsplit(request.url or "").hostname or "", within=within, fail_closed=True)
            if reason:
                raise requests.ConnectionError(f"refused: {reason}", request=request)
        return super().send(request, *args, **kwargs)


def public_only_session() -> requests.Session:
    """A requests Session for a host a merchant chose: both schemes through PublicOnlyAdapter."""
    return _session(PublicOnlyAdapter)


def session_for(env: Mapping[str, str]) -> requests.Session:
    """The session for calls to a merchant-chosen host: public-only unless the operator allows private hosts; either
    way its tries can be cut at their whole deadline (backend/deadline_io.py)."""
    return _session(WatchedAdapter) if private_allowed(env) else public_only_session()


def _session(adapter_class: type[WatchedAdapter]) -> requests.Session:
    session = requests.Session()
    # A carrier's lane runs 4 calls at once and the web threads read inline beside them: room for all in the pool
    # (urllib3 would otherwise open extra connections, drop them after one use and log a warning each time).
    adapter = adapter_class(pool_connections=4, pool_maxsize=POOL_MAXSIZE)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # an API client: no cookie is carried
    return session


POOL_MAXSIZE = 16
MAX_KEPT_SESSIONS = 512  # a backstop on owners (merchants x hosts) kept per process; the oldest goes first
_kept: dict[tuple[int, str, bool], requests.Session] = {}
_kept_lock = threading.Lock()


def kept_session(owner: str, env: Mapping[str, str]) -> requests.Session:
    """The session for `owner` (a merchant's carrier host), kept across turns.

    A session built per turn opened a new TCP connection and TLS handshake for every carrier call: on a delivery
    morning, a round trip or three and the handshake's CPU on each of thousands of calls to a carrier that is
    already slow. Kept, its pool keeps connections alive between turns. One per owner, never shared between
    merchants; cookies are refused (one must not ride on a later call, nor pile up for the life of the process).
    A connection is checked once, when it is made: one already open goes to the address that was checked. Keyed
    by process, so a session built before a fork is never used by two processes."""
    key = (os.getpid(), owner, private_allowed(env))
    with _kept_lock:
        session = _kept.get(key)
        if session is None:
            if len(_kept) >= MAX_KEPT_SESSIONS:
                _kept.pop(next(iter(_kept)))  # its idle connections close as it is collected
            session = _kept[key] = session_for(env)
        return session
