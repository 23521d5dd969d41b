"""The shapes every outcome figure shares: a date range in the merchant's zone, and a Metric that carries its
parts and its definition, so the page, the API and the docs never disagree on what a number means."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

MAX_DAYS = 366  # a year (a leap year's too): the longest range one request may ask for


@dataclass(frozen=True)
class Window:
    """[start, end) in local dates of the merchant's time zone; `now` says what can be judged yet."""

    start: date
    end: date  # not included
    zone: ZoneInfo
    now: datetime

    @cached_property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=self.zone).astimezone(UTC)

    @cached_property
    def end_utc(self) -> datetime:
        return datetime.combine(self.end, time(0), tzinfo=self.zone).astimezone(UTC)

    @cached_property
    def midnights(self) -> list[datetime]:
        """Each local day's start in UTC, and the end: bucketing by bisect, not a zone conversion per row."""
        return [datetime.combine(self.start + timedelta(days=n), time(0), tzinfo=self.zone).astimezone(UTC)
                for n in range((self.end - self.start).days + 1)]

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days)]

    def day_of(self, moment: datetime) -> date:
        """The merchant's local date of a moment (what a person in the shop would call its day)."""
        return moment.astimezone(self.zone).date()

    def holds(self, moment: datetime) -> bool:
        return self.start_utc <= moment < self.end_utc


@dataclass(frozen=True)
class Metric:
    """One figure: its value, what it was worked out from, and a sentence saying what it counts.

    unit: "count", "ratio" (0..1), "seconds", "money" (in `currency`) or "rating" (1-5). value is None when
    there is nothing to divide by, so a page shows "no data" rather than a made-up 0 %."""

    key: str
    label: str
    value: float | None
    unit: str
    definition: str
    numerator: float | None = None
    denominator: float | None = None
    currency: str | None = None

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {"key": self.key, "label": self.label, "value": _rounded(self.value, self.unit),
                                   "unit": self.unit, "definition": self.definition}
        if self.numerator is not None or self.denominator is not None:
            data["numerator"], data["denominator"] = self.numerator, self.denominator
        if self.currency:
            data["currency"] = self.currency
        return data


@dataclass(frozen=True)
class Series:
    """Counts per local day, one list per name (a chart's bars or lines), aligned with `days`."""

    days: tuple[date, ...]
    values: dict[str, list[float | None]] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {"days": [d.isoformat() for d in self.days], "values": self.values}


def _rounded(value: float | None, unit: str) -> float | None:
    if value is None:
        return None
    return round(value, 4) if unit == "ratio" else round(value, 2)


def ratio(key: str, label: str, numerator: float, denominator: float, definition: str) -> Metric:
    return Metric(key, label, numerator / denominator if denominator else None, "ratio", definition,
                  numerator, denominator)


def count(key: str, label: str, value: float, definition: str) -> Metric:
    return Metric(key, label, value, "count", definition)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile (q in 0..100): always a value that happened, None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count)."""
    if not values:
        return None
    ordered, mid = sorted(values), len(values) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def per_day(window: Window, moments: Iterable[tuple[str, datetime]]) -> Series:
    """Bucket (name, moment) pairs by the merchant's local day; moments outside the window are left out."""
    days, edges = window.days(), window.midnights
    values: dict[str, list[float | None]] = {}
    for name, moment in moments:
        slot = bisect_right(edges, moment) - 1
        if slot < 0 or slot >= len(days):
            continue
        values.setdefault(name, [0] * len(days))[slot] += 1  # type: ignore[operator]
    return Series(tuple(days), dict(sorted(values.items())))
