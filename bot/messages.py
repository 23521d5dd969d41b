"""Plain messages: what every channel turns its requests into, and what the core hands back."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# An SMS can be at most 1,600 characters; anything longer is noise or an attack, so the core reads this much.
MAX_TEXT = 1600
# Control and bidi characters, and lone surrogates (a JSON "\ud800" escape decodes to one; no database stores it).
_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str


@dataclass(frozen=True)
class InboundMessage:
    channel: str  # "sms" | "whatsapp" | "web" | "rest" | "cli"
    sender: str  # E.164 for phone channels, a session id otherwise
    recipient: str  # the merchant's number (phone channels) or slug (web)
    text: str = ""
    media: tuple[Media, ...] = ()
    channel_message_id: str | None = None

    @property
    def sender_is_phone(self) -> bool:
        return self.channel in {"sms", "whatsapp", "cli"} and self.sender.startswith("+")


@dataclass(frozen=True)
class Reply:
    text: str
    media_urls: tuple[str, ...] = ()


@dataclass
class Outcome:
    """What the core did with one inbound message."""

    replies: list[Reply] = field(default_factory=list)
    duplicate: bool = False


def clean_text(text: str | None) -> str:
    """Normalise what the shopper typed before anything reads it: NFC, no control characters, bounded."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    text = re.sub(r"[ \t]+", " ", text).strip()
    return text[:MAX_TEXT]
