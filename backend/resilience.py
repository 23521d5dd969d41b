"""Calling a far-side API without hanging the conversation: timeouts, retries with backoff, a circuit breaker.

A shopper is waiting on the other end of every call, so a carrier that is down must fail fast and
honestly (BackendUnavailable) rather than be hammered. The breaker's state can live in Redis so every
worker learns at once that a carrier is down, or in process memory for a single-process install.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import requests
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from backend import deadline_io
from backend.deadline_io import TotalTimeout
from backend.protocol import BackendUnavailable, EarlierTries

log = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class CircuitOpen(BackendUnavailable):
    """The breaker is open: we didn't even try, the far side failed too often just now."""


class OutOfTime(BackendUnavailable):
    """The caller's time ran out (`answer_within`) before the far side answered: read as "not answering"."""


# When the caller must have an answer by (time.monotonic()), or None: no limit but the client's own timeouts.
# A context variable, so only the code that set it (a shopper's turn, on its own thread) is bounded by it.
_DEADLINE: ContextVar[float | None] = ContextVar("parcelbot_call_deadline", default=None)
# The whole budget that deadline belongs to (a shopper's message: 9 s, however much of it is left), so a try cut
# short by what earlier calls spent can be told from a try that had the budget's worth of time (the cut rule).
_SPAN: ContextVar[float | None] = ContextVar("parcelbot_call_span", default=None)


def time_left() -> float | None:
    """Seconds before the caller's deadline (answer_within), or None: no deadline."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()


@contextmanager
def answer_within(seconds: float, *, of: float | None = None) -> Iterator[None]:
    """Every call made inside, its tries and the pauses between them together, gets at most `seconds`.

    Why: requests' timeouts are per try and per socket read, so a carrier that takes the connection and never
    answers costs 3 tries x 10 s plus backoff, past Twilio's 15 s webhook timeout (the shopper hears nothing).
    A try gets what is left (its connect and read timeouts, and its whole deadline, cut to it), and no pause or
    new try starts when there is no time for it. A far side trickling its answer is cut at the deadline too.
    `of`: the whole budget `seconds` is what is left of (default: `seconds` itself)."""
    outer = _DEADLINE.get()  # nested: never later than the caller's own deadline
    deadline = time.monotonic() + seconds
    if outer is not None and outer <= deadline:
        deadline, span = outer, _SPAN.get()
    else:
        span = of if of is not None else seconds
    token, span_token = _DEADLINE.set(deadline), _SPAN.set(span)
    try:
        yield
    finally:
        _DEADLINE.reset(token)
        _SPAN.reset(span_token)


# -- circuit breaker ---------------------------------------------------------------------------------------
class BreakerStore(Protocol):
    def load(self, name: str) -> tuple[int, float | None]: ...  # (consecutive failures, opened_at)

    def add_failure(self, name: str) -> int: ...

    def open(self, name: str, at: float) -> None: ...

    def reset(self, name: str) -> None: ...

    def claim_trial(self, name: str, ttl: float) -> bool: ...  # one caller wins the half-open trial


class MemoryBreakerStore:
    """Breaker state for one process (shared by every backend instance in it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, dict[str, Any]] = {}

    def _s(self, name: str) -> dict[str, Any]:
        return self._state.setdefault(name, {"failures": 0, "opened_at": None, "trial_until": 0.0})

    def load(self, name: str) -> tuple[int, float | None]:
        with self._lock:
            s = self._s(name)
            return s["failures"], s["opened_at"]

    def add_failure(self, name: str) -> int:
        with self._lock:
            s = self._s(name)
            s["failures"] += 1
            return s["failures"]

    def open(self, name: str, at: float) -> None:
        with self._lock:
            s = self._s(name)
            s["opened_at"], s["trial_until"] = at, 0.0

    def reset(self, name: str) -> None:
        with self._lock:
            self._state[name] = {"failures": 0, "opened_at": None, "trial_until": 0.0}

    def claim_trial(self, name: str, ttl: float) -> bool:
        with self._lock:
            s, now = self._s(name), time.monotonic()
            if s["trial_until"] > now:
                return False
            s["trial_until"] = now + ttl
            return True


