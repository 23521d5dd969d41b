"""`parcelbot serve`: the embedded default in one process: migrate, seed the demo, train the NLU, serve."""

from __future__ import annotations

import click
from sqlalchemy import select

from backend import models as m
from backend.db import is_empty, make_engine, make_session_factory, transaction, upgrade
from bot.cli.common import print_demo_parcels
from bot.config import Settings
from bot.jobs.ticker import start_ticker
from bot.runtime import build_runtime
from bot.services.demo import DEMO_PARCELS, seed_demo
from bot.services.demo_history import seed_demo_history
from bot.web import create_app, run_server


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="TCP port, 1-65535 (checked before anything is migrated or seeded).")
def serve(host: str, port: int) -> None:
    """Run the embedded default: migrate, seed the demo if empty, train NLU if missing, serve HTTP."""
    import os

    env = dict(os.environ)
    env.setdefault("PARCELBOT_PUBLIC_URL", f"http://{host}:{port}")
    env.setdefault("PARCELBOT_CONSOLE_STREAMS", "200")  # werkzeug's threaded server: a thread per request, no pool
    settings = Settings.from_env(env)
    (settings.data_dir / "serve_url").write_text(settings.public_base_url or "")  # for `parcelbot chat` links
    engine = make_engine(settings.database_url)
    empty = is_empty(engine)
    upgrade(settings.database_url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        has_merchants = session.scalar(select(m.Merchant.id).limit(1)) is not None
    if empty or not has_merchants:
        with transaction(sessions) as session:
            seed_demo_history(session, seed_demo(session))
        click.echo("seeded the demo merchant, its parcels and 60 days of history (the merchant console's Results)")
    engine.dispose()
    if not settings.nlu_model_path.exists():
        click.echo("training the NLU model from training_data/ (first run only, about half a minute)...")
    runtime = build_runtime(settings)
    app = create_app(runtime=runtime)
    base = f"http://{host}:{port}"
    click.echo(f"""
Parcelbot is running on {base}
  chat in a terminal:   parcelbot chat --from +447700900123
  SMS webhook (Twilio): POST {base}/twilio/sms
  REST (Rasa-style):    POST {base}/webhooks/rest/webhook
  health:               GET  {base}/healthz
  demo page (web chat + sandbox outbox, this machine only): {base}/demo
  agent console:        {base}/console  (add a user first: parcelbot user add EMAIL --merchant demo)
  merchant console:     {base}/admin    (an admin: parcelbot user add EMAIL --merchant demo --role admin)
  metrics (Prometheus): GET  {base}/metrics
""")
    print_demo_parcels(DEMO_PARCELS)
    if settings.job_backend == "inline":
        start_ticker(runtime)  # the periodic schedule in this process: held messages, retries, purges
    run_server(app, host, port)
