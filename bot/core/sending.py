"""The transports that need no outside service, and the one that picks a transport per channel.

Twilio's transport lives in channels/twilio_send.py (only channels/ talks to Twilio); bot/runtime.py
chooses between it and the sandbox.
"""

from __future__ import annotations

import logging

from bot.core.ports import Outgoing, Sender, SendError, SendResult

log = logging.getLogger(__name__)


class SandboxSender:
    """The embedded default and the tests: nothing leaves the machine; the message stays in the outbox."""

    name = "sandbox"

    def send(self, message: Outgoing) -> SendResult:
        log.info("sandbox: %s to %s: %s", message.channel, message.to, message.body[:80])
        return SendResult("sandbox")


class ChatPickup:
    """A chat with no push transport (the Rasa-style REST channel, the web chat on it): the message is ready for
    the chat to read when it next asks (channels/rest.py, POST /webhooks/rest/messages); "sent" says so."""

    name = "pickup"

    def send(self, message: Outgoing) -> SendResult:
        return SendResult("sent")


class NoTransport:
    """A channel with no real transport configured (say, e-mail): fail loudly rather than pretend."""

    name = "none"

    def send(self, message: Outgoing) -> SendResult:
        raise SendError(f"no transport configured for channel {message.channel!r}", retry=False)


class ChannelSenders:
    """Picks the transport per message: e.g. Twilio for SMS/WhatsApp, nothing for e-mail yet."""

    name = "channels"

    def __init__(self, by_channel: dict[str, Sender], default: Sender) -> None:
        self.by_channel = by_channel
        self.default = default

    def send(self, message: Outgoing) -> SendResult:
        return self.by_channel.get(message.channel, self.default).send(message)
