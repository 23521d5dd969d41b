"""What every channel adapter is, after Rasa's InputChannel / OutputChannel.

An inbound channel is a Flask blueprint built for one app from a ChannelHub: it checks its transport's
signature, turns a request into an InboundMessage, hands it to `hub.handle` (the engine) and renders the
replies in its transport's format, through its ChannelSpec (bot/core/channels.py): a channel with buttons
sends a reply's choices as buttons, one without sends them as numbered text (Reply.as_text). Channels know
nothing of the database, the dialogues or the runtime; the web wiring (bot/web) builds the hub.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from flask import Blueprint

from bot.config import Settings
from bot.core.messages import InboundMessage, Outcome


@dataclass(frozen=True)
class ChannelHub:
    """What the web wiring hands every inbound channel."""

    handle: Callable[[InboundMessage], Outcome]  # the engine's front door
    settings: Settings
    only_merchant: Callable[[], str | None]  # the merchant's slug when there is exactly one (REST default)
    # a provider's delivery receipt for a message we sent: (provider message id, status, error code) -> recorded?
    receipt: Callable[[str, str, str | None], bool] = lambda _sid, _status, _error: False


class InboundChannel(Protocol):
    name: str

    def blueprint(self, hub: ChannelHub) -> Blueprint: ...
