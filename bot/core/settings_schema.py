"""The settings a merchant edits, as ONE typed schema: the console's page, the API and the YAML import all
validate against it, so a value refused in one place is refused in all three.

The schema is the merchant's view; merchant.settings (JSON) and the merchant's columns are where the values
live, under the keys the bot already reads (MerchantConfig, backend/rules_config.py, the jobs). `from_stored`
and `to_stored` map one onto the other; nothing gets a second, parallel key. Every error comes out as
{"dotted.field.path": "what is wrong"} (`errors_of`).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from backend.registry import SECRET_LOOKING
from backend.rules_config import RulesConfigError, parse_rules
from backend.types import ActionKind
from bot.core.colours import AA_NORMAL_TEXT, WHITE, contrast_ratio, is_hex_colour
from bot.core.merchant_config import (
    DEFAULT_ACCENT_COLOUR,
    DEFAULT_PRIMARY_COLOUR,
    DEFAULT_QUIET_HOURS,
    DEFAULT_TIMEZONE,
    _days,
    _minutes,
)
from bot.core.phone import InvalidPhoneNumber, to_e164
from intents.entities._base import runaway_repeat

Policy = Literal["code", "sender_number", "none"]
Money = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. GBP")]


def _sexagesimal(value: Any) -> Any:
    """YAML 1.1 reads an unquoted 10:30 as the number 630 (base 60): take it back as the time it was."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


Clock = Annotated[str, BeforeValidator(_sexagesimal),
                  Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$", description="HH:MM, 24-hour")]
# Which names a merchant may give (only MERCHANT_<SLUG>__...) depends on the merchant: bot/services/settings_scope.py
EnvName = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,127}$",
                               description="the NAME of an environment variable set aside for this merchant "
                                           "(MERCHANT_<SLUG>__<NAME>), never its value")]
DEFAULT_PRIMARY = DEFAULT_PRIMARY_COLOUR
DEFAULT_ACCENT = DEFAULT_ACCENT_COLOUR
# Actions that need a check of their own but are no delivery change (journeys name them to CodeService).
OTHER_CHECKS = ("default", "start_return", "claim_not_received", "claim_damaged", "view_address")
# Service rules owned by a section of their own here (actions, fees): not accepted under `rules` too.
RULES_OWNED = frozenset({"disabled_actions", "fees", "currency"})
UNSTORABLE = re.compile(r"[\u0000\ud800-\udfff]")  # no database stores these
_SECRET_LOOKING = re.compile(r"^(sk|rk|pk)_(test|live)_|^whsec_|^AC[0-9a-f]{32}$")