class RedisBreakerStore:
    """Breaker state in Redis, so all workers share it. If Redis itself fails we let calls through."""

    def __init__(self, client: Any, prefix: str = "parcelbot:breaker:", keep_seconds: int = 86400) -> None:
        self.redis, self.prefix, self.keep = client, prefix, keep_seconds

    def _key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def load(self, name: str) -> tuple[int, float | None]:
        data = self.redis.hgetall(self._key(name)) or {}
        data = {(k.decode() if isinstance(k, bytes) else k): v for k, v in data.items()}
        opened = data.get("opened_at")
        return int(data.get("failures") or 0), float(opened) if opened not in (None, b"", "") else None

    def add_failure(self, name: str) -> int:
        pipe = self.redis.pipeline()
        pipe.hincrby(self._key(name), "failures", 1)
        pipe.expire(self._key(name), self.keep)
        return int(pipe.execute()[0])

    def open(self, name: str, at: float) -> None:
        pipe = self.redis.pipeline()
        pipe.hset(self._key(name), "opened_at", repr(at))
        pipe.expire(self._key(name), self.keep)
        pipe.delete(self._key(name) + ":trial")
        pipe.execute()

    def reset(self, name: str) -> None:
        self.redis.delete(self._key(name), self._key(name) + ":trial")

    def claim_trial(self, name: str, ttl: float) -> bool:
        return bool(self.redis.set(self._key(name) + ":trial", "1", nx=True, px=max(int(ttl * 1000), 1)))


DEFAULT_STORE = MemoryBreakerStore()


@dataclass
class CircuitBreaker:
    """Opens after `threshold` consecutive failures; after `cooldown` seconds one trial call is let through
    (half-open): success closes it, failure opens it for another cooldown."""

    name: str
    threshold: int = 5
    cooldown: float = 30.0
    store: BreakerStore = field(default_factory=lambda: DEFAULT_STORE)
    clock: Callable[[], float] = time.time

    def _safe(self, fn: Callable[[], Any], default: Any) -> Any:
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - a broken breaker store must not stop calls
            log.warning("circuit breaker store failed (%s); letting the call through", exc)
            return default

    @property
    def state(self) -> str:
        _, opened_at = self._safe(lambda: self.store.load(self.name), (0, None))
        if opened_at is None:
            return CLOSED
        return OPEN if self.clock() < opened_at + self.cooldown else HALF_OPEN

    def allow(self) -> bool:
        state = self.state
        if state == CLOSED:
            return True
        if state == OPEN:
            return False
        return self._safe(lambda: self.store.claim_trial(self.name, self.cooldown), True)

    def success(self) -> None:
        self._safe(lambda: self.store.reset(self.name), None)

    def failure(self) -> None:
        if self.state == HALF_OPEN:
            self._safe(lambda: self.store.open(self.name, self.clock()), None)
            return
        failures = self._safe(lambda: self.store.add_failure(self.name), 0)
        if failures >= self.threshold:
            log.warning("circuit %s opened after %d consecutive failures", self.name, failures)
            self._safe(lambda: self.store.open(self.name, self.clock()), None)


# -- retries -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # tries in all, the first included
    base_delay: float = 0.25
    max_delay: float = 4.0
    jitter: float = 0.1  # up to this fraction added at random, so workers don't retry in step
    max_retry_after: float = 10.0  # a longer Retry-After is reported as unavailable instead of waited out

    def delay(self, attempt: int) -> float:
        """Pause after failed try number `attempt` (1-based): base, 2x base, 4x base... capped."""
        d = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return d + (random.uniform(0, d * self.jitter) if self.jitter else 0.0)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


