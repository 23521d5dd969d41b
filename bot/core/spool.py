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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.core.channels import spec_for
from bot.core.messages import InboundMessage, Media

log = logging.getLogger(__name__)

MAX_KEPT = 100_000  # a bound on what one outage may pile up: past it, the shopper is asked to send it again


@dataclass(frozen=True)
class Kept:
    """One kept message: `token` names it in its spool (to finish or set it aside), `kept_at` is epoch seconds."""

    token: str
    message: InboundMessage
    kept_at: float


class MessageSpool(Protocol):
    def keep(self, message: InboundMessage) -> bool:
        """Store the message durably; False if it could not be (the caller must not promise a reply)."""

    def oldest(self, limit: int) -> list[Kept]:
        """Up to `limit` kept messages, oldest first (they are answered in the order they came)."""

    def done(self, token: str) -> None:
        """The message is answered (or was already): forget it."""

    def set_aside(self, token: str, why: str) -> None:
        """The message can never be answered (its merchant is gone, its number is not a number): keep it for a
        person to read, out of the way of the rest."""

    def count(self) -> int:
        """How many wait to be answered."""

    def set_aside_count(self) -> int:
        """How many were set aside."""


def keep_for_later(spool: MessageSpool | None, message: InboundMessage) -> bool:
    """Keep a message the database could not take, to answer by text once it is back: only where the channel can
    text later and the message has a provider id (what makes its replay answer once), and never a replay."""
    if spool is None or message.late or not message.channel_message_id:
        return False
    if not spec_for(message.channel).replies_later:
        return False
    try:
        return spool.keep(message)
    except Exception:  # noqa: BLE001 - a spool that fails is one that did not keep: the shopper is asked again
        log.exception("could not keep message %s", message.channel_message_id)
        return False


def dumps(message: InboundMessage, kept_at: float) -> str:
    return json.dumps({"message": asdict(message), "kept_at": kept_at}, ensure_ascii=False, sort_keys=True)


def loads(raw: str | bytes) -> tuple[InboundMessage, float]:
    data: dict[str, Any] = json.loads(raw)
    fields = dict(data["message"])
    fields["media"] = tuple(Media(**media) for media in fields.get("media") or ())
    return InboundMessage(**fields), float(data["kept_at"])


class FileSpool:
    """One JSON file per message in a directory, written whole then renamed into place (a crash leaves either
    the whole message or nothing). Names sort by the time kept. Several processes on one host may read it at
    once: each message is answered once all the same (its MessageSid, see the module's docstring)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.aside = directory / "set-aside"

    def keep(self, message: InboundMessage) -> bool:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if self.count() >= MAX_KEPT:
                return False
            now = time.time()
            name = f"{time.time_ns():020d}-{secrets.token_hex(4)}.json"
            part = self.directory / f".{name}.part"
            with open(part, "w", encoding="utf-8") as fh:
                fh.write(dumps(message, now))
                fh.flush()
                os.fsync(fh.fileno())
            part.rename(self.directory / name)
            return True
        except OSError:
            log.exception("could not keep a message in %s", self.directory)
            return False

    def oldest(self, limit: int) -> list[Kept]:
        kept: list[Kept] = []
        for path in sorted(self.directory.glob("[0-9]*.json"))[: max(limit, 0)]:
            try:
                message, at = loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:  # another process answered it meanwhile
                continue
            except (OSError, ValueError, TypeError, KeyError) as exc:
                self._move_aside(path, f"unreadable: {exc.__class__.__name__}")
                continue
            kept.append(Kept(path.name, message, at))
        return kept

    def done(self, token: str) -> None:
        (self.directory / _safe(token)).unlink(missing_ok=True)

    def set_aside(self, token: str, why: str) -> None:
        self._move_aside(self.directory / _safe(token), why)

    def count(self) -> int:
        if not self.directory.is_dir():
            return 0
        return sum(1 for _ in self.directory.glob("[0-9]*.json"))

    def set_aside_count(self) -> int:
        return sum(1 for _ in self.aside.glob("*.json")) if self.aside.is_dir() else 0

    def _move_aside(self, path: Path, why: str) -> None:
        log.error("kept message %s set aside: %s", path.name, why)
        self.aside.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):  # another process moved or answered it meanwhile
            path.rename(self.aside / path.name)


def _safe(token: str) -> str:
    """A token is a file name we made; never a path."""
    if "/" in token or "\\" in token or token.startswith("."):
        raise ValueError(f"not a spool token: {token!r}")
    return token
