"""The demo parcels tell one consistent story whatever the hour they are seeded at.

Events happen in order and before the moment of seeding, the proof of delivery and the "delivered" event
agree, and every label `parcelbot demo` / `scripts/run` prints ("due tomorrow", "delivered yesterday",
"delivery attempted today") is true in the merchant's time zone, even at 00:01 or across a clock change.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.messages import InboundMessage
from bot.services.demo import DEMO_PARCELS, seed_demo

LONDON = ZoneInfo("Europe/London")
SEED_TIMES = [
    datetime(2026, 11, 20, 1, 0, tzinfo=LONDON),    # the reviewer's hour
    datetime(2026, 11, 20, 0, 1, tzinfo=LONDON),    # just after midnight
    datetime(2026, 11, 20, 7, 45, tzinfo=LONDON),
    datetime(2026, 11, 20, 14, 30, tzinfo=LONDON),  # just after the usual attempt time
    datetime(2026, 11, 20, 20, 26, tzinfo=LONDON),
    datetime(2026, 11, 20, 23, 59, tzinfo=LONDON),
    datetime(2026, 3, 29, 0, 30, tzinfo=LONDON),    # the night the clocks go forward
    datetime(2026, 3, 30, 1, 30, tzinfo=LONDON),    # the day after it
    datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=1),  # the hour that happens twice
]


def _seed(runtime, now: datetime) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        seed_demo(s, now=now.astimezone(UTC))


def _rows(runtime) -> dict[str, m.Shipment]:  # noqa: ANN001
    with runtime.sessions() as s:
        rows = s.scalars(select(m.Shipment).where(m.Shipment.tracking_number.like("PB1000000%"))).all()
        for row in rows:
            _ = row.events  # loaded while the session is open
        return {r.tracking_number: r for r in rows}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _day(value: datetime) -> date:
    return _aware(value).astimezone(LONDON).date()


def _days(value: datetime, now: datetime) -> int:
    return (_day(value) - now.astimezone(LONDON).date()).days


def _claims(note: str) -> list[tuple[str, int]]:
    """What a printed label promises: (what, day offset from the seeding day)."""
    words = {"today": 0, "tomorrow": 1, "yesterday": -1}
    out = []
    for verb, when in re.findall(r"(due|delivered|attempted)\s+(today|tomorrow|yesterday)", note):
        out.append((verb, words[when]))
    return out


@pytest.mark.parametrize("now", SEED_TIMES, ids=lambda t: t.isoformat())
def test_events_are_ordered_and_in_the_past_and_labels_hold(runtime, now):  # noqa: ANN001
    _seed(runtime, now)
    rows = _rows(runtime)
    for p in DEMO_PARCELS:
        row = rows[p.tracking]
        times = [_aware(e.occurred_at) for e in sorted(row.events, key=lambda e: e.event_id)]
        assert times == sorted(times) and len(set(times)) == len(times), (p.tracking, times)
        assert all(t < now for t in times), (p.tracking, times, now)
        assert row.events and row.events[-1].status == row.status
        assert _aware(row.status_at) == times[-1], p.tracking
        if row.eta_start:
            assert _aware(row.eta_start) < _aware(row.eta_end), p.tracking
            assert _day(row.eta_start) == _day(row.eta_end), p.tracking
        for verb, offset in _claims(p.note):
            if verb == "due":
                assert _days(row.eta_start, now) == offset, (p.tracking, p.note)
                assert _aware(row.eta_start) > now
            else:
                status = {"delivered": "delivered", "attempted": "failed_attempt"}[verb]
                event = next(e for e in row.events if e.status == status)
                assert _days(event.occurred_at, now) == offset, (p.tracking, p.note, event.occurred_at)


@pytest.mark.parametrize("now", SEED_TIMES, ids=lambda t: t.isoformat())
def test_proof_of_delivery_matches_the_delivered_event(runtime, now):  # noqa: ANN001
    _seed(runtime, now)
    row = _rows(runtime)["PB100000003GB"]
    with runtime.sessions() as s:
        pod = s.scalar(select(m.ProofOfDeliveryRecord).where(m.ProofOfDeliveryRecord.shipment_id == row.id))
    delivered = next(e for e in row.events if e.status == "delivered")
    out = next(e for e in row.events if e.status == "out_for_delivery")
    assert _aware(pod.delivered_at) == _aware(delivered.occurred_at)
    assert _aware(out.occurred_at) < _aware(pod.delivered_at) < now
    assert _aware(row.eta_start) <= _aware(pod.delivered_at) <= _aware(row.eta_end)  # within its window


@pytest.mark.parametrize("now", SEED_TIMES[:4], ids=lambda t: t.isoformat())
def test_today_events_happen_today(runtime, now):  # noqa: ANN001
    _seed(runtime, now)
    rows = _rows(runtime)
    for tracking, status in (("PB100000002GB", "out_for_delivery"), ("PB100000004GB", "failed_attempt")):
        event = next(e for e in rows[tracking].events if e.status == status)
        assert _days(event.occurred_at, now) == 0, (tracking, event.occurred_at)
    assert _days(rows["PB100000002GB"].eta_start, now) == 0 and _aware(rows["PB100000002GB"].eta_end) > now


def test_a_demo_merchant_in_another_zone_gets_its_own_local_days(runtime):  # noqa: ANN001
    """The anchors are the merchant's local hours, so a New York demo reads right in New York."""
    new_york = ZoneInfo("America/New_York")
    with transaction(runtime.sessions) as s:
        seed_demo(s, now=datetime(2026, 11, 20, 6, 0, tzinfo=UTC))  # creates the merchant
        s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo")).timezone = "America/New_York"
    now = datetime(2026, 11, 20, 1, 0, tzinfo=new_york)  # 06:00 UTC: already "today" in London
    _seed(runtime, now)
    row = _rows(runtime)["PB100000004GB"]
    attempt = next(e for e in row.events if e.status == "failed_attempt")
    assert _aware(attempt.occurred_at).astimezone(new_york).date() == now.date()
    assert _aware(attempt.occurred_at) < now


