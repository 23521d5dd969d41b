"""Service rules as data: defaults in a dataclass, overridden per merchant by merchant.settings["rules"].

Rules are configuration a merchant can read and change, so nothing here decides anything; backend/rules.py
applies them. A typo in a merchant's rules raises RulesConfigError instead of being silently ignored,
because a silently ignored "disabled_actions" would let the bot offer something the merchant forbade.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import time
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from backend.types import ActionKind

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Plain words for the sender's own locks: finishes the sentence "...because ___".
DEFAULT_LOCK_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "prescription": "it contains prescription medicine, which has to be delivered exactly as arranged",
        "perishable": "it contains fresh or chilled food that has to arrive on the planned day",
        "age_restricted": "it contains age-restricted items that must be handed to an adult who shows ID",
        "high_value": "it is a high-value item that has to be delivered exactly as arranged",
    }
)

# What a driver can still act on once the route is fixed (after the cut-off, or out for delivery).
LATE_ACTIONS = frozenset(
    {ActionKind.LEAVE_IN_SAFE_PLACE, ActionKind.LEAVE_WITH_NEIGHBOUR, ActionKind.ADD_DELIVERY_NOTE}
)


class RulesConfigError(ValueError):
    """merchant.settings["rules"] does not describe valid rules; the message says which key and why."""


@dataclass(frozen=True)
class WindowSpec:
    """A delivery window offered every working day, in the merchant's local time."""

    label: str
    start: time
    end: time
    fee: Decimal | None = None  # set for paid premium windows (e.g. evenings)


DEFAULT_WINDOWS = (
    WindowSpec("morning", time(8), time(12)),
    WindowSpec("afternoon", time(12), time(17)),
    WindowSpec("evening", time(17), time(21), Decimal("3.50")),
)


@dataclass(frozen=True)
class ServiceRules:
    cutoff_time: time = time(22, 0)  # changes to day/address close at this local time...
    cutoff_days_before: int = 1  # ...this many days before the ETA day
    high_value_threshold: Decimal = Decimal("250")  # worth more than this: never left unattended
    max_changes: int = 3  # accepted changes per parcel
    max_hold_days: int = 14
    reschedule_days: int = 5  # how many working days ahead a shopper can pick
    working_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0
    windows: tuple[WindowSpec, ...] = DEFAULT_WINDOWS
    fees: Mapping[ActionKind, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    currency: str = "GBP"
    disabled_actions: frozenset[ActionKind] = frozenset()
    late_actions: frozenset[ActionKind] = LATE_ACTIONS
    note_max_chars: int = 200
    instruction_max_chars: int = 100
    pickup_points_shown: int = 3
    lock_reasons: Mapping[str, str] = field(default_factory=lambda: DEFAULT_LOCK_REASONS)


def _time(key: str, value: Any) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError) as exc:
        raise RulesConfigError(f"rules.{key}: expected a time like '22:00', got {value!r}") from exc


def _money(key: str, value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise RulesConfigError(f"rules.{key}: expected an amount like '3.50', got {value!r}") from exc
    if amount < 0:
        raise RulesConfigError(f"rules.{key}: must not be negative")
    return amount


def _int(key: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise RulesConfigError(f"rules.{key}: expected a whole number >= {minimum}, got {value!r}")
    return value


def _kinds(key: str, value: Any) -> frozenset[ActionKind]:
    try:
        return frozenset(ActionKind(v) for v in value)
    except (ValueError, TypeError) as exc:
        known = ", ".join(k.value for k in ActionKind)
        raise RulesConfigError(f"rules.{key}: expected a list of {known}; got {value!r}") from exc


def _weekdays(value: Any) -> frozenset[int]:
    days = set()
    for day in value:
        if isinstance(day, str) and day[:3].lower() in WEEKDAYS:
            days.add(WEEKDAYS.index(day[:3].lower()))
        elif isinstance(day, int) and 0 <= day <= 6:
            days.add(day)
        else:
            raise RulesConfigError(f"rules.working_days: {day!r} is not a weekday ('mon'...'sun' or 0-6)")
    if not days:
        raise RulesConfigError("rules.working_days: at least one working day is needed")
    return frozenset(days)


def _windows(value: Any) -> tuple[WindowSpec, ...]:
    windows = []
    for i, w in enumerate(value):
        if not isinstance(w, Mapping) or not {"start", "end"} <= w.keys():
            raise RulesConfigError(f"rules.windows[{i}]: needs at least 'start' and 'end'")
        start, end = _time(f"windows[{i}].start", w["start"]), _time(f"windows[{i}].end", w["end"])
        if end <= start:
            raise RulesConfigError(f"rules.windows[{i}]: ends before it starts")
        fee = _money(f"windows[{i}].fee", w["fee"]) if w.get("fee") not in (None, "", 0) else None
        windows.append(WindowSpec(str(w.get("label") or f"{w['start']}-{w['end']}"), start, end, fee or None))
    if not windows:
        raise RulesConfigError("rules.windows: at least one delivery window is needed")
    return tuple(sorted(windows, key=lambda w: w.start))


def _fees(value: Any) -> Mapping[ActionKind, Decimal]:
    if not isinstance(value, Mapping):
        raise RulesConfigError("rules.fees: expected an object like {'change_delivery_address': '2.00'}")
    out = {}
    for kind, amount in value.items():
        (k,) = _kinds("fees", [kind])
        out[k] = _money(f"fees.{kind}", amount)
    return MappingProxyType(out)


_PARSERS = {
    "cutoff_time": lambda v: _time("cutoff_time", v),
    "cutoff_days_before": lambda v: _int("cutoff_days_before", v),
    "high_value_threshold": lambda v: _money("high_value_threshold", v),
    "max_changes": lambda v: _int("max_changes", v),
    "max_hold_days": lambda v: _int("max_hold_days", v, 1),
    "reschedule_days": lambda v: _int("reschedule_days", v, 1),
    "working_days": _weekdays,
    "windows": _windows,
    "fees": _fees,
    "currency": lambda v: str(v).upper(),
    "disabled_actions": lambda v: _kinds("disabled_actions", v),
    "late_actions": lambda v: _kinds("late_actions", v),
    "note_max_chars": lambda v: _int("note_max_chars", v, 1),
    "instruction_max_chars": lambda v: _int("instruction_max_chars", v, 1),
    "pickup_points_shown": lambda v: _int("pickup_points_shown", v, 1),
    "lock_reasons": lambda v: MappingProxyType({**DEFAULT_LOCK_REASONS, **{str(k): str(t) for k, t in v.items()}}),
}
assert set(_PARSERS) == {f.name for f in fields(ServiceRules)}  # noqa: S101 - keeps parser and dataclass in step


def parse_rules(data: Mapping[str, Any] | None) -> ServiceRules:
    """Defaults overridden by the keys given; unknown keys are an error (they are usually typos)."""
    data = data or {}
    unknown = set(data) - set(_PARSERS)
    if unknown:
        raise RulesConfigError(f"rules: unknown setting(s) {', '.join(sorted(unknown))}")
    return ServiceRules(**{key: _PARSERS[key](value) for key, value in data.items()})


def rules_for(merchant: Any) -> ServiceRules:
    """The merchant's rules: ServiceRules defaults overridden by merchant.settings["rules"]."""
    return parse_rules((getattr(merchant, "settings", None) or {}).get("rules"))


def format_money(amount: Decimal, currency: str = "GBP") -> str:
    symbol = {"GBP": "£", "EUR": "€", "USD": "$"}.get(currency.upper())
    text = f"{amount:.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"
