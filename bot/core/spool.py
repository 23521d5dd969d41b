"""Messages kept while the database is away, answered by text when it is back: never a lost message.

A shopper's SMS that arrives during a database outage cannot be stored where messages live, because that is
what is away. Twilio does not retry a failed SMS webhook (docs/faults.md), so instead of asking the shopper to
send it again, the engine keeps the message here (a Redis list in production, a directory on the embedded
default) and answers "we've got your message and will reply as soon as we can". The `replay_kept` job
(bot/jobs/replay.py, every 10 s) hands each kept message to the engine once the database answers again; the
turn runs as usual and its replies are queued in the outbox instead of travelling in a webhook response.

Kept at least once, answered exactly once: the message keeps its MessageSid, so a replay that runs twice (two
tickers, a job that died after the commit) meets the unique constraint and answers nothing twice. Only channels
that can text the shopper later (ChannelSpec.replies_later) keep messages; the REST channel's callers retry.
If the spool itself can't be written (Redis away too, a full disk), the shopper is asked to send it again, as
before: the reply never promises what was not kept.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from backend import local_time
from backend.sealing import CodeBox
from bot.core.channels import spec_for
from bot.core.messages import InboundMessage, Media

log = logging.getLogger(__name__)

MAX_KEPT = 100_000  # a bound on what one outage may pile up: past it, the shopper is asked to send it again
NUMBERS_FILE = "numbers.json"  # the merchants' numbers (FileSpool.record_numbers); not a kept message's name
LATE_LIMIT = timedelta(hours=2)  # older than this, a kept message is not acted on (see too_late)


@dataclass(frozen=True)
class KeptMessage:
    """One kept message: `token` names it in its spool (to finish, retry or set it aside); `kept_at` and
    `not_before` are epoch seconds; `attempts` counts replays that failed for a reason other than the outage."""

    token: str
    message: InboundMessage
    kept_at: float
    attempts: int = 0
    not_before: float = 0.0


class MessageSpool(Protocol):
    def keep(self, message: InboundMessage) -> bool:
        """Store the message durably; False if it could not be (the caller must not promise a reply)."""

    def oldest(self, limit: int) -> list[KeptMessage]:
        """Up to `limit` kept messages, oldest first (they are answered in the order they came)."""

    def done(self, token: str) -> None:
        """The message is answered (or was already): forget it."""

    def retry_later(self, item: KeptMessage, not_before: float) -> None:
        """Replaying it failed (a bug, a dependency other than the database): try again after `not_before`,
        behind the others, with one more attempt counted."""

    def set_aside(self, token: str, why: str) -> None:
        """The message can never be answered (the number it was sent to is nobody's, it can't be read, it failed
        every retry): keep it for a person to read, out of the way of the rest."""

    def requeue_set_aside(self) -> int:
        """Put every set-aside message back in line with its tries reset (`parcelbot kept retry`, once the cause
        is fixed); returns how many. One that can't be read under this key stays aside."""

    def count(self) -> int:
        """How many wait to be answered."""

    def record_numbers(self, numbers: frozenset[str]) -> None:
        """The numbers merchants answer on, as the database says now (replay_kept refreshes them while it answers):
        during an outage only messages to one of them are kept (see answers_on)."""

    def numbers(self) -> frozenset[str] | None:
        """The numbers last recorded, or None if none ever were."""

    def set_aside_count(self) -> int:
        """How many were set aside."""


def keep_for_later(spool: MessageSpool | None, message: InboundMessage, *, known: bool = False) -> bool:
    """Keep a message the database could not take, to answer by text once it is back: only where the channel can
    text later and the message has a provider id (what makes its replay answer once), never a replay, and only one
    sent to a number a merchant answers on (`known`: this process answered on it; else the spool's record)."""
    if spool is None or message.late or not message.channel_message_id:
        return False
    if not spec_for(message.channel).replies_later:
        return False
    try:
        if not known and not answers_on(spool, message.recipient):
            log.warning("not keeping a message to %s: no merchant answered on that number when last recorded",
                        message.recipient)
            return False
        return spool.keep(message)
    except Exception:  # noqa: BLE001 - a spool that fails is one that did not keep: the shopper is asked again
        log.exception("could not keep message %s", message.channel_message_id)
        return False


