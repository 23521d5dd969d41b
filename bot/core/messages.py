"""Plain messages: what every channel turns its requests into, and what the core hands back."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.channels import ChannelSpec, spec_for
from bot.core.sms import plain_punctuation
from bot.core.unseen import without_unseen

# An SMS can be at most 1,600 characters; anything longer is noise or an attack, so the core reads this much.
MAX_TEXT = 1600


# Words a shopper put in quotes (straight or curly, made straight above), not an apostrophe inside a word.
_QUOTED = re.compile(r"(?<![\w'\"])['\"]([^'\"\n]{1,60}?)['\"](?![\w'\"])")


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str


@dataclass(frozen=True)
class InboundMessage:
    channel: str  # a name in bot/core/channels.py: "sms" | "whatsapp" | "web" | "rest" | "cli"
    sender: str  # E.164 for phone channels, a session id otherwise
    recipient: str  # the merchant's number (phone channels) or slug (web)
    text: str = ""
    media: tuple[Media, ...] = ()
    channel_message_id: str | None = None
    # A tapped button's payload (the Choice.payload it was sent with), when the channel has buttons.
    payload: str | None = None
    # Kept through a database outage and handled later (bot/core/spool.py): when it was kept. Its replies are
    # texted (the outbox), not returned: its webhook was answered long ago.
    kept_at: datetime | None = None
    # This delivery of the message (the engine names each webhook call; a retry of it is another one, with the
    # same channel_message_id): kept with it through an outage, so the replay can tell its own commit, lost as
    # the connection broke, from a retry's (models.Message.answered_by).
    attempt: str | None = None

    @property
    def late(self) -> bool:
        return self.kept_at is not None

    @property
    def spec(self) -> ChannelSpec:
        return spec_for(self.channel)

    @property
    def sender_is_phone(self) -> bool:
        return self.spec.phone_like and self.sender.startswith("+")


@dataclass(frozen=True)
class Choice:
    """One tappable answer to a question: `title` is shown, `payload` comes back as the answer."""

    payload: str
    title: str


@dataclass(frozen=True)
class Reply:
    """One message from the bot. `choices` travel as buttons where the channel has them (bot/core/channels.py);
    elsewhere the text carries them as numbered lines, which `listed` says it already does."""

    text: str
    media_urls: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    listed: bool = True

    def as_text(self, spec: ChannelSpec) -> str:
        """The whole message for a channel that shows only text: choices not already in the text are
        added as numbered lines ("1) ..."), the way a shopper answers them."""
        if not self.choices or self.listed or spec.buttons >= len(self.choices):
            return self.text
        lines = [f"{i}) {choice.title}" for i, choice in enumerate(self.choices, 1)]
        return "\n".join([self.text, *lines])


@dataclass
class Outcome:
    """What the core did with one inbound message."""

    replies: list[Reply] = field(default_factory=list)
    duplicate: bool = False
    failed: bool = False  # the turn broke and was rolled back: the shopper heard an apology (counted in metrics)


def clean_text(text: str | None, *, to_send: bool = False) -> str:
    """Normalise what the shopper typed before anything reads it: NFC, no control characters, bounded.
    `to_send`: a person's words to a shopper (bot/services/console.py), which are sent, not read: their quotes
    stay ('Reply "YES" to confirm')."""
    if not text:
        return ""
    text = plain_punctuation(unicodedata.normalize("NFC", text))
    if not to_send:
        text = _QUOTED.sub(r"\1", text)  # "leave it in the ‘garden room’": the quotes only mark the words
    # Control, format (bidi) and lone surrogate characters go (a JSON "\ud800" escape decodes to one, and no
    # database stores it); tabs and line breaks stay, the shopper's own layout.
    text = without_unseen(text, keep="\t\n\r")
    text = re.sub(r"[ \t]+", " ", text).strip()
    return text[:MAX_TEXT]
