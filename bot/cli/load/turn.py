"""`parcelbot bench turn`: what one turn costs, in-process, with figures that do not depend on a busy machine.

`bench load` says how many messages a second the production topology takes, but on a shared 2-core machine its
figures move by a third from one run to the next. This one runs the same mixed conversations (scripts.py, the
same seeded parcels, codes read from the outbox) through the Flask app in one thread, and prints per turn:

    statements and commits   counted with SQLAlchemy's engine events (the probe of bench load): deterministic
    Python calls             counted by cProfile over a second pass: deterministic, a proxy for CPU that a
                             noisy neighbour cannot move, so a change's effect shows even when timings don't
    CPU                      the process's CPU time per turn (first pass, without the profiler)

docs/performance.md has the figures before and after each round of work.
"""

from __future__ import annotations

import cProfile
import gc
import os
import pstats
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the scripts sign as the SMS channel does, which imports the engine: only when a bench runs
    from bot.cli.load.scripts import ConversationSource

TOKEN, PUBLIC_URL = "bench-token", "https://bench.example"  # noqa: S105 (a throwaway token for the run)


@dataclass
class TurnFigures:
    turns: int
    cpu_ms: float
    statements: float
    commits: float
    calls: float
    unexpected: int
    full_gc_ms: tuple[float, float] = (0.0, 0.0)  # one full collection after the passes: heap walked, heap frozen
    frozen: int = 0  # objects frozen after start-up and still frozen at the end
    full_runs: int = 0  # full collections during the two passes (frozen), 2 x turns


def _run(client, source: ConversationSource, read_code, turns: int) -> tuple[int, int, int]:  # noqa: ANN001
    """Whole conversations until at least `turns` messages were answered: (messages, wrong answers, codes read:
    one SELECT each, the shopper's phone's doing, not the bot's)."""
    from bot.cli.load.scripts import CODE, build_request, check_reply, reply_text

    done = unexpected = codes = 0
    while done < turns:
        conv = source.new()
        while not conv.done:
            code = None
            if conv.script.steps[conv.step].text == CODE:
                code, codes = read_code(conv.shopper.phone), codes + 1
            req = build_request(conv, auth_token=TOKEN, public_url=PUBLIC_URL, code=code)
            r = client.post(req.path, data=req.body, headers=req.headers, base_url=PUBLIC_URL)
            if check_reply(conv, reply_text(conv.script.channel, r.data)) != "ok":
                unexpected += 1
            conv.step += 1
            done += 1
    return done, unexpected, codes