class Section(BaseModel):
    """Unknown keys are refused: in a file kept by hand they are almost always typos."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _colour(value: str) -> str:
    if not is_hex_colour(value):
        raise ValueError("must be a colour like #1d4ed8")
    ratio = contrast_ratio(value, WHITE)
    if ratio < AA_NORMAL_TEXT:
        raise ValueError(f"white text on it (and it as text on white) has contrast {ratio:.2f}:1; "
                         f"WCAG AA needs {AA_NORMAL_TEXT}:1 - choose a darker colour")
    return value.lower()


class Brand(Section):
    name: str | None = Field(None, max_length=80, description="what the bot calls you; empty: the merchant's name")
    sign_off: str | None = Field(None, max_length=60, description='the last line of a message, e.g. "- Acme"')
    primary_colour: str = Field(DEFAULT_PRIMARY, description="header and buttons, behind white text")
    accent_colour: str = Field(DEFAULT_ACCENT, description="links on a white page")
    logo_url: str | None = Field(None, max_length=500, description="an https:// address")

    _check_colours = field_validator("primary_colour", "accent_colour")(_colour)

    @field_validator("logo_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"https://[^\s/?#]+\.[^\s/?#]+(/\S*)?", value):
            raise ValueError("must be an https:// address")
        return value or None


class Contact(Section):
    email: str | None = Field(None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(None, max_length=40)
    url: str | None = Field(None, max_length=500, pattern=r"^https?://\S+$")


class Support(Section):
    days: str = Field("Mon-Fri", max_length=60, description='"Mon-Fri", "mon,wed,fri", "every day"')
    open: Clock = "09:00"
    close: Clock = "17:00"
    timezone: str | None = Field(None, description="IANA name; empty: the merchant's time zone")
    reply_within_hours: int | None = Field(None, ge=1, le=72, description='a promise: "usually within 2 hours"')
    contact: Contact = Field(default_factory=Contact)

    @field_validator("days")
    @classmethod
    def _known_days(cls, value: str) -> str:
        if _days(value) is None:
            raise ValueError('days like "Mon-Fri", "mon,wed,fri", "weekdays" or "every day"')
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return check_zone(value) if value else None

    @model_validator(mode="after")
    def _order(self) -> Support:
        if (_minutes(self.close) or 0) <= (_minutes(self.open) or 0):
            raise ValueError("close: must be after open")
        return self


class Action(Section):
    allowed: bool = True
    verification: Policy = "code"


class Fees(Section):
    currency: Currency = "GBP"
    per_action: dict[ActionKind, Money] = Field(default_factory=dict, description="premium options' fees")


class QuietHours(Section):
    enabled: bool = True
    start: Clock = DEFAULT_QUIET_HOURS["start"]
    end: Clock = DEFAULT_QUIET_HOURS["end"]

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.enabled and self.start == self.end:
            raise ValueError("end: must differ from start (to have no quiet hours, switch them off)")
        return self


class Numbers(Section):
    sms: str | None = Field(None, description="E.164, e.g. +441614960000")
    whatsapp: str | None = Field(None, description="E.164; empty: no WhatsApp")

    @field_validator("sms", "whatsapp")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return to_e164(value)
        except InvalidPhoneNumber:
            raise ValueError("must be a phone number in international form, e.g. +441614960000") from None


class Webhook(Section):
    url: str = Field(max_length=500)
    secret_env: EnvName

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not re.fullmatch(r"https://\S+|http://(localhost|127\.0\.0\.1)(:\d+)?(/\S*)?", value):
            raise ValueError("must be an https:// address")
        return value


class Handoff(Section):
    when_upset: bool = Field(False, description="hand an upset shopper to a person at once")
    after_misunderstandings: int | None = Field(None, ge=1, le=10, description="hand off after N misunderstandings")
    webhook: Webhook | None = None


class Console(Section):
    sla_first_reply_minutes: int = Field(5, ge=1, le=1440, description="a wait turns amber")
    sla_breach_minutes: int = Field(15, ge=2, le=2880, description="a wait turns red")

    @model_validator(mode="after")
    def _order(self) -> Console:
        if self.sla_breach_minutes <= self.sla_first_reply_minutes:
            raise ValueError("sla_breach_minutes: must be more than sla_first_reply_minutes")
        return self


class MoneyView(Section):
    currency: Currency = "GBP"
    # Empty: not set, and the money view uses a rough estimate it labels as such (MerchantConfig's defaults).
    cost_per_contact: Money | None = Field(None, description="a conversation a person handles; empty: an estimate")
    failed_attempt_cost: Money | None = Field(None, description="a failed delivery attempt; empty: an estimate")


class Payments(Section):
    provider: Literal["sandbox", "stripe"] = "sandbox"
    secret_key_env: EnvName | None = Field(None, description="stripe: empty means STRIPE_SECRET_KEY")
    webhook_secret_env: EnvName | None = Field(None, description="stripe: empty means STRIPE_WEBHOOK_SECRET")

    @field_validator("secret_key_env", "webhook_secret_env", mode="before")
    @classmethod
    def _not_a_secret(cls, value: Any) -> Any:
        if isinstance(value, str) and _SECRET_LOOKING.search(value.strip()):
            raise ValueError("this looks like the secret itself: give the NAME of the environment variable")
        return value or None



class Survey(Section):
    after_delivery: bool = False


class Returns(Section):
    window_days: int = Field(30, ge=1, le=365)
    refund_days: int | None = Field(14, ge=1, le=90)
    fee: Money | None = None
    currency: Currency | None = None
    methods: list[Literal["drop_off", "collection"]] = Field(default_factory=lambda: ["drop_off", "collection"])
    url: str | None = Field(None, pattern=r"^https?://\S+$")
    refund_time: str | int | None = Field(None, description='"3-5 working days", or a number of working days')


class DamagePolicy(Section):
    offer: list[Literal["replacement", "refund"]] = Field(default_factory=lambda: ["replacement", "refund"])
    reply_time: str | int | None = None
    replacement_time: str | int | None = None


class CannedReply(Section):
    title: str = Field(min_length=1, max_length=60)
    text: str = Field(min_length=1, max_length=1000)


def check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone, e.g. Europe/London") from None
    return value


def _default_actions() -> dict[ActionKind, Action]:
    return {kind: Action() for kind in ActionKind}


class MerchantSettings(Section):
    """Everything a merchant edits. Sections the page shows first come first."""

    brand: Brand = Field(default_factory=Brand)
    timezone: str = Field(DEFAULT_TIMEZONE, description="IANA name: quiet hours, times in messages")
    support: Support = Field(default_factory=Support)
    actions: dict[ActionKind, Action] = Field(default_factory=_default_actions)
    verification: dict[Literal[OTHER_CHECKS], Policy] = Field(default_factory=dict)  # type: ignore[valid-type]
    fees: Fees = Field(default_factory=Fees)
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    numbers: Numbers = Field(default_factory=Numbers)
    handoff: Handoff = Field(default_factory=Handoff)
    console: Console = Field(default_factory=Console)
    money: MoneyView = Field(default_factory=MoneyView)
    payments: Payments = Field(default_factory=Payments)
    survey: Survey = Field(default_factory=Survey)
    notifications: dict[str, bool] = Field(default_factory=dict, description='"enabled" and a switch per kind')
    notification_channel: Literal["sms", "whatsapp"] = "sms"
    region: str = Field("GB", pattern=r"^[A-Z]{2}$")
    returns: Returns = Field(default_factory=Returns)
    damage_policy: DamagePolicy = Field(default_factory=DamagePolicy)
    canned_replies: list[CannedReply] = Field(default_factory=list, max_length=50)
    order_number_pattern: str | None = Field(None, max_length=200)
    tracking_number_pattern: str | None = Field(None, max_length=200)
    rules: dict[str, Any] = Field(default_factory=dict, description="other service rules (backend/rules_config.py)")
    backend: dict[str, Any] = Field(default_factory=lambda: {"type": "reference"})

    _zone = field_validator("timezone")(check_zone)

    @field_validator("actions")
    @classmethod
    def _every_kind(cls, value: dict[ActionKind, Action]) -> dict[ActionKind, Action]:
        return {kind: value.get(kind, Action()) for kind in ActionKind}  # stable order, none missing

    @field_validator("order_number_pattern", "tracking_number_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
            if runaway_repeat(value):
                raise ValueError("a repeat inside a repeat, such as (\\d+)+, can take minutes on one message: "
                                 "write it with one repeat, such as \\d+") from None
        return value or None

    @field_validator("rules")
    @classmethod
    def _rules(cls, value: dict[str, Any]) -> dict[str, Any]:
        owned = RULES_OWNED & set(value)
        if owned:
            raise ValueError(f"{', '.join(sorted(owned))}: set under actions / fees instead")
        try:
            parse_rules(value)
        except RulesConfigError as exc:
            raise ValueError(str(exc).removeprefix("rules.").removeprefix("rules: ")) from None
        return value

    @field_validator("backend")
    @classmethod
    def _backend(cls, value: dict[str, Any]) -> dict[str, Any]:
        leaked = SECRET_LOOKING & set(value)
        if leaked:
            raise ValueError(f"must not hold secrets ({', '.join(sorted(leaked))}): give the environment "
                             "variable's name (secret_env / token_env)")
        if not isinstance(value.get("type", "reference"), str):
            raise ValueError("type: must be a backend name such as reference, http or shopify")
        return value


def errors_of(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    """pydantic's errors as {"brand.primary_colour": "message"}: the field's path and a sentence."""
    out: dict[str, str] = {}
    for error in exc.errors():
        parts = [str(p) for p in error["loc"] if p != "[key]"]
        message = str(error["msg"]).removeprefix("Value error, ")
        if ": " in message and message.split(": ", 1)[0].isidentifier() and error["type"] == "value_error":
            field_name, message = message.split(": ", 1)  # a section's own check names its field
            parts.append(field_name)
        path = ".".join(filter(None, [prefix, *parts])) or "settings"
        out.setdefault(path, message)
    return out


def unstorable(value: Any, path: str = "") -> str | None:
    """The path of the first text no database can store (NUL, a lone surrogate), if any."""
    if isinstance(value, str):
        return (path or "file") if UNSTORABLE.search(value) else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = unstorable(str(key), path) or unstorable(item, f"{path}.{key}".lstrip("."))
        if found:
            return found
    return None


def validate(data: Any) -> tuple[MerchantSettings | None, dict[str, str]]:
    """(settings, {}) if `data` is valid, else (None, every error by path)."""
    if not isinstance(data, dict):
        return None, {"settings": "must be a mapping of sections (brand, support, actions...)"}
    bad = unstorable(data)
    if bad:
        return None, {bad: "text must not contain NUL characters or unpaired surrogates"}
    try:
        return MerchantSettings.model_validate(data), {}
    except ValidationError as exc:
        return None, errors_of(exc)
