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
from typing import Protocol, TypeVar

from flask import Blueprint

from bot.config import Settings
from bot.core.messages import InboundMessage, Outcome, Reply


@dataclass(frozen=True)
class ChannelHub:
    """What the web wiring hands every inbound channel."""

    handle: Callable[[InboundMessage], Outcome]  # the engine's front door
    settings: Settings
    only_merchant: Callable[[], str | None]  # the merchant's slug when there is exactly one (REST default)
    # a provider's delivery receipt for a message we sent: (provider message id, status, error code) -> recorded?
    receipt: Callable[[str, str, str | None], bool] = lambda _sid, _status, _error: False
    # what was sent to a chat with no push transport since it last looked: (merchant slug, channel, address,
    # after message id) -> [(message id, reply)], oldest first (bot/core/outbox.py sent_to_chat)
    sent_to: Callable[[str, str, str, int], list[tuple[int, Reply]]] = lambda _slug, _channel, _address, _after: []


View = TypeVar("View", bound=Callable[..., object])


def free_text(*fields: str) -> Callable[[View], View]:
    """Mark a view's form fields that carry a person's own words, which the view cleans itself (clean_text drops
    NUL and other control characters): the web's NUL guard (bot/web/nul_guard.py) lets these through and refuses
    NUL in every other field, an identifier no database stores."""

    def mark(view: View) -> View:
        view.free_text_fields = frozenset(fields)  # type: ignore[attr-defined]
        return view

    return mark


class InboundChannel(Protocol):
    name: str

    def blueprint(self, hub: ChannelHub) -> Blueprint: ...