def answers_on(spool: MessageSpool, number: str) -> bool:
    """Whether a message to `number` may be kept. "We'll text you" to a number no merchant uses would be a promise
    nobody keeps (the replay can only set it aside), so the spool remembers the merchants' numbers while the
    database is up. Never recorded (a deployment whose first outage came before its first replay run): kept, as a
    stray is the lesser harm than a dropped message to a real merchant."""
    recorded = spool.numbers()
    return recorded is None or number in recorded


def too_late(kept_at: datetime, now: datetime, written_since: Callable[[], bool]) -> bool:
    """Not to be acted on: kept more than LATE_LIMIT ago, or the shopper has written since (the conversation
    moved on, so a kept "YES" or code would answer a question nobody is asking now). Such a message is stored
    and the shopper told it could not be answered in time (utter_kept_too_late), nothing done with it.
    `written_since` is asked only when the age allows (it is a query)."""
    return now - kept_at > LATE_LIMIT or written_since()


def sent_when(kept_at: datetime, now: datetime, zone: str, region: str = "GB") -> str:
    """"today at 14:05" or "on Sat 5 Dec at 14:05" ("on Sat Dec 5 at 2:05pm" in the US), in the merchant's zone."""
    tz = ZoneInfo(zone)
    local, today = kept_at.astimezone(tz), now.astimezone(tz).date()
    at = local_time.clock(local, region)
    if local.date() == today:
        return f"today at {at}"
    return f"on {local_time.day(local, region)} at {at}"


def kept_box(secret_key: str) -> CodeBox:
    """The box kept messages are sealed in: derived from the deployment's secret key for this use alone (never
    the access codes' key). Every host must share PARCELBOT_SECRET_KEY, as for signed links: a host with another
    key can't open what a host kept, and leaves it for one that can."""
    return CodeBox.from_secret(f"parcelbot kept messages\x00{secret_key}")


def dumps(box: CodeBox, message: InboundMessage, kept_at: float, attempts: int = 0, not_before: float = 0.0) -> str:
    """Sealed (encrypted and authenticated under the deployment's key): a kept message can hold a door code, and
    the spool sits outside the database, where such codes are masked."""
    fields = {k: v for k, v in asdict(message).items() if k != "kept_at"}
    return box.seal(json.dumps({"message": fields, "kept_at": kept_at, "attempts": attempts,
                                "not_before": not_before, "id": secrets.token_hex(8)}, ensure_ascii=False))


class NotOurs(ValueError):
    """Sealed under another key (a host whose PARCELBOT_SECRET_KEY differs): left for a host that can open it."""


def loads(box: CodeBox, sealed: str, token: str) -> KeptMessage:
    """The entry named `token` in its spool; NotOurs if it can't be opened here, another ValueError (or KeyError,
    TypeError) if it opens but isn't a kept message (corrupt: set aside)."""
    raw = box.unseal(sealed)
    if raw is None:
        raise NotOurs("not sealed under this deployment's key")
    data: dict[str, Any] = json.loads(raw)
    fields = dict(data["message"])
    fields["media"] = tuple(Media(**media) for media in fields.get("media") or ())
    return KeptMessage(token, InboundMessage(**fields), float(data["kept_at"]), int(data.get("attempts", 0)),
                float(data.get("not_before", 0.0)))


