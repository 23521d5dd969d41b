"""Proactive notifications, driven through the integration API: never to an opted-out number, held until
morning in quiet hours, never twice for one event, and the one-tap offer left for the shopper's reply."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.conversations import ConversationState, Frame
from bot.core.merchant_config import DEFAULT_QUIET_HOURS
from bot.core.notifications import quiet_until
from bot.jobs.send_outbox import send_due
from tests.api.support import api_key, auth, event, image_bytes, interpreter, shipment  # noqa: F401 - fixtures

PHONE = "+447700900111"
LONDON = ZoneInfo("Europe/London")


def _future_year() -> int:
    """A year ahead whose 23 November is a Monday, as in 2026 when these were written. The API's clock is
    set to it, but the in-process sender runs on the real clock: a fixed past date made every text held
    for "the morning" already due by the time the test ran."""
    year = date.today().year + 1
    while date(year, 11, 23).weekday() != 0:
        year += 1
    return year


Y = _future_year()
DAYTIME = datetime(Y, 11, 23, 10, 0, tzinfo=UTC)
LATE_EVENING = datetime(Y, 11, 23, 22, 30, tzinfo=UTC)  # London is on UTC in November


@pytest.fixture
def clock(runtime):  # noqa: ANN001, ANN201
    """Set the runtime's clock (the one the API, the engine and the jobs read)."""

    def set_to(when: datetime) -> datetime:
        runtime.set_clock(lambda: when)
        return when

    set_to(DAYTIME)
    return set_to


def merchant_settings(runtime, **settings) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as session:
        merchant = session.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        merchant.settings = {**(merchant.settings or {}), **settings}


@pytest.fixture
def tracking(client, auth) -> str:  # noqa: F811
    body = shipment(eta={"start": f"{Y}-11-23T12:00:00+00:00", "end": f"{Y}-11-23T16:00:00+00:00"})
    assert client.post("/api/v1/shipments", json=body, headers=auth).status_code == 201
    return body["tracking_number"]


def push(client, auth, tracking, status, when, **extra):  # noqa: ANN001, ANN201, F811
    body = {**event(status, 0, now=when), **extra}
    response = client.post(f"/api/v1/shipments/{tracking}/events", json=body, headers=auth)
    assert response.status_code in (200, 201), response.get_json()
    return body


def outbox(runtime, phone=PHONE) -> list[m.Message]:  # noqa: ANN001
    with runtime.sessions() as session:
        return list(session.scalars(select(m.Message).where(m.Message.direction == "out", m.Message.recipient == phone)
                                    .order_by(m.Message.id)))


def conversation(runtime, phone=PHONE) -> m.Conversation | None:  # noqa: ANN001
    with runtime.sessions() as session:
        return session.scalar(select(m.Conversation).where(m.Conversation.address == phone,
                                                           m.Conversation.channel == "sms"))


def test_each_status_notifies_once_with_its_own_wording(client, auth, runtime, clock, tracking):  # noqa: F811
    push(client, auth, tracking, "in_transit", DAYTIME - timedelta(hours=5))
    push(client, auth, tracking, "exception", DAYTIME - timedelta(hours=4))
    push(client, auth, tracking, "in_transit", DAYTIME - timedelta(hours=3))  # moving again: not "shipped" twice
    push(client, auth, tracking, "out_for_delivery", DAYTIME - timedelta(hours=2), stop=4, stops_total=12)
    push(client, auth, tracking, "failed_attempt", DAYTIME - timedelta(hours=1))
    bodies = [msg.body for msg in outbox(runtime)]
    assert len(bodies) == 4, bodies
    shipped, delayed, out, failed = bodies
    assert shipped.startswith("Acme Outdoor: your Trail running shoes are on the way") and "/t/" in shipped
    assert "Expected today 12:00-16:00" in shipped and "STOP" in shipped
    assert "delayed" in delayed
    assert "out for delivery today 12:00-16:00" in out and "you're stop 4 of 12" in out
    assert failed.endswith("Reply 1 to choose another day, 2 to collect it from a pickup point.")
    assert {msg.status for msg in outbox(runtime)} == {"sandbox"}


def test_never_to_an_opted_out_number(client, auth, runtime, clock, demo, tracking):  # noqa: F811
    with transaction(runtime.sessions) as session:
        session.add(m.Contact(merchant_id=demo.id, phone=PHONE, opted_out_at=DAYTIME - timedelta(days=1)))
    for status in ("in_transit", "out_for_delivery", "delivered"):
        push(client, auth, tracking, status, DAYTIME - timedelta(minutes=30))
    assert outbox(runtime) == []


