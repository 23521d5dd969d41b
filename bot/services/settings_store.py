"""Where each setting of the schema (bot/core/settings_schema.py) lives: merchant.settings keys the bot
already reads, and the merchant's columns (numbers, time zone). Pure functions, no session.

    brand.name                -> settings.brand_name           brand.* (rest) -> settings.brand
    timezone                  -> Merchant.timezone             numbers.*      -> Merchant.sms_number / whatsapp_number
    support.days/open/close/timezone/reply_within_hours -> settings.support_hours; support.contact -> support_contact
    console.sla_*_minutes     -> settings.support_hours.sla_minutes [amber, red] (the agent console reads it)
    actions.<kind>.allowed    -> settings.rules.disabled_actions  actions.<kind>.verification -> settings.verification
    verification.<check>      -> settings.verification         fees -> settings.rules.fees + rules.currency
    quiet_hours               -> settings.quiet_hours ({start, end}; null: off)
    handoff.webhook           -> settings.handoff_webhook      handoff.* (rest) -> settings.handoff
    money, payments, survey, notifications, notification_channel, region, returns, damage_policy,
    canned_replies, *_pattern, rules (the rest), backend -> the settings key of the same name
"""

from __future__ import annotations

from typing import Any

from backend.types import ActionKind
from bot.core.merchant_config import DEFAULT_QUIET_HOURS, DEFAULT_TIMEZONE
from bot.core.settings_schema import RULES_OWNED, MerchantSettings

# Keys of merchant.settings this mapping writes; every other key (responses, anything unknown) is kept as is.
MANAGED = frozenset({
    "brand_name", "brand", "support_hours", "support_contact", "verification", "rules", "quiet_hours",
    "handoff", "handoff_webhook", "money", "payments", "survey", "notifications", "notification_channel",
    "region", "returns", "damage_policy", "canned_replies", "order_number_pattern", "tracking_number_pattern",
    "backend",
})
SAME_NAME = ("money", "payments", "survey", "notifications", "notification_channel", "region", "returns",
             "damage_policy", "canned_replies", "order_number_pattern", "tracking_number_pattern", "backend")


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _some(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v is not None}


def from_stored(settings: Any, *, timezone: str | None, sms: str | None, whatsapp: str | None) -> dict[str, Any]:
    """merchant.settings and columns -> the schema's shape (not validated: stored data may predate the checks)."""
    raw = _dict(settings)
    rules = _dict(raw.get("rules"))
    disabled = {str(k) for k in rules.get("disabled_actions") or []}
    verification = _dict(raw.get("verification"))
    hours = _dict(raw.get("support_hours"))
    days = hours.get("days", "Mon-Fri")
    sla = hours.get("sla_minutes")
    quiet = raw.get("quiet_hours", DEFAULT_QUIET_HOURS)
    handoff = _dict(raw.get("handoff"))
    if raw.get("handoff_webhook"):
        handoff["webhook"] = raw["handoff_webhook"]
    data: dict[str, Any] = {
        "brand": _some({**_dict(raw.get("brand")), "name": raw.get("brand_name")}),
        "timezone": timezone or DEFAULT_TIMEZONE,
        "support": _some({
            "days": ", ".join(map(str, days)) if isinstance(days, list | tuple) else days,
            "open": hours.get("open"), "close": hours.get("close"), "timezone": hours.get("timezone"),
            "reply_within_hours": hours.get("reply_within_hours"), "contact": raw.get("support_contact"),
        }),
        "actions": {kind.value: {"allowed": kind.value not in disabled,
                                 "verification": verification.get(kind.value) or verification.get("default") or "code"}
                    for kind in ActionKind},
        "verification": {k: v for k, v in verification.items() if k not in {a.value for a in ActionKind}},
        "fees": _some({"currency": rules.get("currency"), "per_action": rules.get("fees")}),
        "quiet_hours": ({"enabled": True, **_dict(quiet)} if isinstance(quiet, dict) and quiet
                        else {"enabled": False}),
        "numbers": _some({"sms": sms, "whatsapp": whatsapp}),
        "handoff": handoff,
        "rules": {k: v for k, v in rules.items() if k not in RULES_OWNED},
    }
    if isinstance(sla, list) and len(sla) == 2:
        data["console"] = {"sla_first_reply_minutes": sla[0], "sla_breach_minutes": sla[1]}
    data.update({key: raw[key] for key in SAME_NAME if raw.get(key) is not None})
    return data


def to_stored(s: MerchantSettings, existing: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The schema -> (new merchant.settings, the merchant's columns). Keys it doesn't manage are kept."""
    d = s.model_dump(mode="json")
    out = {k: v for k, v in _dict(existing).items() if k not in MANAGED}
    brand = d["brand"]
    if brand.pop("name"):
        out["brand_name"] = s.brand.name
    out["brand"] = _some(brand)
    support = d["support"]
    contact = _some(support.pop("contact"))
    out["support_hours"] = {**_some(support), "sla_minutes": [s.console.sla_first_reply_minutes,
                                                              s.console.sla_breach_minutes]}
    if contact:
        out["support_contact"] = contact
    actions = d["actions"]
    out["verification"] = {**d["verification"], **{k: a["verification"] for k, a in actions.items()}}
    rules = dict(d["rules"])
    disabled = [k for k, a in actions.items() if not a["allowed"]]
    if disabled:
        rules["disabled_actions"] = disabled
    if d["fees"]["per_action"]:
        rules["fees"] = d["fees"]["per_action"]
    rules["currency"] = d["fees"]["currency"]
    out["rules"] = rules
    quiet = d["quiet_hours"]
    out["quiet_hours"] = {"start": quiet["start"], "end": quiet["end"]} if quiet["enabled"] else None
    handoff = d["handoff"]
    webhook = handoff.pop("webhook")
    out["handoff"] = handoff
    if webhook:
        out["handoff_webhook"] = webhook
    for key in SAME_NAME:
        value = d[key]
        if isinstance(value, dict) and key != "returns":  # returns.refund_days null means "promise no time"
            value = _some(value)
        if value is not None:
            out[key] = value
    columns = {"timezone": s.timezone, "sms_number": s.numbers.sms, "whatsapp_number": s.numbers.whatsapp}
    return out, columns
