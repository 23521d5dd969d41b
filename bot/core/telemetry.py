"""Prometheus metrics for the operators who run Parcelbot (docs/operations.md): the metric objects, and the
few calls the engine, the outbox job and the composition root make.

Why here, in bot.core: the engine and the jobs record, the web layer only serves (bot/web/metrics.py), and
bot.core may not import flask. backend/ imports nothing of bot/, so a carrier call is timed where bot/ gets
its backend: the composition root wraps every remote backend in TimedBackend.

Labels are bounded on purpose: a channel is one of bot/core/channels.py's specs (else "other"), an intent
one of the fixed set (else "other"), a carrier "kind" the backend type of the merchant's settings and an
operation a Backend protocol method. No merchant label (tenants grow without bound; per-merchant numbers are
in the consoles), and nothing a shopper wrote or is (no phone number, tracking number or free text).

Per turn this costs a few in-memory increments and one histogram observation: no database query. The
numbers that live in the database (the outbox backlog, handoffs waiting) are read only when scraped
(DatabaseGauges).
"""

from __future__ import annotations

import copy
import functools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from backend import models as m
from backend.protocol import BackendError, BackendUnavailable
from backend.resilience import CircuitOpen
from bot.core.channels import SPECS
from bot.core.spool import MessageSpool

log = logging.getLogger(__name__)

# The intents the NLU can answer with (docs/HELPERS.md); anything else is counted as "other", so a model
# trained on more intents can't grow the label set unnoticed. tests/ops/test_metrics.py checks this against
# the training data.
INTENTS = frozenset({
    "where_is_my_order", "leave_with_neighbour", "leave_in_safe_place", "add_delivery_note", "reschedule_delivery",
    "deliver_to_pickup_point", "hold_delivery", "change_delivery_address", "cancel_order", "start_return",
    "return_or_refund_status", "report_not_received", "report_damaged", "request_proof_of_delivery",
    "talk_to_human", "opt_out", "help", "greet", "goodbye", "thank_you", "affirm", "deny", "inform", "out_of_scope",
})
# The Backend protocol's methods (backend/protocol.py): the "operation" label of a carrier call.
OPERATIONS = frozenset({
    "find_shipments", "get_shipment", "available_actions", "proof_of_delivery", "return_status",
    "apply_action", "create_return", "cancel_order",
})
TURN_OUTCOMES = ("answered", "duplicate", "apology", "unknown_merchant", "error")

# A turn is milliseconds with the embedded NLU and our own carrier; seconds with a remote carrier's replay.
_TURN_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_CARRIER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)

TURNS = Counter("parcelbot_turns", "Inbound messages the engine handled, by channel and outcome.",
                ["channel", "outcome"])
TURN_SECONDS = Histogram("parcelbot_turn_duration_seconds",
                         "Wall time of one inbound message, NLU and carrier replays included.", ["channel"],
                         buckets=_TURN_BUCKETS)
NLU_INTENTS = Counter("parcelbot_nlu_intents", "The NLU's top intent for each new inbound message.", ["intent"])
NLU_UNAVAILABLE = Counter("parcelbot_nlu_unavailable",
                          "Inbound messages read without the NLU because it was down or too slow.")
SENDS = Counter("parcelbot_outbox_sends", "Outbox messages handed to a transport, by channel and status.",
                ["channel", "status"])
SEND_FAILURES = Counter("parcelbot_outbox_send_failures",
                        "Outbox sends that failed, by channel, the transport's HTTP status class (4xx, 5xx; "
                        "network, none) and whether it was the last try (final).",
                        ["channel", "status_class", "final"])
CARRIER_SECONDS = Histogram("parcelbot_carrier_call_duration_seconds",
                            "Wall time of one call to a remote carrier (its retries included), by backend kind "
                            "and operation.", ["kind", "operation"], buckets=_CARRIER_BUCKETS)
CARRIER_ERRORS = Counter("parcelbot_carrier_call_errors", "Calls to a remote carrier that raised, by kind, "
                         "operation and error (unavailable, circuit_open, backend_error, not_found, unexpected).",
                         ["kind", "operation", "error"])


def channel_label(channel: str) -> str:
    return channel if channel in SPECS else "other"


# -- turns and the NLU ------------------------------------------------------------------------------------
def turn_handled(channel: str, outcome: str, seconds: float) -> None:
    TURNS.labels(channel_label(channel), outcome if outcome in TURN_OUTCOMES else "error").inc()
    TURN_SECONDS.labels(channel_label(channel)).observe(seconds)


def understood(intent: str | None) -> None:
    """One new message's NLU result; None: the NLU was unavailable."""
    if intent is None:
        NLU_UNAVAILABLE.inc()
    else:
        NLU_INTENTS.labels(intent if intent in INTENTS else "other").inc()


# -- sending ----------------------------------------------------------------------------------------------
def sent(channel: str, status: str) -> None:
    SENDS.labels(channel_label(channel), status if status in ("sent", "sandbox") else "other").inc()


def status_class(status: int | None, *, reached: bool) -> str:
    """4xx/5xx for an HTTP answer, "network" when the transport wasn't reached, "none" when nothing was sent
    (no number to send from, no transport for the channel, a crash in our code)."""
    if status is not None and 100 <= status <= 599:
        return f"{status // 100}xx"
    return "none" if reached else "network"


def send_failed(channel: str, status_class_: str, *, final: bool) -> None:
    SEND_FAILURES.labels(channel_label(channel), status_class_, "true" if final else "false").inc()


