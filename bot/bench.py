"""`parcelbot bench engine`: whole-bot throughput — signed SMS webhooks through NLU, flows and the database.

It builds a throwaway database (SQLite under a temp dir unless --database-url is given), seeds the demo,
and posts N messages the way Twilio would (signed form posts through the WSGI app, in-process), from the
demo numbers, with a mix of texts. It prints messages per second and per-message latency percentiles.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click

TEXTS = ("where's my parcel", "hi", "when will it arrive?", "thanks!", "what can you do", "is it out for delivery")
SENDERS = ("+447700900123", "+447700900456", "+447700900321", "+447700900987")


@click.command("engine")
@click.option("-n", "--messages", default=2000, show_default=True)
@click.option("--threads", default=4, show_default=True)
@click.option("--database-url", default=None, help="default: a fresh SQLite file in a temp dir")
def bench_engine(messages: int, threads: int, database_url: str | None) -> None:
    """Throughput of the whole bot on signed SMS webhooks."""
    from backend.db import transaction, upgrade
    from bot.app import create_app
    from bot.config import Settings
    from bot.demo import seed_demo
    from bot.runtime import build_runtime

    tmp = Path(tempfile.mkdtemp(prefix="parcelbot-bench-"))
    env = {
        "PARCELBOT_DATA_DIR": str(tmp),
        "TWILIO_AUTH_TOKEN": "bench-token",
        "PARCELBOT_SECRET_KEY": "bench-secret",
        "PARCELBOT_PUBLIC_URL": "https://bench.example",
    }
    import os

    env["PARCELBOT_NLU_MODEL"] = str(Settings.from_env().nlu_model_path)
    if database_url:
        env["DATABASE_URL"] = database_url
    settings = Settings.from_env({**os.environ, **env})
    upgrade(settings.database_url)
    runtime = build_runtime(settings, synchronous_jobs=True)
    with transaction(runtime.sessions) as s:
        seed_demo(s)
    app = create_app(runtime=runtime)
    from channels.twilio_sms import sign_form

    url = "https://bench.example/twilio/sms"

    def one(i: int) -> float:
        form = {"MessageSid": f"SMbench{i:026d}", "From": SENDERS[i % len(SENDERS)], "To": "+441614960000",
                "Body": TEXTS[i % len(TEXTS)], "NumMedia": "0"}
        client = app.test_client()
        t0 = time.perf_counter()
        headers = {"X-Twilio-Signature": sign_form("bench-token", url, form)}
        r = client.post("/twilio/sms", data=form, headers=headers)
        elapsed = time.perf_counter() - t0
        if r.status_code != 200:
            raise click.ClickException(f"message {i} got HTTP {r.status_code}: {r.get_data(as_text=True)[:200]}")
        return elapsed

    for i in range(20):  # warm up (model, connections)
        one(10_000_000 + i)
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = list(pool.map(one, range(messages)))
    wall = time.perf_counter() - start
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    dialect = settings.database_url.split(":", 1)[0]
    click.echo(f"whole bot, signed SMS webhooks in-process ({dialect}, {threads} threads, {messages} messages)")
    click.echo(f"  throughput  {messages / wall:8.1f} messages/s")
    mean = statistics.mean(latencies) * 1000
    click.echo(f"  latency     p50 {p(0.5):.2f} ms   p99 {p(0.99):.2f} ms   mean {mean:.2f} ms")
