"""The outbox sender: queued outbound messages whose time has come go out, once, through one transport.

Each message is claimed with a compare-and-set (attempts+1 and a short lease in send_after) before the
network call, so two workers never send the same row, and a worker that dies mid-send leaves the row to be
retried when the lease runs out. Without Twilio credentials the SandboxSender "delivers" nowhere: the
message is marked "sandbox" and stays readable in the outbox (CLI chat, GET /api/v1/outbox).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, update

from backend import models as m
from backend.db import transaction
from bot.config import Settings
from bot.jobs import JOBS, job
from bot.outbox import is_opted_out, pending

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)  # a send that takes longer than this is presumed dead and retried
PHONE_CHANNELS = frozenset({"sms", "whatsapp"})


def backoff(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min: a carrier-side blip is ridden out, a long outage isn't hammered."""
    return timedelta(seconds=min(30 * 4 ** max(attempts - 1, 0), 3600))


@dataclass(frozen=True)
class Outgoing:
    id: int
    channel: str
    sender: str
    to: str
    body: str
    media_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class SendResult:
    status: str  # "sent" | "sandbox"
    channel_message_id: str | None = None


class SendError(Exception):
    """A send that didn't go through; `retry` says whether trying again later can help."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


class Sender(Protocol):
    name: str

    def send(self, message: Outgoing) -> SendResult: ...


class SandboxSender:
    """The embedded default and the tests: nothing leaves the machine."""

    name = "sandbox"

    def send(self, message: Outgoing) -> SendResult:
        log.info("sandbox: %s to %s: %s", message.channel, message.to, message.body[:80])
        return SendResult("sandbox")


class NoTransport:
    """A channel with no real transport configured (say, e-mail): fail loudly rather than pretend."""

    name = "none"

    def send(self, message: Outgoing) -> SendResult:
        raise SendError(f"no transport configured for channel {message.channel!r}", retry=False)


class ChannelSenders:
    """Picks the transport per message: Twilio for SMS/WhatsApp when configured, else the sandbox."""

    name = "channels"

    def __init__(self, by_channel: dict[str, Sender], default: Sender) -> None:
        self.by_channel = by_channel
        self.default = default

    def send(self, message: Outgoing) -> SendResult:
        return self.by_channel.get(message.channel, self.default).send(message)


def sender_for(settings: Settings) -> Sender:
    if not settings.twilio_sending_enabled:
        return SandboxSender()
    from channels.twilio_send import TwilioSender  # only channels/ talks to Twilio

    twilio = TwilioSender(settings.twilio_account_sid or "", settings.twilio_auth_token)
    return ChannelSenders({c: twilio for c in PHONE_CHANNELS}, NoTransport())


# -- the job --------------------------------------------------------------------------------------------
def send_due(runtime: Any, now: datetime | None = None, *, sender: Sender | None = None, limit: int = 100) -> int:
    """Send every queued message that is due; returns how many were delivered (sent, or kept in the sandbox)."""
    now = now or datetime.now(UTC)
    sender = sender or sender_for(runtime.settings)
    with runtime.sessions() as session:
        ids = [msg.id for msg in pending(session, now, limit)]
    return sum(1 for message_id in ids if _send_one(runtime.sessions, message_id, sender, now))


@job("send_outbox")
def send_outbox(runtime: Any, **_: Any) -> int:
    return send_due(runtime)


def _claim(sessions: Any, message_id: int, now: datetime) -> Outgoing | None:
    with transaction(sessions) as session:
        claimed = session.execute(
            update(m.Message)
            .where(
                m.Message.id == message_id,
                m.Message.status == "queued",
                or_(m.Message.send_after.is_(None), m.Message.send_after <= now),
            )
            .values(attempts=m.Message.attempts + 1, send_after=now + LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            return None  # another worker has it, or it was sent/cancelled meanwhile
        msg = session.get(m.Message, message_id)
        merchant = session.get(m.Merchant, msg.merchant_id)
        if msg.recipient.startswith("+") and is_opted_out(session, merchant, msg.recipient):
            msg.status, msg.error = "suppressed", "recipient opted out"
            return None
        return Outgoing(msg.id, msg.channel, msg.sender, msg.recipient, msg.body, tuple(msg.media_urls or ()))


def _send_one(sessions: Any, message_id: int, sender: Sender, now: datetime) -> bool:
    out = _claim(sessions, message_id, now)
    if out is None:
        return False
    try:
        result = sender.send(out)  # outside any transaction: never hold a lock across the network
    except SendError as exc:
        _failed(sessions, message_id, str(exc), retry=exc.retry, now=now)
        return False
    except Exception as exc:  # a bug in a transport must not lose the message: retry it like an outage
        log.exception("sender %s crashed on message %s", getattr(sender, "name", sender), message_id)
        _failed(sessions, message_id, f"{exc.__class__.__name__}: {exc}", retry=True, now=now)
        return False
    with transaction(sessions) as session:
        msg = session.get(m.Message, message_id)
        msg.status, msg.sent_at, msg.error = result.status, now, None
        msg.channel_message_id = result.channel_message_id
    return True


def _failed(sessions: Any, message_id: int, error: str, *, retry: bool, now: datetime) -> None:
    with transaction(sessions) as session:
        msg = session.get(m.Message, message_id)
        msg.error = error[:2000]
        if retry and msg.attempts < MAX_ATTEMPTS:
            msg.status, msg.send_after = "queued", now + backoff(msg.attempts)
            log.warning("message %s not sent (attempt %s), retrying: %s", message_id, msg.attempts, error)
        else:
            msg.status = "failed"
            log.error("message %s failed for good after %s attempt(s): %s", message_id, msg.attempts, error)


# -- the embedded default's clock -----------------------------------------------------------------------
@dataclass
class Ticker:
    thread: threading.Thread
    stopped: threading.Event

    def stop(self, timeout: float = 5.0) -> None:
        self.stopped.set()
        self.thread.join(timeout)


def start_ticker(runtime: Any, interval: float = 5.0, *, retry_interval: float = 60.0) -> Ticker | None:
    """A daemon thread that sends due messages every few seconds (and retries pending carrier writes each
    minute, if that job exists). With Celery, beat does this instead and no thread is started."""
    if runtime.settings.job_backend == "celery":
        return None
    stopped = threading.Event()

    def loop() -> None:
        last_retry = last_purge = float("-inf")
        while not stopped.is_set():
            _tick("send_outbox", lambda: send_due(runtime))
            retry = JOBS.get("retry_pending")
            if retry is not None and time.monotonic() - last_retry >= retry_interval:
                last_retry = time.monotonic()
                _tick("retry_pending", lambda: retry(runtime))  # noqa: B023 - called at once, in this loop
            purge = JOBS.get("purge_delivered_secrets")
            if purge is not None and time.monotonic() - last_purge >= 3600:
                last_purge = time.monotonic()
                _tick("purge_delivered_secrets", lambda: purge(runtime))  # noqa: B023 - called at once
            stopped.wait(interval)

    thread = threading.Thread(target=loop, name="parcelbot-ticker", daemon=True)
    thread.start()
    return Ticker(thread, stopped)


def _tick(name: str, fn: Any) -> None:
    try:
        fn()
    except Exception:
        log.exception("periodic job %s failed", name)
