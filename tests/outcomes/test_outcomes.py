"""Each outcome figure on a small hand-made history (tests/outcomes/history.py), the expected values worked
out by hand in the comments. Range: [2026-11-02, 2026-11-09) in New York (UTC-5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from backend.db import transaction
from bot.core.merchant_config import DEFAULT_COST_PER_CONTACT, DEFAULT_FAILED_ATTEMPT_COST
from bot.services.outcomes import BadRange, as_json, compute, costs_of, window_for
from bot.services.outcomes_base import median, percentile
from tests.outcomes.history import History, local

FROM, TO = date(2026, 11, 2), date(2026, 11, 9)
LATER = datetime(2026, 11, 20, tzinfo=UTC)  # every contact's 3-day repeat window is over


def _contacts_history(h: History) -> None:
    a, b = h.conversation("+12125550101"), h.conversation("+12125550102")
    c, d = h.conversation("web-session-c", channel="web"), h.conversation("+12125550104")
    e, f = h.conversation("+12125550105"), h.conversation("+12125550106")
    g = h.conversation("+12125550107")
    # A: two messages five minutes apart -> one contact, nobody else involved, never back: contained.
    h.inbound(a, local(2, 10), "where_is_my_order", 0.9)
    h.inbound(a, local(2, 10, 5), "out_of_scope", 0.0)
    # B: back 48 hours later (a new contact, > 24 h of silence) -> B1 is a repeat (not contained); B2 contained.
    h.inbound(b, local(3, 9), "where_is_my_order", 0.95)
    h.inbound(b, local(5, 9), "reschedule_delivery", 0.3)
    # C (web): handed off at 12:01, a person replies 30 minutes later (1800 s).
    h.inbound(c, local(4, 12), "talk_to_human", 1.0)
    h.audit("handoff", "requested", local(4, 12, 1), subject=f"conv:{c.id}")
    h.outbound(local(4, 12, 31), conv=c, author="agent:sam@shop.example", status="sent")
    # D: handed off at 08:01, a person replies two hours later (7200 s).
    h.inbound(d, local(6, 8), "where_is_my_order", 0.8)
    h.audit("handoff", "requested", local(6, 8, 1), subject=f"conv:{d.id}")
    h.outbound(local(6, 10, 1), conv=d, author="agent:sam@shop.example", status="sent")
    # E: 23:30 on 1 November in New York (04:30 UTC on the 2nd): the day before the range.
    h.inbound(e, local(1, 23, 30))
    # F: 23:59 on the 8th, the range's last minute: in, and contained.  G: midnight on the 9th: out.
    h.inbound(f, local(8, 23, 59))
    h.inbound(g, local(9, 0, 0))


def _run(runtime, build, *, now: datetime = LATER, start: date = FROM, end: date = TO, settings=None):  # noqa: ANN001, ANN202
    with transaction(runtime.sessions) as s:
        h = History(s, settings=settings)
        build(h)
        s.flush()
        return compute(s, h.merchant, window_for(h.merchant, start, end, now=now))


def test_contacts_containment_handoffs_and_first_reply(runtime):
    o = _run(runtime, _contacts_history)
    c = o.contacts
    # In the range: A, B1, B2, C, D, F = 6 (E the day before, G the day after, in New York's time).
    assert c.contacts.value == 6
    assert c.by_channel == {"sms": 5, "web": 1}
    # Contained: A, B2, F = 3 of 6 judged (B1 came back within 3 days, C and D had a person).
    assert (c.containment.numerator, c.containment.denominator, c.containment.value) == (3, 6, 0.5)
    assert c.contained == 3 and c.pending == 0
    assert (c.handoff_rate.numerator, c.handoff_rate.denominator) == (2, 6)
    # Waits 1800 s and 7200 s: median 4500 s; 90th percentile, nearest rank ceil(0.9 x 2) = 2nd: 7200 s.
    assert c.first_reply_median.value == 4500
    assert c.first_reply_p90.value == 7200
    assert c.unanswered_handoffs == 0
    # Per local day: A on the 2nd, B1 the 3rd, C the 4th (web), B2 the 5th, D the 6th, F the 8th.
    assert c.per_day.values["sms"] == [1, 1, 0, 1, 1, 0, 1]
    assert c.per_day.values["web"] == [0, 0, 1, 0, 0, 0, 0]
    assert c.containment_per_day.values["containment"] == [1.0, 0.0, 0.0, 1.0, 0.0, None, 1.0]
    # Misunderstood: out_of_scope (A's 2nd) and confidence 0.3 (B2) = 2 of the 6 messages with an intent.
    s = o.service
    assert (s.misunderstood.numerator, s.misunderstood.denominator) == (2, 6)
    assert s.intents[0] == ("where_is_my_order", 3)
    # Messages: in sms A2 + B2 + D1 + F1 = 6, web 1; out: one person's reply on each channel.
    assert s.messages == {"sms": {"in": 6, "out": 1}, "web": {"in": 1, "out": 1}}


def test_a_contact_not_three_days_old_is_not_judged_yet(runtime):
    # Now: 06:00 UTC on the 9th. F (04:59 UTC on the 9th) can't be judged; B2 (14:00 UTC on the 5th) can.
    o = _run(runtime, _contacts_history, now=datetime(2026, 11, 9, 6, tzinfo=UTC))
    assert o.contacts.pending == 1
    assert (o.contacts.containment.numerator, o.contacts.containment.denominator) == (2, 5)


def test_a_repeat_on_another_channel_by_the_same_shopper_counts(runtime):
    def build(h: History) -> None:
        who = h.contact("+12125550199")
        sms, web = h.conversation("+12125550199", contact_id=who), h.conversation("w-1", "web", contact_id=who)
        h.inbound(sms, local(3, 9))
        h.inbound(web, local(4, 18))  # 33 hours later on the web chat: the same person back
        lone = h.conversation("+12125550198")
        h.inbound(lone, local(3, 9))

    o = _run(runtime, build)
    # Three contacts; the SMS one was followed by the web one within 3 days: 2 of 3 contained.
    assert (o.contacts.containment.numerator, o.contacts.containment.denominator) == (2, 3)


def test_a_handoff_nobody_answered_has_no_wait(runtime):
    def build(h: History) -> None:
        conv = h.conversation("+12125550150")
        h.inbound(conv, local(3, 9))
        h.audit("handoff", "requested", local(3, 9, 1), subject=f"conv:{conv.id}")

    c = _run(runtime, build).contacts
    assert c.first_reply_median.value is None and c.unanswered_handoffs == 1
    assert c.containment.value == 0.0  # handed off, though no person has written yet


def _parcels_history(h: History) -> None:
    s1 = h.shipment("dpd", local(3, 13), ("delivered", local(3, 12)))
    s2 = h.shipment("dpd", local(3, 13), ("failed_attempt", local(3, 11)), ("delivered", local(4, 10)))
    s3 = h.shipment("evri", local(5, 17), ("delivered", local(5, 16)))
    h.shipment("evri", None, ("delivered", local(6, 9)))
    h.shipment("evri", local(2, 18), ("failed_attempt", local(31, 15, month=10)), ("delivered", local(2, 10)))
    s6 = h.shipment("dpd", local(7, 18), ("delivered", local(7, 12)))
    h.change(s3, "leave_with_neighbour", "accepted", local(4, 9), local(4, 9, 2), neighbour="No. 14")  # 120 s
    h.change(s6, "reschedule_delivery", "rejected", local(6, 9))
    h.change(s6, "cancel_order", "accepted", local(6, 10))  # 0 s
    h.change("PB7HELD", "hold_delivery", "accepted", local(5, 10), local(5, 10, 10))  # 600 s
    h.change("PB7MOVE", "change_delivery_address", "pending", local(5, 11))
    h.change(s1, "start_return", "accepted", local(6, 12), items=["Rain jacket"], reason="too small")
    h.change(s1, "start_return", "accepted", local(6, 13), items=["Rain jacket", "Socks"], reason="Too small ")
    h.change(s2, "start_return", "pending", local(7, 9), items=["Stove"], reason="damaged")
    h.change(s2, "start_return", "rejected", local(7, 10), items=["Stove"], reason="changed my mind")
    h.change(s2, "start_return", "accepted", local(1, 10), items=["Tent"], reason="too big")  # the day before


def test_changes_by_action_and_time_to_confirmation(runtime):
    p = _run(runtime, _parcels_history).parcels
    table = {r.action: (r.requested, r.applied, r.refused, r.pending) for r in p.changes}
    assert table == {"cancel_order": (1, 1, 0, 0), "change_delivery_address": (1, 0, 0, 1),
                     "hold_delivery": (1, 1, 0, 0), "leave_with_neighbour": (1, 1, 0, 0),
                     "reschedule_delivery": (1, 0, 1, 0)}
    # Applied 3 of the 4 the carrier answered; confirmations 0, 120, 600 s: median 120 s.
    assert (p.changes_applied.numerator, p.changes_applied.denominator) == (3, 4)
    assert p.confirmation_median.value == 120


def test_first_attempt_and_on_time_per_carrier(runtime):
    p = _run(runtime, _parcels_history).parcels
    rows = {r.carrier: (r.first_attempts, r.first_attempt_ok, r.delivered, r.with_window, r.on_time)
            for r in p.carriers}
    # dpd: S1 ok, S2 failed first, S6 ok -> 3 first attempts, 2 ok. Delivered 3, all with a window:
    #      S1 12:00 <= 13:00 on time, S2 a day late, S6 on time -> 2.
    # evri: S3 and S4 ok (S5's first attempt was on 31 October, before the range) -> 2 of 2. Delivered S3, S4,
    #      S5; S4 had no window -> 2 with a window, both on time.
    assert rows == {"dpd": (3, 2, 3, 3, 2), "evri": (2, 2, 3, 2, 2)}
    assert (p.first_attempt.numerator, p.first_attempt.denominator) == (4, 5)
    assert (p.on_time.numerator, p.on_time.denominator) == (4, 5)
    # Only S3 had a delivery change applied before a first attempt that succeeded (S6's was refused, and a
    # cancellation changes no delivery).
    assert p.failed_attempts_avoided == 1


def test_returns_by_reason_and_item(runtime):
    p = _run(runtime, _parcels_history).parcels
    # Three in the range that were not refused; reasons compared without case or spaces.
    assert p.returns == 3
    assert p.returns_by_reason == {"too small": 2, "damaged": 1}
    assert p.returns_by_item == {"Rain jacket": 2, "Socks": 1, "Stove": 1}


def _service_history(h: History) -> None:
    for rating in ("5", "4", "4", "1"):
        h.audit("survey", rating, local(4, 15), subject="conv:1", agent="agent:sam")
    h.audit("survey", "2", local(1, 15), subject="conv:1")  # the day before the range
    for result in ("sent", "sent", "sent", "sent", "rate_limited"):
        h.audit("otp_send", result, local(3, 10))
    for result in ("ok", "ok", "ok", "wrong", "wrong"):
        h.audit("otp_check", result, local(3, 10, 5))
    h.audit("verification", "verified", local(3, 10, 5), verification_by="code")
    h.audit("opt_out", "opted_out", local(5, 10))
    h.audit("opt_out", "opted_out", local(6, 10))
    h.audit("opt_out", "no_number", local(6, 10))
    for n, status in enumerate(("sent", "sent", "sandbox", "failed", "suppressed")):
        h.outbound(local(4, 9), status=status, dedupe=f"note:{n}")
    h.outbound(local(4, 9), status="failed", dedupe="otp:abc")  # a code, not a notification
    h.payment("2.50", local(3, 12))
    h.payment("4.00", local(4, 12), refunded="4.00")
    h.payment("9.99", None)  # never paid
    h.payment("7.00", local(20, 12, month=10))  # paid before the range


def test_survey_verification_notifications_opt_outs_and_fees(runtime):
    s = _run(runtime, _service_history).service
    # Ratings 5, 4, 4, 1: 4 answers, mean 14 / 4 = 3.5.
    assert s.survey_count == 4 and s.survey_average.value == 3.5
    assert s.survey_distribution == {1: 1, 2: 0, 3: 0, 4: 2, 5: 1}
    assert (s.verification.numerator, s.verification.denominator, s.verification.value) == (3, 4, 0.75)
    # Notifications: 2 sent + 1 sandbox went, 1 failed -> 1 of 4; the suppressed one was never handed over.
    assert s.notifications == {"failed": 1, "sandbox": 1, "sent": 2, "suppressed": 1}
    assert (s.notification_failures.numerator, s.notification_failures.denominator) == (1, 4)
    assert s.opt_outs.value == 2
    assert (s.paid, s.refunded, s.payments) == ({"USD": Decimal("6.50")}, {"USD": Decimal("4.00")}, 2)


def test_the_money_view(runtime):
    def build(h: History) -> None:
        _contacts_history(h)
        _parcels_history(h)

    o = _run(runtime, build, settings={"money": {"cost_per_contact": "5", "failed_attempt_cost": "10.50"}})
    # 1 failed attempt avoided x 10.50 + 3 contacts handled alone x 5.00 = 10.50 + 15.00 = 25.50.
    assert (o.money.failed_attempts_avoided, o.money.contacts_without_agent) == (1, 3)
    assert o.money.total == Decimal("25.50") and o.money.costs.defaults_used == ()
    body = as_json(o)
    assert body["money"]["total"] == "25.50" and body["money"]["failed_attempts_value"] == "10.50"


def test_costs_fall_back_to_documented_defaults(runtime):
    with transaction(runtime.sessions) as s:
        h = History(s, settings={"money": {"cost_per_contact": "-3", "failed_attempt_cost": "oops"}})
        costs = costs_of(h.merchant)
    assert costs.defaults_used == ("cost_per_contact", "failed_attempt_cost")
    assert (costs.cost_per_contact, costs.failed_attempt_cost) == (DEFAULT_COST_PER_CONTACT,
                                                                   DEFAULT_FAILED_ATTEMPT_COST)


def test_another_merchants_history_is_not_counted(runtime):
    with transaction(runtime.sessions) as s:
        other = History(s, slug="other")
        _contacts_history(other)
        _parcels_history(other)
        _service_history(other)
        mine = History(s, slug="mine")
        o = compute(s, mine.merchant, window_for(mine.merchant, FROM, TO, now=LATER))
    body = as_json(o)
    assert body["metrics"]["contacts"]["value"] == 0
    assert body["carriers"] == [] and body["changes"] == [] and body["returns"]["total"] == 0
    assert body["satisfaction"]["count"] == 0 and body["fees"]["payments"] == 0


def test_bad_ranges_name_the_field(runtime):
    with transaction(runtime.sessions) as s:
        h = History(s)
        with pytest.raises(BadRange) as same_day:
            window_for(h.merchant, FROM, FROM)
        with pytest.raises(BadRange) as too_long:
            window_for(h.merchant, FROM, FROM + timedelta(days=367))
        window_for(h.merchant, FROM, FROM + timedelta(days=366))  # a leap year is fine
    assert "to" in same_day.value.errors and "366" in too_long.value.errors["to"]


def test_median_and_nearest_rank_percentile():
    assert median([3, 1, 2]) == 2 and median([1, 2, 3, 10]) == 2.5 and median([]) is None
    assert percentile(list(range(1, 11)), 90) == 9 and percentile([5], 90) == 5 and percentile([], 90) is None
