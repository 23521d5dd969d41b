"""An open-loop HTTP load driver (asyncio, HTTP/1.1 keep-alive), so offered load doesn't bend to the server.

Open loop: at R messages/s the i-th message is due at start + i/R whether or not earlier ones were answered,
and its latency is counted from when it was due, not from when a connection was free (no coordinated
omission: a stalled server shows as queueing delay, as a shopper would feel it). Each due message is the next
step of a conversation whose previous step was answered, or the first step of a new one. `closed()` is the
"max" step: C conversations at once, each sending as soon as it has its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.cli.load.scripts import CODE, Conversation, ConversationSource, build_request, check_reply, reply_text

CodeReader = Callable[[str], Awaitable[str | None]]  # phone -> the newest one-time code texted to it
IDLE_LIMIT = 1.0  # seconds: a connection idle longer is not reused (the server's keep-alive may have closed it)
TIMEOUT = 30.0


@dataclass
class Sample:
    kind: str  # the script's name
    step: int  # which of its messages (0: the first)
    latency: float  # seconds from due to answered
    outcome: str  # ok | apology | unexpected | http_<status> | error


@dataclass
class Target:
    host: str
    port: int
    auth_token: str
    public_url: str
    max_connections: int = 256


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.last_used = reader, writer, time.monotonic()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class ConnectionPool:
    def __init__(self, target: Target) -> None:
        self.target = target
        self._idle: list[_Conn] = []
        self._open = 0
        self._free = asyncio.Condition()

    async def acquire(self) -> _Conn:
        async with self._free:
            while True:
                now = time.monotonic()
                while self._idle:
                    conn = self._idle.pop()
                    if now - conn.last_used < IDLE_LIMIT:
                        return conn
                    conn.close()
                    self._open -= 1
                if self._open < self.target.max_connections:
                    self._open += 1
                    break
                await self._free.wait()
        try:
            reader, writer = await asyncio.open_connection(self.target.host, self.target.port)
        except OSError:
            await self.discard(None)
            raise
        return _Conn(reader, writer)

    async def release(self, conn: _Conn) -> None:
        conn.last_used = time.monotonic()
        async with self._free:
            self._idle.append(conn)
            self._free.notify()

    async def discard(self, conn: _Conn | None) -> None:
        if conn is not None:
            conn.close()
        async with self._free:
            self._open -= 1
            self._free.notify()

    def close(self) -> None:
        for conn in self._idle:
            conn.close()
        self._idle.clear()


async def post(pool: ConnectionPool, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """One POST over a pooled keep-alive connection: (status, body)."""
    conn = await pool.acquire()
    try:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        conn.writer.write(f"POST {path} HTTP/1.1\r\nHost: {pool.target.host}\r\nContent-Length: {len(body)}\r\n"
                          f"{head}\r\n".encode("latin-1") + body)  # fmt: skip
        raw = await asyncio.wait_for(conn.reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        status = int(raw.split(b" ", 2)[1])
        length = re.search(rb"(?im)^content-length:\s*(\d+)", raw)
        data = await asyncio.wait_for(conn.reader.readexactly(int(length.group(1)) if length else 0), TIMEOUT)
        closing = re.search(rb"(?im)^connection:\s*close", raw) is not None or (
            raw.startswith(b"HTTP/1.0") and re.search(rb"(?im)^connection:\s*keep-alive", raw) is None)
    except BaseException:
        await pool.discard(conn)
        raise
    if closing:
        await pool.discard(conn)
    else:
        await pool.release(conn)
    return status, data


@dataclass
class Driver:
    """Runs conversations against one target and records a Sample per message."""

    target: Target
    source: ConversationSource
    read_code: CodeReader | None = None
    check: bool = True  # False for the floor, whose answer is always the same
    samples: list[Sample] = field(default_factory=list)
    _ready: deque[Conversation] = field(default_factory=deque)

    def _next(self) -> Conversation:
        return self._ready.popleft() if self._ready else self.source.new()

    async def send(self, pool: ConnectionPool, conv: Conversation, due: float) -> None:
        code = None
        if conv.script.steps[conv.step].text == CODE and self.read_code is not None:
            code = await self.read_code(conv.shopper.phone)
        req = build_request(conv, auth_token=self.target.auth_token, public_url=self.target.public_url, code=code)
        try:
            status, body = await post(pool, req.path, req.body, req.headers)
        except Exception:  # refused, reset, timed out: the shopper got nothing
            outcome = "error"
        else:
            outcome = f"http_{status}" if status != 200 else "ok" if not self.check else check_reply(
                conv, reply_text(conv.script.channel, body))
        self.samples.append(Sample(conv.script.name, conv.step, time.monotonic() - due, outcome))
        conv.failed = outcome != "ok"
        conv.step += 1
        if not conv.done:
            self._ready.append(conv)

    async def open_loop(self, rate: float, seconds: float) -> tuple[list[Sample], float]:
        """`rate` messages/s for `seconds`: this step's samples, and the time until the last was answered."""
        first = len(self.samples)
        pool = ConnectionPool(self.target)
        tasks: set[asyncio.Task[None]] = set()
        start, total = time.monotonic(), int(rate * seconds)
        for i in range(total):
            due = start + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self.send(pool, self._next(), due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=TIMEOUT * 2)
        wall = time.monotonic() - start
        pool.close()
        return self.samples[first:], wall

    async def closed(self, concurrency: int, seconds: float) -> tuple[list[Sample], float]:
        """As fast as `concurrency` shoppers at once get answers; returns the samples and the wall time."""
        first = len(self.samples)
        pool = ConnectionPool(self.target)
        stop = time.monotonic() + seconds

        async def shopper() -> None:
            while time.monotonic() < stop:
                await self.send(pool, self._next(), time.monotonic())

        start = time.monotonic()
        await asyncio.gather(*(shopper() for _ in range(concurrency)))
        wall = time.monotonic() - start
        pool.close()
        return self.samples[first:], wall

    async def drain(self, concurrency: int = 4) -> None:
        """Carry every conversation already started to its end, starting no new one (tests: whole stories)."""
        pool = ConnectionPool(self.target)

        async def shopper() -> None:
            while self._ready:
                await self.send(pool, self._ready.popleft(), time.monotonic())

        await asyncio.gather(*(shopper() for _ in range(concurrency)))
        pool.close()
