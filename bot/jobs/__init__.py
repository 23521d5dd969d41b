"""Background work: sending the outbox, finishing slow carrier changes, retrying carrier writes, purging secrets,
applying paid changes, closing unpaid payment links and answering messages kept through a database outage.

The job modules are this explicit list (a Celery worker imports this package and knows every task the web
process may send; nothing is found by scanning source files):
"""

from bot.jobs import payments, purge_secrets, replay, retries, send_outbox, slow_changes, unanswered, webhooks
from bot.jobs.registry import JOBS, JobContext, job

JOB_MODULES = (send_outbox, slow_changes, retries, purge_secrets, unanswered, webhooks, payments, replay)

__all__ = ["JOBS", "JOB_MODULES", "JobContext", "job"]