@pytest.mark.parametrize("now", [SEED_TIMES[0], SEED_TIMES[4]], ids=lambda t: t.isoformat())
def test_status_and_photo_replies_give_the_same_delivery_time(runtime, now):  # noqa: ANN001
    _seed(runtime, now)
    runtime.set_clock(lambda: now.astimezone(UTC))

    def say(text: str) -> str:
        out = runtime.engine.handle(InboundMessage("cli", "+447700900789", "demo", text))
        return "\n".join(r.text for r in out.replies)

    status, photo = say("wheres my parcel"), say("send me the photo")
    at_status = re.search(r"delivered yesterday at (\d\d:\d\d)", status)
    at_photo = re.search(r"yesterday at (\d\d:\d\d)", photo)
    assert at_status and at_photo, (status, photo)
    assert at_status.group(1) == at_photo.group(1)


def test_tracking_page_shows_the_merchants_time_zone(runtime, client):  # noqa: ANN001
    now = datetime(2026, 7, 10, 20, 26, tzinfo=LONDON)  # summer: London is UTC+1 (BST)
    _seed(runtime, now)
    row = _rows(runtime)["PB100000003GB"]
    delivered = next(e for e in row.events if e.status == "delivered")
    local = _aware(delivered.occurred_at).astimezone(LONDON)
    utc = _aware(delivered.occurred_at).astimezone(UTC)
    page = client.get(runtime.links.tracking_url("demo", "PB100000003GB").removeprefix(runtime.links.base_url))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "(UTC)" not in html
    assert local.strftime("%H:%M") in html and utc.strftime("%H:%M") not in html
    assert "BST" in html
    eta = _aware(row.eta_start).astimezone(LONDON).strftime("%H:%M")
    assert eta in html
