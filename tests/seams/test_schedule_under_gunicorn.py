"""One schedule, also under gunicorn: with inline jobs (no Celery), `gunicorn bot.wsgi:app` runs the periodic
jobs on a ticker thread in its worker, so a message held for later (quiet hours, a retry) goes out without any
request arriving. Started for real, as a deployment would start it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.outbox import queue_message
from tests.helpers import real_now


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_runs_the_schedule_with_inline_jobs(env, runtime, demo, nlu_model: Path, tmp_path: Path):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bot.wsgi:app", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        env={**os.environ, **env, "PARCELBOT_JOBS": "inline", "PARCELBOT_NLU_MODEL": str(nlu_model)},
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / "gunicorn.log", "w"),  # noqa: SIM115
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise AssertionError((tmp_path / "gunicorn.log").read_text()[-3000:])
        with transaction(runtime.sessions) as session:  # queued after start: only the schedule can send it
            msg = queue_message(session, merchant=session.get(m.Merchant, demo.id), channel="sms",  # by its clock
                                to="+447700900123", body="held until now", send_after=real_now()).message
            message_id = msg.id
        deadline = time.monotonic() + 45  # send_outbox runs every 10 s (bot/jobs/schedule.py)
        status = "queued"
        while status == "queued" and time.monotonic() < deadline:
            time.sleep(0.5)
            with runtime.sessions() as s:
                status = s.scalar(select(m.Message.status).where(m.Message.id == message_id))
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert status == "sandbox", (tmp_path / "gunicorn.log").read_text()[-3000:]