def test_a_number_that_opts_out_after_queueing_is_suppressed_not_sent(client, auth, runtime, clock, demo,  # noqa: F811
                                                                      tracking):
    clock(LATE_EVENING)
    merchant_settings(runtime, quiet_hours=DEFAULT_QUIET_HOURS)
    push(client, auth, tracking, "in_transit", LATE_EVENING - timedelta(minutes=5))
    [held] = outbox(runtime)
    assert held.status == "queued"
    with transaction(runtime.sessions) as session:  # STOP, while the text waits for the morning
        contact = session.scalar(select(m.Contact).where(m.Contact.phone == PHONE))
        contact.opted_out_at = LATE_EVENING
    assert send_due(runtime, now=held.send_after + timedelta(minutes=1)) == 0
    assert [msg.status for msg in outbox(runtime)] == ["suppressed"]


def test_quiet_hours_hold_the_text_until_the_morning(client, auth, runtime, clock, tracking):  # noqa: F811
    clock(LATE_EVENING)
    merchant_settings(runtime, quiet_hours=DEFAULT_QUIET_HOURS)
    push(client, auth, tracking, "in_transit", LATE_EVENING - timedelta(minutes=10))
    [msg] = outbox(runtime)
    assert msg.status == "queued"
    assert msg.send_after == datetime(Y, 11, 24, 8, 0, tzinfo=LONDON)
    assert send_due(runtime, now=datetime(Y, 11, 24, 7, 59, tzinfo=LONDON)) == 0
    assert send_due(runtime, now=datetime(Y, 11, 24, 8, 1, tzinfo=LONDON)) == 1
    assert [msg.status for msg in outbox(runtime)] == ["sandbox"]


def test_quiet_hours_use_the_merchants_time_zone_and_settings(demo):
    demo.settings = {}
    evening = datetime(Y, 11, 23, 21, 30, tzinfo=LONDON)
    assert quiet_until(demo, evening, LONDON) == datetime(Y, 11, 24, 8, 0, tzinfo=LONDON)
    assert quiet_until(demo, datetime(Y, 11, 24, 6, 0, tzinfo=LONDON), LONDON) == datetime(
        Y, 11, 24, 8, 0, tzinfo=LONDON)
    assert quiet_until(demo, datetime(Y, 11, 24, 8, 0, tzinfo=LONDON), LONDON) is None
    new_york = ZoneInfo("America/New_York")
    # 02:30 UTC is 21:30 the evening before in New York: quiet there, until 08:00 New York time.
    assert quiet_until(demo, datetime(Y, 11, 24, 2, 30, tzinfo=UTC), new_york) == datetime(
        Y, 11, 24, 8, 0, tzinfo=new_york)
    assert quiet_until(demo, datetime(Y, 11, 24, 2, 30, tzinfo=UTC), LONDON) == datetime(
        Y, 11, 24, 8, 0, tzinfo=LONDON)
    demo.settings = {"quiet_hours": {"start": "20:00", "end": "09:30"}}
    assert quiet_until(demo, evening, LONDON) == datetime(Y, 11, 24, 9, 30, tzinfo=LONDON)
    demo.settings = {"quiet_hours": None}
    assert quiet_until(demo, evening, LONDON) is None


def test_never_twice_for_the_same_event(client, auth, runtime, clock, tracking):  # noqa: F811
    body = push(client, auth, tracking, "out_for_delivery", DAYTIME - timedelta(minutes=10))
    client.post(f"/api/v1/shipments/{tracking}/events", json=body, headers=auth)
    client.post(f"/api/v1/shipments/{tracking}/events", json={**body, "event_id": body["event_id"]}, headers=auth)
    assert len(outbox(runtime)) == 1
    push(client, auth, tracking, "delivered", DAYTIME - timedelta(minutes=5))
    push(client, auth, tracking, "failed_attempt", DAYTIME - timedelta(minutes=4))  # a scanning mistake...
    push(client, auth, tracking, "delivered", DAYTIME - timedelta(minutes=3))  # ...corrected: "delivered" once
    assert [msg.dedupe_key.rsplit(":", 1)[1] for msg in outbox(runtime)].count("delivered") == 1


