"""Messages, understanding, verification, notifications, satisfaction and fees: each one grouped query over the
range (counts by a column or two), so a busy year costs a handful of round trips, not one per row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from backend import models as m
from bot.services.outcomes_base import Metric, Window, count, ratio

OUT_OF_SCOPE = "out_of_scope"
LOW_CONFIDENCE = 0.5  # below this the NLU's best guess is a guess: the shopper gets a question back, not an answer
SENT = ("sent", "sandbox", "delivered")  # "delivered": Twilio's receipt came back (/twilio/status)
TOP_INTENTS = 10
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ServiceFigures:
    messages: dict[str, dict[str, int]]  # channel -> {"in": n, "out": n}
    intents: list[tuple[str, int]]
    misunderstood: Metric
    verification: Metric
    verified_by: dict[str, int]
    notifications: dict[str, int]  # status -> n
    notification_failures: Metric
    opt_outs: Metric
    opt_ins: int
    survey_count: int
    survey_average: Metric
    survey_distribution: dict[int, int]
    paid: dict[str, Decimal]  # currency -> amount (as bot/services/payments.py fee_totals: payments made in range)
    refunded: dict[str, Decimal]
    payments: int


def _in_range(column, w: Window):  # noqa: ANN001, ANN202 - a column and its SQL condition
    return (column >= w.start_utc) & (column < w.end_utc)


def _audit_counts(session: Session, merchant_id: int, w: Window, *actions: str) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(m.AuditEntry.action, m.AuditEntry.result, func.count())
        .where(m.AuditEntry.merchant_id == merchant_id, m.AuditEntry.action.in_(actions), _in_range(m.AuditEntry.at, w))
        .group_by(m.AuditEntry.action, m.AuditEntry.result)
    )
    return {(a, r): n for a, r, n in rows}


def service_figures(session: Session, merchant_id: int, w: Window) -> ServiceFigures:
    messages: dict[str, dict[str, int]] = defaultdict(lambda: {"in": 0, "out": 0})
    for channel, direction, n in session.execute(
        select(m.Message.channel, m.Message.direction, func.count())
        .where(m.Message.merchant_id == merchant_id, _in_range(m.Message.created_at, w))
        .group_by(m.Message.channel, m.Message.direction)
    ):
        messages[channel][direction] += n
    unsure = (m.Message.intent == OUT_OF_SCOPE) | (m.Message.confidence < LOW_CONFIDENCE)
    intents: list[tuple[str, int]] = []
    read, missed = 0, 0
    for intent, n, unsure_n in session.execute(
        select(m.Message.intent, func.count(), func.sum(case((unsure, 1), else_=0)))
        .where(m.Message.merchant_id == merchant_id, m.Message.direction == "in", m.Message.intent.is_not(None),
               _in_range(m.Message.created_at, w))
        .group_by(m.Message.intent)
    ):
        intents.append((intent, n))
        read, missed = read + n, missed + int(unsure_n or 0)
    intents.sort(key=lambda pair: (-pair[1], pair[0]))
    audit = _audit_counts(session, merchant_id, w, "otp_send", "otp_check", "opt_out", "opt_in", "survey")
    codes_sent, codes_ok = audit.get(("otp_send", "sent"), 0), audit.get(("otp_check", "ok"), 0)
    verified_by = {how or "unknown": n for how, n in session.execute(
        select(m.AuditEntry.verification, func.count())
        .where(m.AuditEntry.merchant_id == merchant_id, m.AuditEntry.action == "verification",
               _in_range(m.AuditEntry.at, w))
        .group_by(m.AuditEntry.verification))}
    notes = {status: n for status, n in session.execute(
        select(m.Message.status, func.count())
        .where(m.Message.merchant_id == merchant_id, m.Message.direction == "out", m.Message.dedupe_key.is_not(None),
               m.Message.dedupe_key.not_like("otp:%"), _in_range(m.Message.created_at, w))
        .group_by(m.Message.status))}
    went, failed = sum(notes.get(s, 0) for s in SENT), notes.get("failed", 0)
    ratings = {int(r): n for (a, r), n in audit.items() if a == "survey" and r in {"1", "2", "3", "4", "5"}}
    rated = sum(ratings.values())
    paid: dict[str, Decimal] = {}
    refunded: dict[str, Decimal] = {}
    payments = 0
    for currency, n, amount, back in session.execute(
        select(m.Payment.currency, func.count(), func.sum(m.Payment.amount),
               func.sum(func.coalesce(m.Payment.refunded_amount, 0)))
        .where(m.Payment.merchant_id == merchant_id, m.Payment.paid_at.is_not(None), _in_range(m.Payment.paid_at, w))
        .group_by(m.Payment.currency)
    ):
        payments += n
        paid[currency] = Decimal(str(amount or 0)).quantize(CENT)
        refunded[currency] = Decimal(str(back or 0)).quantize(CENT)
    return ServiceFigures(
        messages=dict(sorted(messages.items())),
        intents=intents[:TOP_INTENTS],
        misunderstood=ratio("misunderstood", "Messages not understood", missed, read,
                            f"Shoppers' messages the NLU read as out of scope, or understood with a confidence "
                            f"under {LOW_CONFIDENCE:.0%} (the bot answers those with 'I didn't get that' or a "
                            f"question back), out of all messages it read."),
        verification=ratio("verification", "Codes accepted", codes_ok, codes_sent,
                           "One-time codes typed in correctly, out of codes sent."),
        verified_by=dict(sorted(verified_by.items())),
        notifications=dict(sorted(notes.items())),
        notification_failures=ratio("notification_failures", "Notifications that failed", failed, went + failed,
                                    "Proactive messages (tracking updates, reminders) the messaging provider "
                                    "refused for good, out of those handed to it."),
        opt_outs=count("opt_outs", "Opt-outs", audit.get(("opt_out", "opted_out"), 0),
                       "Shoppers who texted STOP (or asked not to be messaged) in the range."),
        opt_ins=audit.get(("opt_in", "opted_in"), 0),
        survey_count=rated,
        survey_average=Metric("satisfaction", "Satisfaction (1-5)",
                              sum(k * n for k, n in ratings.items()) / rated if rated else None, "rating",
                              "The mean of the 1-5 ratings shoppers gave after a person resolved their "
                              "conversation.", sum(k * n for k, n in ratings.items()), rated),
        survey_distribution={k: ratings.get(k, 0) for k in range(1, 6)},
        paid=paid,
        refunded=refunded,
        payments=payments,
    )