# -- the client both HTTP adapters use ---------------------------------------------------------------------
@dataclass
class ResilientClient:
    """JSON over HTTP with timeouts, retries on 5xx/timeouts/429 (never other 4xx) and a circuit breaker.

    Returns the response for anything the far side answered deliberately (2xx-4xx); raises
    BackendUnavailable when it didn't answer usefully. `authorize` adds auth headers to each try.
    Each try, connect to the body's last byte, is over by its connect and read timeouts together (or what is
    left of the caller's budget, if less): requests' own timeouts are per socket read (backend/deadline_io.py).
    """

    base_url: str
    breaker: CircuitBreaker
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: tuple[float, float] = (3.05, 10.0)
    http: requests.Session = field(default_factory=deadline_io.session)
    sleep: Callable[[float], None] = time.sleep
    authorize: Callable[[requests.PreparedRequest], None] | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        if not self.breaker.allow():
            raise CircuitOpen(f"{self.breaker.name} is failing; not calling it for now")
        data = json.dumps(body, separators=(",", ":"), sort_keys=True) if body is not None else None
        all_headers = {"Accept": "application/json", **(headers or {})}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        attempts = 1 if self.breaker.state == HALF_OPEN else self.retry.attempts
        problem, count_failure, arrived, sent = "", True, False, False
        deadline, short = _DEADLINE.get(), False
        for attempt in range(1, attempts + 1):
            timeout, whole = self.timeout, sum(self.timeout)  # whole: the try's own deadline, however it trickles
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    short = True
                    break
                timeout, whole = (min(timeout[0], left), min(timeout[1], left)), min(whole, left)
            prepared = requests.Request(
                method, self.base_url.rstrip("/") + path, params=params, data=data, headers=all_headers
            ).prepare()
            if self.authorize:
                self.authorize(prepared)
            wait = self.retry.delay(attempt)
            try:
                response = deadline_io.fetch(self.http.send, whole, prepared, timeout=timeout, allow_redirects=False)
            except (requests.Timeout, requests.ConnectionError, *_BODY_LOST) as exc:
                # A timeout on a try our caller's budget cut to under half the carrier's own read timeout is our
                # impatience, not its failure: counted, a few shoppers' turns opened the breaker (shared by every
                # worker) for the background jobs the carrier would have answered (review). A hung carrier's first
                # try gets most of the timeout (9 s of 10) and is counted. A connect timeout is judged by the connect
                # timeout (a black-holed host waits out the whole of it), and a cut try doesn't erase an earlier
                # whole try's failure (review).
                # The try is judged against the caller's whole budget too: a page's 5 s against a 10 s read timeout
                # is the budget's worth of waiting, and a hung carrier's page views must open its breaker (review).
                # A try cut at its whole deadline (TotalTimeout: a trickle) is judged by the time it had in all,
                # against the read timeout like a read that timed out, so a hung carrier gets one verdict whichever
                # clock ends its try first: its full connect+read counts, a budget's small remnant doesn't.
                which = 0 if isinstance(exc, requests.ConnectTimeout) else 1
                given, span = whole if isinstance(exc, TotalTimeout) else timeout[which], _SPAN.get() or 0.0
                cut = isinstance(exc, requests.Timeout) and given < self.timeout[which] / 2 and given < span / 2
                arrived = arrived or _may_have_arrived(exc)
                sent = sent or arrived
                counted_before = count_failure and bool(problem)
                problem = f"{exc.__class__.__name__} calling {method} {path}"
                count_failure = counted_before if cut else True
            else:
                if response.status_code == 429:
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                    problem, count_failure = f"rate limited on {method} {path}", False
                    if retry_after is not None:
                        if retry_after > self.retry.max_retry_after:
                            break
                        wait = retry_after
                elif response.status_code >= 500:
                    problem, count_failure, sent = f"HTTP {response.status_code} from {method} {path}", True, True
                else:
                    self.breaker.success()
                    setattr(response, _EARLIER, EarlierTries(sent, arrived))  # noqa: B010 - read by earlier_tries
                    return response
            if attempt < attempts:
                if deadline is not None and time.monotonic() + wait >= deadline:
                    short = True  # no time for the pause and another try: say so now
                    break
                self.sleep(wait)
        if count_failure and problem:
            self.breaker.failure()
        if short:
            raise OutOfTime(f"{problem or f'{method} {path}'}: no answer in the time this message had",
                            may_have_arrived=arrived)
        raise BackendUnavailable(problem, may_have_arrived=arrived)


_EARLIER = "parcelbot_earlier_tries"


def earlier_tries(response: requests.Response) -> EarlierTries:
    """What the client's earlier tries of this request met before this answer (a 5xx, an answer lost): a conflict
    answered to a write's repeat means something else than one answered to its first try (backend/http_adapter.py)."""
    return getattr(response, _EARLIER, None) or EarlierTries()


def _may_have_arrived(exc: requests.RequestException) -> bool:
    """A try that failed after its request was sent: a read that timed out (or was cut at its whole deadline), or a
    connection dropped mid-request. Not a connect that failed or timed out, nor a refusal before connecting."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, (requests.ReadTimeout, *_BODY_LOST)):  # the status line came: the body was lost on the way
        return True
    reason = exc.args[0] if exc.args else None  # requests' ConnectionError for a read timing out mid-body, too
    return isinstance(getattr(reason, "reason", reason), ProtocolError | ReadTimeoutError)


# A body cut off or garbled on the way (read by deadline_io.fetch, after the status line): lost, not refused.
_BODY_LOST = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)
