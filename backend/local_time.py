"""Days and clock times as the shopper's region writes them, in one place for every reply and notification.

British shoppers read "Thu 10 Dec 08:00-12:00"; American shoppers read "Thu Dec 10 8am-12pm" (a 24-hour clock
and day-before-month read as foreign, and "10/12" would be misread outright, so months are always named). The
region is the merchant's (MerchantConfig.region: the shop sells to one market); anything but "US" gets the
British form, which is also what most of the world reads. Both forms are GSM-7. It sits in backend/, the bottom
layer, because the reference carrier's reasons say days too ("closed at 14:30 on Thursday 10 December").
"""

from __future__ import annotations

from datetime import date, datetime, time

US = "US"


def clock(value: datetime | time, region: str) -> str:
    """14:30 / 2:30pm; on the hour in the US form: 2pm."""
    return minutes_label(value.hour * 60 + value.minute, region)


def minutes_label(minutes: int, region: str) -> str:
    """A time of day given as minutes from midnight (24 * 60 is the end of the day: "24:00" / "midnight")."""
    hours, mins = divmod(minutes, 60)
    if region != US:
        return f"{hours:02d}:{mins:02d}"
    if minutes in (0, 24 * 60):
        return "midnight"
    suffix = "am" if hours % 24 < 12 else "pm"
    hour = hours % 12 or 12
    return f"{hour}{suffix}" if not mins else f"{hour}:{mins:02d}{suffix}"


def span(start: datetime | time, end: datetime | time, region: str) -> str:
    """08:00-12:00 / 8am-12pm."""
    return f"{clock(start, region)}-{clock(end, region)}"


def day(value: date | datetime, region: str) -> str:
    """Thu 10 Dec / Thu Dec 10."""
    if region == US:
        return f"{value:%a %b} {value.day}"
    return f"{value:%a} {value.day} {value:%b}"


def long_day(value: date | datetime, region: str) -> str:
    """Thursday 10 December / Thursday, December 10: a day said in a sentence."""
    if region == US:
        return f"{value:%A}, {value:%B} {value.day}"
    return f"{value:%A} {value.day} {value:%B}"


def region_in(settings: object) -> str:
    """The region a merchant's settings name ("GB" unless set, or unless the settings aren't a mapping): the one
    reading of it, for MerchantConfig and for code that has only the row."""
    raw = settings.get("region") if isinstance(settings, dict) else None
    return str(raw or "GB").upper()


def region_of(merchant: object) -> str:
    """The merchant's region from its settings, for code that has the row, not its config."""
    return region_in(getattr(merchant, "settings", None))
