"""A merchant's configuration, typed: one reader for merchant.settings instead of raw keys in many modules.

merchant.settings is JSON the merchant owns (wording overrides, brand, verification policy, quiet hours,
notifications, backend, service rules...). Everything reads it through MerchantConfig.of(merchant), so a
key is spelt once, a missing or malformed value has one fallback, and the merchant console validates
against the same shape. Service rules keep their own schema (backend/rules_config.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend import models as m

DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_QUIET_HOURS: dict[str, str] = {"start": "21:00", "end": "08:00"}
POLICIES = frozenset({"code", "sender_number", "none"})
# How long money and claims take, in words a shopper reads ("3-5 working days"); a merchant sets its own.
DEFAULT_REFUND_TIME = "3-5 working days"
DEFAULT_CLAIM_REPLY_TIME = "2 working days"
DEFAULT_REPLACEMENT_TIME = "3-5 working days"


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _timeframe(section: Any, key: str, default: str) -> str:
    """A timeframe from `section[key]`: words ("within a week") as given, a number as working days; anything
    else (missing, empty, malformed) falls back, so a typo never leaves a reply without its timeframe."""
    value = section.get(key) if isinstance(section, dict) else None
    if isinstance(value, bool):
        return default
    if isinstance(value, int) and value > 0:
        return f"{value} working day{'s' if value != 1 else ''}"
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())[:40]
    return default


@dataclass(frozen=True)
class MerchantConfig:
    merchant_id: int | None
    slug: str
    name: str
    brand_name: str
    timezone: str
    region: str = "GB"
    # key -> text for every channel, or key -> {"default": text, "sms": text, "rest": text, ...}
    responses: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    verification: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    quiet_hours: dict[str, str] | None = field(default_factory=lambda: dict(DEFAULT_QUIET_HOURS))
    notification_channel: str = "sms"
    notifications: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    order_number_pattern: str | None = None
    tracking_number_pattern: str | None = None
    returns: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    damage_policy: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    # returns.refund_time: a cancelled order's or a returned parcel's refund reaching the shopper's account;
    # damage_policy.reply_time / replacement_time: the team's answer on a claim, and a replacement's dispatch.
    refund_time: str = DEFAULT_REFUND_TIME
    claim_reply_time: str = DEFAULT_CLAIM_REPLY_TIME
    replacement_time: str = DEFAULT_REPLACEMENT_TIME

    @classmethod
    def of(cls, merchant: m.Merchant | None, *, default_timezone: str = DEFAULT_TIMEZONE) -> MerchantConfig:
        if merchant is None:
            return cls(None, "", "", "", default_timezone)
        raw = merchant.settings if isinstance(merchant.settings, dict) else {}
        quiet = raw.get("quiet_hours", DEFAULT_QUIET_HOURS)
        return cls(
            merchant_id=merchant.id,
            slug=merchant.slug,
            name=merchant.name,
            brand_name=str(raw.get("brand_name") or merchant.name or ""),
            timezone=merchant.timezone or default_timezone,
            region=str(raw.get("region") or "GB").upper(),
            responses=MappingProxyType(_dict(raw.get("responses"))),
            verification=MappingProxyType(_dict(raw.get("verification"))),
            quiet_hours=dict(quiet) if isinstance(quiet, dict) and quiet else None,
            notification_channel=str(raw.get("notification_channel") or "sms"),
            notifications=MappingProxyType(_dict(raw.get("notifications"))),
            order_number_pattern=raw.get("order_number_pattern") or None,
            tracking_number_pattern=raw.get("tracking_number_pattern") or None,
            returns=MappingProxyType(_dict(raw.get("returns"))),
            damage_policy=MappingProxyType(_dict(raw.get("damage_policy"))),
            refund_time=_timeframe(raw.get("returns"), "refund_time", DEFAULT_REFUND_TIME),
            claim_reply_time=_timeframe(raw.get("damage_policy"), "reply_time", DEFAULT_CLAIM_REPLY_TIME),
            replacement_time=_timeframe(raw.get("damage_policy"), "replacement_time", DEFAULT_REPLACEMENT_TIME),
        )

    def zone(self, default: str = DEFAULT_TIMEZONE) -> ZoneInfo:
        """The merchant's time zone; a missing or unknown name falls back rather than failing a reply."""
        for name in (self.timezone, default, DEFAULT_TIMEZONE):
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
        return ZoneInfo(DEFAULT_TIMEZONE)

    def policy(self, action: str, default: str = "code") -> str:
        """How a shopper proves they may do `action`: "code" (default), "sender_number" or "none"."""
        value = str(self.verification.get(action) or self.verification.get("default") or default)
        return value if value in POLICIES else "code"  # a typo never relaxes verification

    def notification_enabled(self, kind: str) -> bool:
        switches = self.notifications
        return switches.get("enabled", True) is not False and switches.get(kind, True) is not False