def test_out_for_delivery_leaves_the_one_tap_offer_for_the_reply(client, auth, runtime, clock, tracking):  # noqa: F811
    merchant_settings(runtime, rules={"late_actions": ["leave_with_neighbour", "leave_in_safe_place",
                                                       "add_delivery_note", "reschedule_delivery"]})
    push(client, auth, tracking, "out_for_delivery", DAYTIME - timedelta(minutes=10))
    [msg] = outbox(runtime)
    assert msg.body.endswith("Reply 1 to leave it with a neighbour, 2 for a safe place, 3 to choose another day.")
    conv = conversation(runtime)
    assert conv is not None and conv.contact_id is not None and msg.conversation_id == conv.id
    offer = ConversationState.from_json(conv.state).offer
    assert offer.options == {"1": "leave_with_neighbour", "2": "leave_in_safe_place", "3": "reschedule_delivery"}
    assert offer.tracking == tracking
    assert offer.expires > DAYTIME
    push(client, auth, tracking, "delivered", DAYTIME - timedelta(minutes=1))
    assert ConversationState.from_json(conversation(runtime).state).offer is None  # nothing left to choose


def test_the_offer_keeps_a_conversation_in_progress(client, auth, runtime, clock, demo, tracking):  # noqa: F811
    with transaction(runtime.sessions) as session:
        in_progress = ConversationState(stack=[Frame("where_is_my_order", slots={"x": 1})])
        session.add(m.Conversation(merchant_id=demo.id, channel="sms", address=PHONE, state=in_progress.to_json()))
    push(client, auth, tracking, "failed_attempt", DAYTIME - timedelta(minutes=10))
    state = ConversationState.from_json(conversation(runtime).state)
    assert state.open_flow == "where_is_my_order" and state.top.slots == {"x": 1}
    assert state.offer.options == {"1": "reschedule_delivery", "2": "deliver_to_pickup_point"}


def test_delivered_carries_the_photo_as_a_signed_link(client, auth, runtime, clock, tracking):  # noqa: F811
    png = image_bytes()
    client.post(f"/api/v1/shipments/{tracking}/proof-of-delivery", headers=auth, content_type="multipart/form-data",
                data={"photos": [(io.BytesIO(png), "porch.png")], "place": "Front porch"})
    push(client, auth, tracking, "delivered", DAYTIME - timedelta(minutes=2))
    [msg] = outbox(runtime)
    assert msg.body.startswith("Acme Outdoor: your Trail running shoes have been delivered (Front porch).")
    [url] = msg.media_urls
    assert url.startswith("https://bot.example.com/pod/") and url in msg.body
    assert client.get(url.removeprefix("https://bot.example.com")).data == png


def test_a_photo_for_a_held_delivered_text_joins_it(client, auth, runtime, clock, tracking):  # noqa: F811
    clock(LATE_EVENING)
    merchant_settings(runtime, quiet_hours=DEFAULT_QUIET_HOURS)
    push(client, auth, tracking, "out_for_delivery", LATE_EVENING - timedelta(minutes=30))
    push(client, auth, tracking, "delivered", LATE_EVENING - timedelta(minutes=5))
    client.post(f"/api/v1/shipments/{tracking}/proof-of-delivery", headers=auth, content_type="multipart/form-data",
                data={"photos": [(io.BytesIO(image_bytes()), "porch.png")]})
    out_for_delivery, delivered = outbox(runtime)
    assert out_for_delivery.status == "superseded"  # stale by morning: the parcel has arrived
    assert delivered.status == "queued" and len(delivered.media_urls) == 1
    assert delivered.media_urls[0] in delivered.body
    assert send_due(runtime, now=datetime(Y, 11, 24, 8, 0, 1, tzinfo=LONDON)) == 1
    assert [msg.status for msg in outbox(runtime)] == ["superseded", "sandbox"]


def test_merchant_wording_overrides_the_template(client, auth, runtime, clock, tracking):  # noqa: F811
    merchant_settings(runtime, brand_name="Trailhead",
                      responses={"utter_notify_shipped": "{brand} here: {tracking} has left our warehouse."})
    push(client, auth, tracking, "in_transit", DAYTIME - timedelta(minutes=5))
    assert [msg.body for msg in outbox(runtime)] == [f"Trailhead here: {tracking} has left our warehouse."]


