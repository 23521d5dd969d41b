"""The production web entry point: `gunicorn 'bot.wsgi:app'` (settings from the environment).

With PARCELBOT_JOBS=inline (no Celery), each worker process also runs the periodic schedule on a ticker
thread (bot/jobs/schedule.py): held messages, retries and purges happen under gunicorn too. Every job is
safe to run from several workers at once. With PARCELBOT_JOBS=celery, beat runs the schedule instead.
"""

import logging
import os
from contextlib import suppress

from bot.config import warn_per_process
from bot.heap import freeze_long_lived
from bot.jobs.ticker import start_ticker
from bot.web import create_app
from bot.web.ext import current_runtime
from bot.web.pages import not_migrated

app = create_app()

with app.app_context():
    _runtime = current_runtime()
warn_per_process(_runtime.settings)  # set up for several hosts, but a setting is this process's own: say which
with suppress(Exception):  # the database away at start-up: /healthz says so, and the first turns
    if problem := not_migrated(_runtime):  # started before `parcelbot db upgrade`: /healthz is 503 until it runs
        logging.getLogger(__name__).warning("%s", problem)
# A preloading server (gunicorn --preload) forks after this import: a child must not use the parent's pooled
# connections (two processes on one socket), so it starts with an empty pool (SQLAlchemy's advice for fork).
os.register_at_fork(after_in_child=lambda: _runtime.db.dispose(close=False))

# The worker's long-lived objects are set aside from the cyclic collector (bot/heap.py): a full collection
# walked all of them (about 100 ms on this machine, during which every request of the worker waits); frozen,
# it walks what requests built and left (about 4 ms after 860 turns: `parcelbot bench turn`). Before the
# ticker starts, so no job's objects are frozen with them. With gunicorn --preload the children inherit them.
freeze_long_lived()

if _runtime.settings.job_backend == "inline":
    start_ticker(_runtime)
    # A preloading server (gunicorn --preload) forks after this import: threads don't survive a fork.
    os.register_at_fork(after_in_child=lambda: start_ticker(_runtime))
