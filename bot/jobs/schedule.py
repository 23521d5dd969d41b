"""The one periodic schedule, for both ways jobs run.

The embedded default (and gunicorn with PARCELBOT_JOBS=inline) runs it on a ticker thread in each web
process (bot/jobs/ticker.py); production runs it with Celery beat (bot/worker.py). Each job is safe to run
from several processes at once (the outbox claims rows; pending writes are claimed with SKIP LOCKED; the
purge is idempotent), so two tickers never double a message.

An operator may run a job more or less often without a code change: PARCELBOT_SCHEDULE_SECONDS="retry_pending=15"
(`schedule_for`, used by both). The tests of the production topology use it to have real beat run retry_pending
every second (tests/scaleout/test_kept_write_worker.py) instead of waiting out its minute.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.config import ConfigError, Settings


@dataclass(frozen=True)
class Periodic:
    job: str
    every_seconds: float
    why: str


SCHEDULE: tuple[Periodic, ...] = (
    Periodic("replay_kept", 10.0, "messages kept while the database was away, answered by text once it is back"),
    Periodic("send_outbox", 10.0, "messages held for quiet hours, and sends to retry after a transport error"),
    Periodic("retry_pending", 60.0, "carrier writes kept while the carrier was down"),
    Periodic("send_webhooks", 30.0, "handoff webhooks whose job was lost (Redis away) or whose receiver was down"),
    Periodic("purge_delivered_secrets", 3600.0, "sealed access codes of delivered parcels"),
    Periodic("purge_early_receipts", 3600.0, "delivery receipts kept a day for a send that was never recorded"),
    Periodic("return_unanswered", 60.0, "conversations a person took and left unanswered go back to the bot"),
    Periodic("expire_payments", 60.0, "payment links left unpaid, paid changes and refunds a failed job left"),
)


def schedule_for(settings: Settings) -> tuple[Periodic, ...]:
    """SCHEDULE with the operator's intervals (PARCELBOT_SCHEDULE_SECONDS); a job it doesn't have is refused (a typo
    would otherwise leave the shipped interval in place without a word)."""
    given = dict(settings.schedule_seconds)
    unknown = sorted(set(given) - {p.job for p in SCHEDULE})
    if unknown:
        raise ConfigError(f"PARCELBOT_SCHEDULE_SECONDS names no periodic job {', '.join(map(repr, unknown))} "
                          f"(known: {', '.join(p.job for p in SCHEDULE)})")
    return tuple(replace(p, every_seconds=given[p.job]) if p.job in given else p for p in SCHEDULE)