# -- carrier calls ----------------------------------------------------------------------------------------
def error_kind(exc: BaseException) -> str:
    if isinstance(exc, CircuitOpen):
        return "circuit_open"
    if isinstance(exc, BackendUnavailable):
        return "unavailable"
    if isinstance(exc, BackendError):
        return "backend_error"
    if isinstance(exc, LookupError):
        return "not_found"
    return "unexpected"


class TimedBackend:
    """A remote backend whose protocol calls are timed; everything else passes through to it (attributes
    read and set, `copy.copy`), so the code that calls it can't tell the difference."""

    def __init__(self, inner: Any, kind: str) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "_kind", kind)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name in OPERATIONS and callable(value):
            return functools.partial(_timed, self._kind, name, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._inner, name, value)  # e.g. CarrierSnapshot switching off the pending sink on its copy

    def __copy__(self) -> TimedBackend:
        return TimedBackend(copy.copy(self._inner), self._kind)


def _timed(kind: str, operation: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    try:
        return call(*args, **kwargs)
    except Exception as exc:
        CARRIER_ERRORS.labels(kind, operation, error_kind(exc)).inc()
        raise
    finally:
        CARRIER_SECONDS.labels(kind, operation).observe(time.perf_counter() - started)


def timed_backend(backend: Any, kind: str) -> Any:
    """Remote backends are timed; our own reference carrier (queries inside the turn's transaction) is not a
    carrier call and is returned as it is."""
    if not getattr(backend, "is_remote", True):
        return backend
    return TimedBackend(backend, kind)


def backend_kind(merchant: m.Merchant) -> str:
    """The merchant's backend type ("http", "shopify"...): registered in code, so a bounded label."""
    config = (merchant.settings or {}).get("backend") or {}
    return str(config.get("type") or "reference")[:32]


# -- read at scrape time ----------------------------------------------------------------------------------
@dataclass(eq=False)  # a registry keys its collectors by identity
class DatabaseGauges(Collector):
    """The outbox backlog and the handoffs waiting, read from the database when Prometheus scrapes (a few
    indexed aggregate queries, every 15-60 s), never per turn. A database that doesn't answer makes
    parcelbot_metrics_database_up 0 and the rest of the scrape still works."""

    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("parcelbot_metrics_database_up", "1 if the scrape-time database queries answered.")
        try:
            families = self._read(self.clock())
        except Exception:  # noqa: BLE001 - a scrape must not fail with the database; the gauge says why
            log.exception("metrics: the database gauges couldn't be read")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _read(self, now: datetime) -> list[GaugeMetricFamily]:
        msg, conv = m.Message, m.Conversation
        due = or_(msg.send_after.is_(None), msg.send_after <= now)
        queued = GaugeMetricFamily("parcelbot_outbox_queued", "Outbox messages queued (due or later), by channel.",
                                   labels=["channel"])
        due_now = GaugeMetricFamily("parcelbot_outbox_due", "Queued outbox messages whose time has come.",
                                    labels=["channel"])
        oldest = GaugeMetricFamily("parcelbot_outbox_oldest_due_seconds",
                                   "How long the oldest due outbox message has been due (0: none).")
        waiting = GaugeMetricFamily("parcelbot_handoffs_waiting", "Conversations waiting for a person.")
        longest = GaugeMetricFamily("parcelbot_handoff_oldest_wait_seconds",
                                    "How long the longest-waiting conversation has waited for a person (0: none).")
        with self.sessions() as session:
            rows = session.execute(
                select(msg.channel, func.count(), func.sum(case((due, 1), else_=0)))
                .where(msg.direction == "out", msg.status == "queued").group_by(msg.channel)
            ).all()
            first_due = session.scalar(select(func.min(func.coalesce(msg.send_after, msg.created_at)))
                                       .where(msg.direction == "out", msg.status == "queued", due))
            count, since = session.execute(
                select(func.count(), func.min(conv.waiting_since)).where(conv.status == "waiting")).one()
        totals: dict[str, list[int]] = {}
        for channel, n, n_due in rows:  # unknown channels fold into "other"
            total = totals.setdefault(channel_label(channel), [0, 0])
            total[0] += int(n)
            total[1] += int(n_due or 0)
        for channel, (n, n_due) in sorted(totals.items()):
            queued.add_metric([channel], n)
            due_now.add_metric([channel], n_due)
        oldest.add_metric([], _age(now, first_due))
        waiting.add_metric([], int(count))
        longest.add_metric([], _age(now, since))
        return [queued, due_now, oldest, waiting, longest]


@dataclass(eq=False)
class SpoolGauges(Collector):
    """Messages kept while the database was away (bot/core/spool.py), read from the spool at scrape time: what an
    operator watches drain after an outage. The spool (Redis) not answering leaves these two out of the scrape."""

    spool: MessageSpool

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            waiting, aside = self.spool.count(), self.spool.set_aside_count()
        except Exception:  # noqa: BLE001 - a scrape must not fail with Redis
            log.warning("metrics: the kept-message spool couldn't be read", exc_info=True)
            return
        kept = GaugeMetricFamily("parcelbot_kept_messages", "Messages kept while the database was away, waiting "
                                 "to be answered by text.")
        kept.add_metric([], waiting)
        yield kept
        set_aside = GaugeMetricFamily("parcelbot_kept_set_aside", "Kept messages that could never be answered, set "
                                      "aside for a person.")
        set_aside.add_metric([], aside)
        yield set_aside


def _age(now: datetime, since: datetime | None) -> float:
    return max((now - since).total_seconds(), 0.0) if since is not None else 0.0
