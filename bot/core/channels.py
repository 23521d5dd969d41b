"""What each channel can do: one spec per channel, read by everything that used to test channel names.

A channel is how a shopper reaches the bot (SMS, WhatsApp, the web chat, the Rasa-style REST API, the
terminal) or how the bot reaches them (the same, plus e-mail for one-time codes). The spec says:
- phone_like: the address is an E.164 number (it can prove the shopper is the parcel's recipient, and the
  merchant's number on it selects the merchant);
- buttons: how many tappable choices a reply can carry (0: choices go as numbered text instead);
- media: whether a picture we send travels as media (else its link goes in the text);
- receives_media: whether the shopper can send us a picture (a photo of a damaged parcel);
- max_length: the most text one message carries;
- session_window: how long after the shopper's last message free-form messages may be sent (WhatsApp's
  24 hours; after it only pre-approved templates may go);
- merchant_number: which of the merchant's numbers the channel uses (sms_number / whatsapp_number);
- replies_later: the bot can text the shopper on this channel outside a webhook's answer, so a message that
  arrives while the database is away is kept and answered later (bot/core/spool.py): SMS today, WhatsApp once
  its inbound channel lands; the REST and web chat callers retry instead.

Adding a channel: add its spec here, then its adapter in channels/ (see README, "Add a channel").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class ChannelSpec:
    name: str
    phone_like: bool = False
    buttons: int = 0
    media: bool = False
    receives_media: bool = False
    max_length: int = 1600
    session_window: timedelta | None = None
    merchant_number: str | None = None  # the Merchant column holding this channel's number
    replies_later: bool = False


SPECS: dict[str, ChannelSpec] = {
    spec.name: spec
    for spec in (
        ChannelSpec("sms", phone_like=True, buttons=0, media=True, receives_media=True, max_length=1600,
                    merchant_number="sms_number", replies_later=True),
        ChannelSpec("whatsapp", phone_like=True, buttons=3, media=True, receives_media=True, max_length=4096,
                    session_window=timedelta(hours=24), merchant_number="whatsapp_number", replies_later=True),
        # The terminal (`parcelbot chat --from +44...`) stands in for a phone texting: it walks the SMS journeys
        # as SMS does (a photo's link is printed).
        ChannelSpec("cli", phone_like=True, buttons=0, media=True, receives_media=True, max_length=1600,
                    merchant_number="sms_number"),
        # The Rasa-style REST channel sends pictures as links ("image") and takes text only.
        ChannelSpec("rest", phone_like=False, buttons=10, media=True, max_length=4096),
        ChannelSpec("web", phone_like=False, buttons=10, media=True, max_length=4096),
        ChannelSpec("email", phone_like=False, buttons=0, media=False, max_length=10000),
    )
}
# An unknown channel name gets the most conservative spec: not a phone, no buttons, no media.
UNKNOWN = ChannelSpec("unknown")


def spec_for(channel: str) -> ChannelSpec:
    return SPECS.get(channel, UNKNOWN)


def phone_channels() -> frozenset[str]:
    return frozenset(name for name, spec in SPECS.items() if spec.phone_like)


def merchant_number(merchant: object, channel: str) -> str | None:
    """The merchant's own number on this channel (what its messages come from), if it has one."""
    column = spec_for(channel).merchant_number or "sms_number"
    return getattr(merchant, column, None)
