"""What the bot achieves for one merchant over [from, to) (dates in the merchant's time zone): the figures
behind the merchant console's Results page and GET /api/v1/metrics, with the money view on top.

Every figure is a Metric (value, numerator/denominator, a one-sentence definition) or a plain breakdown;
docs/results.md says why each is defined as it is. Channel-free: the page and the API render the same
Outcomes. The work is split by what it reads: outcomes_contacts (messages in, people, handoffs),
outcomes_delivery (changes, attempts, returns), outcomes_service (grouped counts of the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from backend import models as m
from bot.core.merchant_config import MerchantConfig
from bot.services.outcomes_base import MAX_DAYS, Metric, Window
from bot.services.outcomes_contacts import ContactFigures, contact_figures
from bot.services.outcomes_delivery import ParcelFigures, parcel_figures
from bot.services.outcomes_service import ServiceFigures, service_figures


class BadRange(ValueError):
    """A date range the figures can't be worked out for; `errors` names the field, as the API answers 422."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Costs:
    cost_per_contact: Decimal
    failed_attempt_cost: Decimal
    currency: str
    defaults_used: tuple[str, ...]  # which of the two are our defaults, not the merchant's


@dataclass(frozen=True)
class MoneyView:
    failed_attempts_avoided: int
    contacts_without_agent: int
    costs: Costs
    avoided_value: Decimal
    contacts_value: Decimal

    @property
    def total(self) -> Decimal:
        return self.avoided_value + self.contacts_value

    def as_json(self) -> dict[str, Any]:
        return {
            "currency": self.costs.currency, "total": str(self.total),
            "failed_attempts_avoided": self.failed_attempts_avoided,
            "failed_attempt_cost": str(self.costs.failed_attempt_cost),
            "failed_attempts_value": str(self.avoided_value),
            "contacts_without_agent": self.contacts_without_agent,
            "cost_per_contact": str(self.costs.cost_per_contact), "contacts_value": str(self.contacts_value),
            "defaults_used": list(self.costs.defaults_used),
            "definition": MONEY_DEFINITION,
        }


MONEY_DEFINITION = ("Failed first attempts avoided (parcels delivered at the first attempt after a delivery change "
                    "was applied before it) x the cost of a failed attempt, plus contacts handled by the bot "
                    "alone x the cost of a contact a person answers.")


@dataclass(frozen=True)
class Outcomes:
    window: Window
    contacts: ContactFigures
    parcels: ParcelFigures
    service: ServiceFigures
    money: MoneyView

    def headline(self) -> list[Metric]:
        """The figures a merchant reads first, in the order the page shows them."""
        c, p, s = self.contacts, self.parcels, self.service
        return [c.contacts, c.containment, c.handoff_rate, c.first_reply_median, c.first_reply_p90,
                p.changes_applied, p.confirmation_median, p.first_attempt, p.on_time, s.misunderstood,
                s.verification, s.notification_failures, s.opt_outs, s.survey_average]


def _set(raw: Any) -> bool:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return False
    return value.is_finite() and value >= 0


def costs_of(merchant: m.Merchant) -> Costs:
    """The merchant's two costs as MerchantConfig reads them (settings "money"; malformed or missing: its
    documented defaults, DEFAULT_COST_PER_CONTACT and DEFAULT_FAILED_ATTEMPT_COST), and which are defaults."""
    config = MerchantConfig.of(merchant)
    raw = (merchant.settings or {}).get("money") if isinstance(merchant.settings, dict) else None
    raw = raw if isinstance(raw, dict) else {}
    used = tuple(name for name in ("cost_per_contact", "failed_attempt_cost")
                 if raw.get(name) is None or not _set(raw.get(name)))
    return Costs(config.cost_per_contact, config.failed_attempt_cost, config.money_currency, used)


def window_for(merchant: m.Merchant, start: date, end: date, *, now: datetime | None = None,
               default_timezone: str = "Europe/London") -> Window:
    """[start, end) checked: end after start, at most a year."""
    errors: dict[str, str] = {}
    if end <= start:
        errors["to"] = "must be after 'from' (the range is from <= day < to)"
    elif (end - start).days > MAX_DAYS:
        errors["to"] = f"the range may cover at most {MAX_DAYS} days"
    if errors:
        raise BadRange(errors)
    zone = MerchantConfig.of(merchant, default_timezone=default_timezone).zone(default_timezone)
    return Window(start, end, zone, (now or datetime.now(UTC)).astimezone(UTC))


def compute(session: Session, merchant: m.Merchant, window: Window) -> Outcomes:
    contacts = contact_figures(session, merchant.id, window)
    parcels = parcel_figures(session, merchant.id, window)
    service = service_figures(session, merchant.id, window)
    costs = costs_of(merchant)
    money = MoneyView(
        failed_attempts_avoided=parcels.failed_attempts_avoided,
        contacts_without_agent=contacts.contained,
        costs=costs,
        avoided_value=(costs.failed_attempt_cost * parcels.failed_attempts_avoided).quantize(Decimal("0.01")),
        contacts_value=(costs.cost_per_contact * contacts.contained).quantize(Decimal("0.01")),
    )
    return Outcomes(window, contacts, parcels, service, money)


def as_json(o: Outcomes) -> dict[str, Any]:
    """The API's body: the same figures and definitions as the page."""
    c, p, s, w = o.contacts, o.parcels, o.service, o.window
    return {
        "from": w.start.isoformat(), "to": w.end.isoformat(), "timezone": str(w.zone),
        "money": o.money.as_json(),
        "metrics": {metric.key: metric.as_json() for metric in o.headline()},
        "contacts": {"by_channel": c.by_channel, "per_day": c.per_day.as_json(), "contained": c.contained,
                     "not_yet_judged": c.pending, "unanswered_handoffs": c.unanswered_handoffs,
                     "containment_per_day": c.containment_per_day.as_json()},
        "messages": {"by_channel": s.messages},
        "changes": [{"action": r.action, "requested": r.requested, "applied": r.applied, "refused": r.refused,
                     "pending": r.pending} for r in p.changes],
        "carriers": [{"carrier": r.carrier, "first_attempts": r.first_attempts,
                      "first_attempt_delivered": r.first_attempt_ok, "first_attempt_rate": _r(r.first_attempt_rate),
                      "delivered": r.delivered, "delivered_with_window": r.with_window, "on_time": r.on_time,
                      "on_time_rate": _r(r.on_time_rate)} for r in p.carriers],
        "returns": {"total": p.returns, "by_reason": p.returns_by_reason, "by_item": p.returns_by_item},
        "satisfaction": {"count": s.survey_count, "average": s.survey_average.as_json()["value"],
                         "distribution": {str(k): n for k, n in s.survey_distribution.items()}},
        "intents": {"top": [{"intent": i, "messages": n} for i, n in s.intents]},
        "verification": {"codes_sent": s.verification.denominator, "codes_accepted": s.verification.numerator,
                         "verified_by": s.verified_by},
        "notifications": {"by_status": s.notifications, "opt_ins": s.opt_ins},
        "fees": {"payments": s.payments, "collected": {k: str(v) for k, v in s.paid.items()},
                 "refunded": {k: str(v) for k, v in s.refunded.items()}},
    }


def _r(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None