def test_notifications_can_be_switched_off_per_kind(client, auth, runtime, clock, tracking):  # noqa: F811
    merchant_settings(runtime, notifications={"shipped": False})
    push(client, auth, tracking, "in_transit", DAYTIME - timedelta(minutes=5))
    push(client, auth, tracking, "exception", DAYTIME - timedelta(minutes=4))
    assert ["delayed" in msg.body for msg in outbox(runtime)] == [True]


def test_out_for_delivery_says_today_not_a_stale_window(client, auth, runtime, clock):  # noqa: F811
    body = shipment(eta={"start": f"{Y}-11-20T09:00:00+00:00", "end": f"{Y}-11-20T13:00:00+00:00"})
    client.post("/api/v1/shipments", json=body, headers=auth)
    push(client, auth, body["tracking_number"], "out_for_delivery", DAYTIME - timedelta(minutes=5))
    [msg] = outbox(runtime)
    assert "are out for delivery today." in msg.body and "09:00" not in msg.body


def test_a_number_used_again_by_another_carrier_is_a_new_parcel_with_its_own_texts(client, auth, runtime,  # noqa: F811
                                                                                    clock):
    """Tracking numbers are unique per merchant and carrier, and carriers reuse them: a new parcel under a number
    an old one had (another carrier, another recipient) is notified in full. The once-only texts ("on the way",
    "delivered", the survey) are once per parcel, not once per number for ever."""
    merchant_settings(runtime, survey={"after_delivery": True})
    old = shipment(eta={"start": f"{Y}-11-23T12:00:00+00:00", "end": f"{Y}-11-23T16:00:00+00:00"})
    number = old["tracking_number"]
    assert client.post("/api/v1/shipments", json=old, headers=auth).status_code == 201
    push(client, auth, number, "in_transit", DAYTIME - timedelta(days=30, hours=2))
    push(client, auth, number, "delivered", DAYTIME - timedelta(days=30))
    assert len(outbox(runtime)) == 3  # on the way, delivered, the survey

    other = "+447700900222"
    new = shipment(number, carrier="dpd", recipient={"name": "Jo Bloggs", "phone": other, "email": None},
                   eta={"start": f"{Y}-11-23T12:00:00+00:00", "end": f"{Y}-11-23T16:00:00+00:00"})
    assert client.post("/api/v1/shipments", json=new, headers=auth).status_code == 201
    push(client, auth, number, "in_transit", DAYTIME - timedelta(hours=2))
    push(client, auth, number, "delivered", DAYTIME - timedelta(minutes=5))
    bodies = [msg.body for msg in outbox(runtime, other)]
    assert len(bodies) == 3, bodies
    assert "on the way" in bodies[0] and "delivered" in bodies[1].lower()
    assert len(outbox(runtime)) == 3  # the old parcel's recipient hears nothing of the new one


def test_during_a_rolling_deploy_a_text_the_old_code_keyed_by_number_is_not_sent_again(client, auth, runtime,  # noqa: F811
                                                                                        clock, demo):
    """Code before this change keys "on the way" by tracking number, and runs beside the new code for the minutes of
    a rolling deploy (and its rows stay): what it queued counts for the merchant's first parcel of that number, whose
    key is still the number, and for no later parcel of it."""
    old = shipment(eta={"start": f"{Y}-11-23T12:00:00+00:00", "end": f"{Y}-11-23T16:00:00+00:00"})
    number = old["tracking_number"]
    assert client.post("/api/v1/shipments", json=old, headers=auth).status_code == 201
    with transaction(runtime.sessions) as session:  # what an old worker queued for it
        session.add(m.Message(merchant_id=demo.id, direction="out", channel="sms", sender="shop", recipient=PHONE,
                              body="on the way (old worker)", media_urls=[], status="sent",
                              dedupe_key=f"notify:{number}:shipped", created_at=DAYTIME))
    push(client, auth, number, "in_transit", DAYTIME - timedelta(hours=2))
    assert [msg.body for msg in outbox(runtime)] == ["on the way (old worker)"]

    other = "+447700900222"
    new = shipment(number, carrier="dpd", recipient={"name": "Jo Bloggs", "phone": other, "email": None})
    assert client.post("/api/v1/shipments", json=new, headers=auth).status_code == 201
    push(client, auth, number, "in_transit", DAYTIME - timedelta(hours=1))
    assert len(outbox(runtime, other)) == 1  # the newer parcel of that number is told