class FileSpool:
    """One sealed file per message in a directory (0700, files 0600), written whole then renamed into place (a
    crash leaves the whole message or nothing). Names sort by when each is due. Several processes on one host
    may read it at once: each message is answered once all the same (its MessageSid, see the module's docstring)."""

    def __init__(self, directory: Path, box: CodeBox) -> None:
        self.directory = directory
        self.aside = directory / "set-aside"
        self.box = box

    def keep(self, message: InboundMessage) -> bool:
        try:
            if self.count() >= MAX_KEPT:
                return False
            self._write(dumps(self.box, message, time.time()), time.time())
            return True
        except OSError:
            log.exception("could not keep a message in %s", self.directory)
            return False

    def oldest(self, limit: int) -> list[KeptMessage]:
        """Up to `limit` readable entries, oldest first: ones this host can't open are skipped (and counted in
        the log), so they never hide the rest."""
        kept: list[KeptMessage] = []
        not_ours = 0
        for path in sorted(self.directory.glob("[0-9]*.json")) if self.directory.is_dir() else []:
            if len(kept) >= limit:
                break
            try:
                item = loads(self.box, path.read_text(encoding="utf-8"), path.name)
            except FileNotFoundError:  # another process answered it meanwhile
                continue
            except NotOurs:
                not_ours += 1
                continue
            except (OSError, ValueError, TypeError, KeyError) as exc:  # opened, but not a kept message
                self._move_aside(path, f"unreadable: {exc.__class__.__name__}")
                continue
            kept.append(item)
        if not_ours:
            log.error("%d kept message(s) can't be opened here: is PARCELBOT_SECRET_KEY the one they were kept "
                      "under?", not_ours)
        return kept

    def done(self, token: str) -> None:
        (self.directory / _safe(token)).unlink(missing_ok=True)

    def retry_later(self, item: KeptMessage, not_before: float) -> None:
        self._write(dumps(self.box, item.message, item.kept_at, item.attempts + 1, not_before), not_before)
        self.done(item.token)

    def set_aside(self, token: str, why: str) -> None:
        self._move_aside(self.directory / _safe(token), why)

    def count(self) -> int:
        if not self.directory.is_dir():
            return 0
        return sum(1 for _ in self.directory.glob("[0-9]*.json"))

    def set_aside_count(self) -> int:
        return sum(1 for _ in self.aside.glob("*.json")) if self.aside.is_dir() else 0

    def record_numbers(self, numbers: frozenset[str]) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        part = self.directory / f".numbers-{secrets.token_hex(4)}.part"
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(sorted(numbers)))
        part.rename(self.directory / NUMBERS_FILE)  # whole or not at all: a reader never sees half a list

    def numbers(self) -> frozenset[str] | None:
        try:
            return frozenset(json.loads((self.directory / NUMBERS_FILE).read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None

    def requeue_set_aside(self) -> int:
        moved = 0
        for path in sorted(self.aside.glob("*.json")) if self.aside.is_dir() else []:
            try:
                item = loads(self.box, path.read_text(encoding="utf-8"), path.name)
            except (OSError, ValueError, TypeError, KeyError):
                continue
            self._write(dumps(self.box, item.message, item.kept_at), time.time())
            path.unlink(missing_ok=True)
            moved += 1
        return moved

    def _write(self, sealed: str, due: float) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = f"{int(due * 1e9):020d}-{secrets.token_hex(4)}.json"
        part = self.directory / f".{name}.part"
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(sealed)
            fh.flush()
            os.fsync(fh.fileno())
        part.rename(self.directory / name)
        with contextlib.suppress(OSError):  # the rename itself made durable, where the platform allows
            dir_fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def _move_aside(self, path: Path, why: str) -> None:
        log.error("kept message %s set aside: %s", path.name, why)
        self.aside.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):  # another process moved or answered it meanwhile
            path.rename(self.aside / path.name)


def _safe(token: str) -> str:
    """A token is a file name we made; never a path."""
    if "/" in token or "\\" in token or token.startswith("."):
        raise ValueError(f"not a spool token: {token!r}")
    return token
