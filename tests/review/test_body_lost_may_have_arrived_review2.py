"""Found by review 2: a carrier that answers a write's status line and headers, then never sends (or drops) the body,
is given up as a try that never reached it (BackendUnavailable.may_have_arrived False).

With stream=True (backend/deadline_io.fetch) the body is read by `response.content`, where requests turns urllib3's
ReadTimeoutError into requests.ConnectionError(ReadTimeoutError) (not a requests.ReadTimeout) and a connection
dropped mid-body into ChunkedEncodingError (neither a Timeout nor a ConnectionError). backend/resilience.py
`_may_have_arrived` knows only ReadTimeout and ConnectionError(ProtocolError): the first is read as "never sent",
so a write given up after it is told "it hasn't been changed, ask us again" (made twice), and a turn whose read
then fails is told "Nothing has been changed"; the second escapes ResilientClient as a raw requests exception.
The request had plainly arrived: the carrier had already answered its status line."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from backend import egress
from backend.protocol import BackendUnavailable
from backend.resilience import CircuitBreaker, MemoryBreakerStore, ResilientClient, RetryPolicy


@pytest.fixture
def half_answering() -> Iterator[tuple[str, dict]]:
    """A carrier on 127.0.0.1 that reads the request, sends 200 and its headers (Content-Length: 100), and then
    either stalls (mode "stall", until the test ends) or closes the connection (mode "drop")."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    state: dict = {"mode": "stall", "requests": 0}
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            state["requests"] += 1
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"sta")
            if state["mode"] == "drop":
                conn.close()
            else:
                done.wait(10)
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", state
    done.set()
    listener.close()


@pytest.mark.parametrize("mode", ["stall", "drop"])
def test_a_write_whose_body_was_lost_after_its_status_line_may_have_arrived(half_answering, mode):  # noqa: ANN001
    base, state = half_answering
    state["mode"] = mode
    client = ResilientClient(base, CircuitBreaker("half", store=MemoryBreakerStore()), retry=RetryPolicy(attempts=1),
                             timeout=(1.0, 0.3), http=egress.session_for({egress.PRIVATE_HOSTS_ENV: "1"}),
                             sleep=lambda _s: None)
    with pytest.raises(BackendUnavailable) as raised:
        client.request("POST", "/shipments/PB1/actions", body={"action": "add_delivery_note"})
    assert state["requests"] == 1  # the carrier had the request, and answered 200
    assert raised.value.may_have_arrived, raised.value  # so the change may well have been made