def measure(database_url: str, redis_url: str | None, turns: int, profile: Path | None = None) -> TurnFigures:
    from bot.cli.load import newest_code
    from bot.cli.load.probe import Probe
    from bot.cli.load.seed import prepare
    from bot.config import Settings
    from bot.heap import freeze_long_lived, full_collection_ms
    from bot.runtime import build_runtime
    from bot.web import create_app

    env = {**os.environ, "DATABASE_URL": database_url, "PARCELBOT_DATA_DIR": tempfile.mkdtemp(prefix="pb-turn-"),
           "TWILIO_AUTH_TOKEN": TOKEN, "PARCELBOT_SECRET_KEY": "bench-secret", "PARCELBOT_PUBLIC_URL": PUBLIC_URL,
           "PARCELBOT_NLU_MODEL": str(Settings.from_env().nlu_model_path)}  # fmt: skip
    if redis_url:  # as in production: jobs queued for Celery (none runs: codes are read from the outbox), Redis events
        env.update(REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url, PARCELBOT_JOBS="celery",
                   PARCELBOT_EVENTS="redis", PARCELBOT_CELERY_QUEUE=f"bench-turn-{os.getpid()}")
    shoppers = 3 * turns + 200
    prepare(database_url, shoppers)
    runtime = build_runtime(Settings.from_env(env))
    client = create_app(runtime=runtime).test_client()
    read_code = newest_code(database_url)

    from bot.cli.load.scripts import ConversationSource

    # Frozen where bot/wsgi.py freezes a worker's heap: after the app is built, before any request
    freeze_long_lived()
    try:
        source = ConversationSource(shoppers)
        _run(client, source, read_code, 60)  # warm-up: the model, the pool, the merchant cache
        full_before = gc.get_stats()[2]["collections"]
        probe = Probe(Path(tempfile.mkdtemp(prefix="pb-probe-")))
        probe.install()
        cpu = time.process_time()
        done, unexpected, codes = _run(client, source, read_code, turns)
        cpu = time.process_time() - cpu
        probe.uninstall()
        profiler = cProfile.Profile()
        profiler.enable()
        profiled, more, _ = _run(client, source, read_code, turns)
        profiler.disable()
        if profile is not None:  # for `python -m pstats` or snakeviz: where the calls of the second pass went
            profiler.dump_stats(profile)
        full_runs = gc.get_stats()[2]["collections"] - full_before
        frozen, frozen_ms = gc.get_freeze_count(), full_collection_ms()  # as a worker's is after these turns
    finally:  # thawed: a test calling this goes on in the same process
        gc.unfreeze()
    gc.collect()  # what the passes left, so the next figure is the walk alone
    full_gc = (full_collection_ms(), frozen_ms)
    calls = pstats.Stats(profiler).total_calls
    return TurnFigures(done, 1000 * cpu / done, (probe.counters.statements - codes) / done,
                       probe.counters.commits / done, calls / profiled, unexpected + more, full_gc, frozen,
                       full_runs)


def _writable(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    """--profile checked before the passes (minutes of them), not when the stats are written after them."""
    if value is None:
        return None
    folder = value.parent
    if not folder.is_dir():
        raise click.BadParameter(f"{str(folder)!r} is not a directory that exists (create it first)")
    if not os.access(folder, os.W_OK | os.X_OK) or (value.exists() and not os.access(value, os.W_OK)):
        raise click.BadParameter(f"{str(value)!r} can't be written here (permissions)")
    return value


@click.command("turn")
@click.option("-n", "--turns", default=400, show_default=True, type=click.IntRange(min=1),
              help="Messages per pass (two passes).")
@click.option("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench", show_default=True,
              help="Dropped and re-created.")
@click.option("--redis-url", default="redis://127.0.0.1:6379/6", show_default=True,
              help="'' for no Redis (jobs inline, events in-process).")
@click.option("--profile", type=click.Path(dir_okay=False, path_type=Path), default=None, callback=_writable,
              help="Write the second pass's cProfile stats here (read them with python -m pstats).")
def bench_turn(turns: int, database_url: str, redis_url: str, profile: Path | None) -> None:
    """What one turn of the mixed conversations costs: statements, commits, Python calls, CPU."""
    f = measure(database_url, redis_url or None, turns, profile)
    click.echo(f"mixed conversations of bench load, in-process, {f.turns} messages "
               f"({database_url.split('@')[-1]}); per turn:")
    click.echo(f"  SQL statements  {f.statements:6.2f}     commits {f.commits:.2f}")
    click.echo(f"  Python calls    {f.calls:8.0f}   (cProfile, second pass: deterministic)")
    click.echo(f"  CPU             {f.cpu_ms:6.2f} ms  (process time, first pass)")
    click.echo(f"a full garbage collection (every request of a worker waits it out), after the passes: "
               f"{f.full_gc_ms[0]:.1f} ms with the whole heap walked, {f.full_gc_ms[1]:.1f} ms with the "
               f"{f.frozen:,} objects of start-up frozen as bot/wsgi.py does; {f.full_runs} full collections "
               f"in the {2 * f.turns} turns of the two passes")
    if f.unexpected:
        raise click.ClickException(f"{f.unexpected} replies were not what their step expects")
