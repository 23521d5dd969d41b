"""A merchant's configuration, typed: one reader for merchant.settings instead of raw keys in many modules.

merchant.settings is JSON the merchant owns (wording overrides, brand, verification policy, quiet hours,
notifications, backend, service rules, support hours and contact, returns policy...). Everything reads it
through MerchantConfig.of(merchant), so a key is spelt once, a missing or malformed value has one fallback,
and the merchant console validates against the same shape. Service rules keep their own schema
(backend/rules_config.py).

    "support_hours": {"days": "Mon-Fri", "open": "09:00", "close": "17:00", "timezone": "Europe/London",
                      "reply_within_hours": 2}
    "support_contact": {"email": "help@example.com", "phone": "0161 496 0000", "url": "https://..."}
    "returns": {"window_days": 30, "refund_days": 14, "fee": "3.50", "methods": ["drop_off"], "url": "https://..."}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend import models as m
from backend.local_time import region_in
from bot.core.colours import readable_on_white

DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_QUIET_HOURS: dict[str, str] = {"start": "21:00", "end": "08:00"}
POLICIES = frozenset({"code", "sender_number", "none"})
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_WORDS = {"weekdays": range(5), "weekends": range(5, 7), "every day": range(7), "daily": range(7),
              "everyday": range(7), "all week": range(7)}
CURRENCIES = {"GB": "GBP", "US": "USD"}
# How long money and claims take, in words a shopper reads ("3-5 working days"); a merchant sets its own.
DEFAULT_REFUND_TIME = "3-5 working days"
DEFAULT_CLAIM_REPLY_TIME = "2 working days"
DEFAULT_REPLACEMENT_TIME = "3-5 working days"
DEFAULT_PRIMARY_COLOUR = "#1d4ed8"  # white text on it: 6.7:1
DEFAULT_ACCENT_COLOUR = "#0f766e"  # as text on white: 5.5:1
DEFAULT_SLA_MINUTES = (5, 15)
# Rough costs until the merchant sets its own (the money view says they are estimates).
DEFAULT_COST_PER_CONTACT = Decimal("3.00")
DEFAULT_FAILED_ATTEMPT_COST = Decimal("12.00")


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _minutes(value: Any) -> int | None:
    """"09:00" -> 540; "24:00" -> 1440 (closing at midnight); anything else None."""
    found = re.fullmatch(r"\s*(\d{1,2})(?::(\d{2}))?\s*", str(value or ""))
    if not found:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2) or 0)
    total = hours * 60 + minutes
    return total if minutes < 60 and total <= 24 * 60 else None


def _day(name: str) -> int | None:
    key = name.strip().lower()[:3]
    return WEEKDAYS.index(key) if key in WEEKDAYS else None


def _days(value: Any) -> frozenset[int] | None:
    """"Mon-Fri", "mon,wed,fri", ["Sat", "Sun"], "weekdays", "every day" -> weekday numbers (Monday 0)."""
    parts = value if isinstance(value, list | tuple) else str(value or "").replace(";", ",").split(",")
    days: set[int] = set()
    for part in (str(p).strip().lower() for p in parts):
        if part in _DAY_WORDS:
            days.update(_DAY_WORDS[part])
            continue
        ends = [_day(x) for x in part.split("-")]
        if len(ends) == 1 and ends[0] is not None:
            days.add(ends[0])
        elif len(ends) == 2 and None not in ends:
            first, last = ends
            days.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)])
        else:
            return None
    return frozenset(days) if days else None


def _zone_or(name: Any, fallback: str) -> str:
    try:
        ZoneInfo(str(name))
        return str(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


@dataclass(frozen=True)
class SupportHours:
    """When a person reads the conversations handed to the team (the bot answers at any hour), in the team's
    own time zone. A shopper waiting for a person is told these, and when the team is next in."""

    days: frozenset[int] = frozenset(range(5))  # Monday 0 .. Sunday 6
    opens: int = 9 * 60  # minutes after midnight
    closes: int = 17 * 60  # 1440: midnight
    timezone: str = DEFAULT_TIMEZONE
    reply_within_hours: int | None = None  # a promise while open ("usually within 2 hours"), if the merchant makes one

    @classmethod
    def parse(cls, raw: Any, timezone: str) -> SupportHours:
        """Malformed parts fall back to the default (Mon-Fri 09:00-17:00 in the merchant's zone), never an error."""
        data = _dict(raw)
        opens, closes = _minutes(data.get("open", "09:00")), _minutes(data.get("close", "17:00"))
        if opens is None or closes is None or closes <= opens:
            opens, closes = cls.opens, cls.closes
        within = data.get("reply_within_hours")
        return cls(
            days=(_days(data["days"]) if "days" in data else None) or cls.days,
            opens=opens,
            closes=closes,
            timezone=_zone_or(data.get("timezone") or timezone, DEFAULT_TIMEZONE),
            reply_within_hours=int(within) if isinstance(within, int | float) and 0 < within <= 72 else None,
        )

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, when: datetime) -> bool:
        local = when.astimezone(self.zone())
        minute = local.hour * 60 + local.minute
        return local.weekday() in self.days and self.opens <= minute < self.closes

    def next_opening(self, when: datetime) -> datetime:
        """The next time the team is in, after `when` (local to the team's zone)."""
        local = when.astimezone(self.zone())
        for ahead in range(8):
            day = (local + timedelta(days=ahead)).date()
            opening = datetime(day.year, day.month, day.day, self.opens // 60, self.opens % 60, tzinfo=self.zone())
            if day.weekday() in self.days and opening > local:
                return opening
        return local  # days is never empty (parse falls back), so this is not reached


@dataclass(frozen=True)
class ReturnsPolicy:
    """What a shopper may be told about returns without looking anything up: the window, how long a refund
    takes once the item is back, any return fee taken off the refund, and where the full policy is."""

    window_days: int = 30
    refund_days: int | None = 14  # the UK's 14 days from getting the goods back; None: don't promise a time
    fee: Decimal | None = None  # None: not stated; 0: free returns
    currency: str = "GBP"
    methods: tuple[str, ...] = ("drop_off", "collection")
    url: str | None = None

    @classmethod
    def parse(cls, raw: Any, region: str) -> ReturnsPolicy:
        data = _dict(raw)
        window, refund = data.get("window_days"), data.get("refund_days", cls.refund_days)
        try:
            fee = Decimal(str(data["fee"])) if data.get("fee") is not None else None
        except InvalidOperation:
            fee = None
        methods = tuple(m for m in ("drop_off", "collection") if m in (data.get("methods") or cls.methods))
        return cls(
            window_days=int(window) if isinstance(window, int) and window > 0 else cls.window_days,
            refund_days=int(refund) if isinstance(refund, int) and refund > 0 else None,
            fee=fee if fee is None or fee >= 0 else None,
            currency=str(data.get("currency") or CURRENCIES.get(region, "EUR")).upper(),
            methods=methods or ("drop_off",),
            url=str(data["url"]) if data.get("url") else None,
        )


def _amount(value: Any, default: Decimal) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return default
    return amount if amount.is_finite() and amount >= 0 else default


def _console_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """The settings the merchant console added (brand look, SLA, money view, payments, survey, handoff
    rules), read tolerantly: a malformed value falls back to the default, never fails a reply or a page."""
    brand, money, pay = _dict(raw.get("brand")), _dict(raw.get("money")), _dict(raw.get("payments"))
    handoff, hours = _dict(raw.get("handoff")), _dict(raw.get("support_hours"))
    sla = hours.get("sla_minutes")
    good_sla = (isinstance(sla, list) and len(sla) == 2 and all(type(x) is int and x > 0 for x in sla)
                and sla[0] < sla[1])
    logo = str(brand.get("logo_url") or "")
    after = handoff.get("after_misunderstandings")

    def colour(key: str, default: str) -> str:
        value = str(brand.get(key) or "")
        return value.lower() if readable_on_white(value) else default

    return {
        "sign_off": str(brand["sign_off"])[:60] if brand.get("sign_off") else None,
        "primary_colour": colour("primary_colour", DEFAULT_PRIMARY_COLOUR),
        "accent_colour": colour("accent_colour", DEFAULT_ACCENT_COLOUR),
        "logo_url": logo if logo.startswith("https://") and not any(c in logo for c in " \"'<>") else None,
        "sla_minutes": (sla[0], sla[1]) if good_sla else DEFAULT_SLA_MINUTES,
        "money_currency": str(money.get("currency") or "GBP").upper()[:3],
        "cost_per_contact": _amount(money.get("cost_per_contact"), DEFAULT_COST_PER_CONTACT),
        "failed_attempt_cost": _amount(money.get("failed_attempt_cost"), DEFAULT_FAILED_ATTEMPT_COST),
        "payment_provider": "stripe" if pay.get("provider") == "stripe" else "sandbox",
        "payment_secret_env": str(pay["secret_key_env"]) if pay.get("secret_key_env") else None,
        "payment_webhook_env": str(pay["webhook_secret_env"]) if pay.get("webhook_secret_env") else None,
        "survey_after_delivery": _dict(raw.get("survey")).get("after_delivery") is True,
        "handoff_when_upset": handoff.get("when_upset") is True,
        "handoff_after_misunderstandings": after if type(after) is int and 0 < after <= 10 else None,
    }


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
    support_hours: SupportHours = field(default_factory=SupportHours)
    support_email: str | None = None
    support_phone: str | None = None
    support_url: str | None = None
    returns_policy: ReturnsPolicy = field(default_factory=ReturnsPolicy)
    # returns.refund_time: a cancelled order's or a returned parcel's refund reaching the shopper's account;
    # damage_policy.reply_time / replacement_time: the team's answer on a claim, and a replacement's dispatch.
    refund_time: str = DEFAULT_REFUND_TIME
    claim_reply_time: str = DEFAULT_CLAIM_REPLY_TIME
    replacement_time: str = DEFAULT_REPLACEMENT_TIME
    # Set on the console's Settings page (bot/core/settings_schema.py); each falls back if missing or malformed.
    sign_off: str | None = None
    primary_colour: str = DEFAULT_PRIMARY_COLOUR  # contrast-checked against white: a failing one falls back
    accent_colour: str = DEFAULT_ACCENT_COLOUR
    logo_url: str | None = None  # https only
    sla_minutes: tuple[int, int] = DEFAULT_SLA_MINUTES  # a waiting shopper turns amber, then red, in the console
    money_currency: str = "GBP"
    cost_per_contact: Decimal = DEFAULT_COST_PER_CONTACT  # a conversation a person handles
    failed_attempt_cost: Decimal = DEFAULT_FAILED_ATTEMPT_COST  # a delivery attempt that fails
    payment_provider: str = "sandbox"  # sandbox | stripe
    payment_secret_env: str | None = None  # NAMES of environment variables, never the secrets
    payment_webhook_env: str | None = None
    survey_after_delivery: bool = False
    handoff_when_upset: bool = False
    handoff_after_misunderstandings: int | None = None

    @classmethod
    def of(cls, merchant: m.Merchant | None, *, default_timezone: str = DEFAULT_TIMEZONE) -> MerchantConfig:
        if merchant is None:
            return cls(None, "", "", "", default_timezone)
        raw = merchant.settings if isinstance(merchant.settings, dict) else {}
        quiet = raw.get("quiet_hours", DEFAULT_QUIET_HOURS)
        timezone = merchant.timezone or default_timezone
        region = region_in(raw)
        contact = _dict(raw.get("support_contact"))
        return cls(
            merchant_id=merchant.id,
            slug=merchant.slug,
            name=merchant.name,
            brand_name=str(raw.get("brand_name") or merchant.name or ""),
            timezone=timezone,
            region=region,
            responses=MappingProxyType(_dict(raw.get("responses"))),
            verification=MappingProxyType(_dict(raw.get("verification"))),
            quiet_hours=dict(quiet) if isinstance(quiet, dict) and quiet else None,
            notification_channel=str(raw.get("notification_channel") or "sms"),
            notifications=MappingProxyType(_dict(raw.get("notifications"))),
            order_number_pattern=raw.get("order_number_pattern") or None,
            tracking_number_pattern=raw.get("tracking_number_pattern") or None,
            returns=MappingProxyType(_dict(raw.get("returns"))),
            damage_policy=MappingProxyType(_dict(raw.get("damage_policy"))),
            support_hours=SupportHours.parse(raw.get("support_hours"), _zone_or(timezone, DEFAULT_TIMEZONE)),
            support_email=str(contact["email"]) if contact.get("email") else None,
            support_phone=str(contact["phone"]) if contact.get("phone") else None,
            support_url=str(contact["url"]) if contact.get("url") else None,
            returns_policy=ReturnsPolicy.parse(raw.get("returns"), region),
            refund_time=_timeframe(raw.get("returns"), "refund_time", DEFAULT_REFUND_TIME),
            claim_reply_time=_timeframe(raw.get("damage_policy"), "reply_time", DEFAULT_CLAIM_REPLY_TIME),
            replacement_time=_timeframe(raw.get("damage_policy"), "replacement_time", DEFAULT_REPLACEMENT_TIME),
            **_console_settings(raw),
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
