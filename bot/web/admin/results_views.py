"""The merchant console's Results page (/admin): what the bot achieved over a date range, money view first,
then charts with their definitions and data tables. The figures are bot/services/outcomes.py's, the same as
GET /api/v1/metrics; this module only reads the range and turns figures into words and SVG."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import render_template, request

from backend import models as m
from bot.core.calendar_bounds import parse_day
from bot.services.outcomes import BadRange, Outcomes, compute, window_for
from bot.services.outcomes_base import Metric
from bot.web.admin import charts
from bot.web.admin.base import admin_required, bp, signed_in_admin
from bot.web.ext import current_runtime

QUICK_RANGES = (7, 30, 90)
DEFAULT_DAYS = 30
SYMBOLS = {"GBP": "\u00a3", "USD": "$", "EUR": "\u20ac"}
CHANNELS = {"sms": "SMS", "rest": "web chat", "whatsapp": "WhatsApp", "email": "email", "terminal": "terminal"}


def channel_name(name: str) -> str:
    return CHANNELS.get(name, name)


def money(amount: Decimal, currency: str) -> str:
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency}"


def duration(seconds: float) -> str:
    """"45 s", "12 min", "3 h 20 min", "2 d 4 h": what a person reads at a glance."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def shown(metric: Metric) -> str:
    value = metric.value
    if value is None:
        return "no data"
    if metric.unit == "ratio":
        return f"{value * 100:.0f}%"
    if metric.unit == "seconds":
        return duration(value)
    if metric.unit == "rating":
        return f"{value:.1f} / 5"
    return f"{value:,.0f}"


def parts(metric: Metric) -> str:
    """"12 of 40" for a ratio, "9 measured" for a time: what the figure stands on."""
    if metric.unit == "ratio" and metric.denominator is not None:
        return f"{metric.numerator:,.0f} of {metric.denominator:,.0f}"
    if metric.unit == "seconds" and metric.numerator is not None:
        return f"{metric.numerator:,.0f} measured"
    if metric.unit == "rating" and metric.denominator:
        return f"{metric.denominator:,.0f} ratings"
    return ""


def _range(today: date) -> tuple[date, date, dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, date] = {}
    for name in ("from", "to"):
        raw = (request.args.get(name) or "").strip()
        if not raw:
            continue
        try:
            values[name] = parse_day(raw)  # within the calendar: the default range's arithmetic can't overflow
        except ValueError as exc:
            errors[name] = str(exc)
    end = values.get("to", today + timedelta(days=1))
    return values.get("from", end - timedelta(days=DEFAULT_DAYS)), end, errors


def _charts(o: Outcomes) -> dict[str, charts.Chart]:
    c, p, s = o.contacts, o.parcels, o.service
    days = [d.isoformat() for d in c.per_day.days]
    per_channel = {channel_name(name): [v or 0 for v in values] for name, values in c.per_day.values.items()}
    return {
        "contacts": charts.stacked_bar("Contacts per day, by channel", days, per_channel or {"none": [0] * len(days)}),
        "containment": charts.line("Handled by the bot alone, per day", days,
                                   {"handled alone": c.containment_per_day.values["containment"]}),
        "first_attempt": charts.bar("Delivered at the first attempt, by carrier", [r.carrier for r in p.carriers],
                                    [r.first_attempt_rate for r in p.carriers], fmt=charts.percent,
                                    heading="First attempt", scale_max=1),
        "on_time": charts.bar("Delivered on time, by carrier", [r.carrier for r in p.carriers],
                              [r.on_time_rate for r in p.carriers], fmt=charts.percent, heading="On time",
                              scale_max=1),
        "changes": charts.bar("Changes requested, by kind", [r.action.replace("_", " ") for r in p.changes],
                              [r.requested for r in p.changes], heading="Requested"),
        "returns": charts.bar("Returns by reason", list(p.returns_by_reason), list(p.returns_by_reason.values()),
                              heading="Returns"),
        "returned_items": charts.bar("Most returned items", list(p.returns_by_item), list(p.returns_by_item.values()),
                                     heading="Returns"),
        "satisfaction": charts.bar("Ratings from 1 to 5", [f"{k} of 5" for k in s.survey_distribution],
                                   list(s.survey_distribution.values()), heading="Ratings"),
        "intents": charts.bar("What shoppers asked about most", [i.replace("_", " ") for i, _ in s.intents],
                              [n for _, n in s.intents], heading="Messages"),
        "notifications": charts.bar("Notifications by outcome", list(s.notifications), list(s.notifications.values()),
                                    heading="Notifications"),
    }


@bp.get("", endpoint="results")
@admin_required
def results_page() -> Any:
    rt = current_runtime()
    admin = signed_in_admin()
    with rt.sessions() as session:
        merchant = session.get(m.Merchant, admin.merchant_id)
        zone = merchant.zone(rt.settings.default_timezone)
        today = rt.clock().astimezone(zone).date()
        start, end, errors = _range(today)
        quick = [(n, (today - timedelta(days=n - 1)).isoformat(), (today + timedelta(days=1)).isoformat())
                 for n in QUICK_RANGES]
        outcomes = None
        if not errors:
            try:
                outcomes = compute(session, merchant, window_for(merchant, start, end, now=rt.clock(),
                                                                 default_timezone=rt.settings.default_timezone))
            except BadRange as exc:
                errors = exc.errors
        page = render_template(
            "admin/results.html", title="Results", o=outcomes, errors=errors, quick=quick,
            start=request.args.get("from") or start.isoformat(), end=request.args.get("to") or end.isoformat(),
            last_day=(end - timedelta(days=1)), charts=_charts(outcomes) if outcomes else {}, shown=shown,
            parts=parts, money=money, merchant_name=merchant.name, channel_name=channel_name,
        )
    return page, (422 if errors else 200)
