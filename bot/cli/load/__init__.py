"""`parcelbot bench load`: the whole bot under a delivery morning's load, beside the framework floor.

It starts the production topology for real (bot/cli/load/topology.py), seeds one parcel per simulated shopper
(seed.py), drives mixed scripted conversations at open-loop offered-load steps and then as fast as a fixed
number of shoppers can go (driver.py, scripts.py), and does the same against the framework floor
(channels/floor.py) in the same run. Reported per step: messages/s, p50/p95/p99 latency, errors, SQL
statements, commits and rollbacks per turn (counted in the workers, probe.py), memory per worker; as JSON and a
PNG (report.py). docs/performance.md explains the figures and how to read them.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy.engine import make_url

from bot.cli.load import machine_cpu
from bot.cli.load import probe as probes
from bot.cli.load.autoanalyze import standing_in
from bot.cli.load.report import StepFigures, as_json, plot, summarise
from bot.cli.ranges import FiniteFloatRange
from bot.core.outage import is_store_outage

if TYPE_CHECKING:
    from bot.cli.load.driver import Driver

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/6"
SATURATED = 0.8  # an open-loop step answered below this share of its rate: higher rates are skipped (they'd
# only queue for minutes), and the closed-loop max step says what the server sustains
ALWAYS_RUN = 200.0  # steps up to this rate run even past saturation: p99 at 200 msg/s is a target to report
SETTLE = 1.2  # seconds after a step for the workers' counters to reach their files (probe.DUMP_EVERY)


def newest_code(database_url: str):  # noqa: ANN201
    """phone -> the newest 6-digit code texted to it, read from the outbox as the shopper's phone would show it."""
    from sqlalchemy import create_engine, select

    from backend import models as m

    engine = create_engine(database_url, pool_size=4)

    def newest(phone: str) -> str | None:
        with engine.connect() as conn:
            for body in conn.scalars(select(m.Message.body).where(
                    m.Message.direction == "out", m.Message.recipient == phone, m.Message.status != "reply")
                    .order_by(m.Message.id.desc()).limit(3)):  # fmt: skip
                found = re.search(r"\b(\d{6})\b", body or "")
                if found:
                    return found.group(1)
        return None

    return newest


def code_reader(database_url: str):  # noqa: ANN201
    """newest_code for the asyncio driver (the query runs in a thread)."""
    newest = newest_code(database_url)

    async def read(phone: str) -> str | None:
        return await asyncio.to_thread(newest, phone)

    return read


def db_commits(database_url: str) -> int | None:
    """pg_stat_database's committed transactions for the database (every client), None on SQLite."""
    if not database_url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        value = conn.scalar(text("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"))
    engine.dispose()
    return int(value or 0)


async def run_steps(driver: Driver, name: str, rates: list[float], seconds: float, max_seconds: float,
                    concurrency: int, *, probe_dir: Path | None = None, database_url: str | None = None,
                    sessions: dict[str, int] | None = None, log=print) -> list[StepFigures]:  # noqa: ANN001
    """Each open-loop rate, then the closed-loop max; with a probe directory, the workers' counters per turn;
    with the servers' sessions, every process group's CPU per message (machine_cpu.py)."""
    out: list[StepFigures] = []
    for rate in [*rates, None]:
        if rate is not None and rate > ALWAYS_RUN and any(f.offered and f.achieved < SATURATED * f.offered
                                                          for f in out):
            log(f"  {name:9} {rate:g}/s: skipped (saturated at a lower rate)")
            continue
        before = probes.total(probes.read_all(probe_dir)) if probe_dir else None
        xact = db_commits(database_url) if database_url and probe_dir else None
        cpu_before = machine_cpu.snapshot(sessions) if sessions else None
        if rate is None:
            if max_seconds <= 0:
                break
            samples, wall = await driver.closed(concurrency, max_seconds)
            fig = summarise(name, None, wall, samples)
            fig.concurrency = concurrency
        else:
            samples, wall = await driver.open_loop(rate, seconds)
            fig = summarise(name, rate, max(seconds, wall), samples)
        if cpu_before is not None:  # before SETTLE: the step's own CPU, not the pause after it
            fig.cpu_ms_per_message_by = machine_cpu.per_message(cpu_before, machine_cpu.snapshot(sessions),
                                                                len(samples))
        if probe_dir is not None:
            await asyncio.sleep(SETTLE)
            rows = probes.read_all(probe_dir)
            after = probes.total(rows)
            turns = after.turns - before.turns
            if turns:
                fig.statements_per_turn = round((after.statements - before.statements) / turns, 2)
                fig.commits_per_turn = round((after.commits - before.commits) / turns, 2)
                fig.rollbacks_per_turn = round((after.rollbacks - before.rollbacks) / turns, 2)
                fig.cpu_ms_per_turn = round((after.cpu_seconds - before.cpu_seconds) * 1000 / turns, 3)
                if xact is not None:
                    fig.db_commits_per_turn = round((db_commits(database_url) - xact) / turns, 2)
            fig.rss_mb_per_worker = [round(r.rss_bytes / 2**20, 1) for r in rows]
        out.append(fig)
        label = "max" if rate is None else f"{rate:g}/s"
        counted = (f"  CPU/msg {fig.cpu_ms_per_turn} ms  SQL/turn {fig.statements_per_turn}"
                   f"  commits/turn {fig.commits_per_turn}  RSS {fig.rss_mb_per_worker} MB") if probe_dir else ""
        log(f"  {name:9} {label:>7}: {fig.achieved:7.1f} msg/s  p50 {fig.p50_ms:7.1f}"
            f"  p95 {fig.p95_ms:7.1f}  p99 {fig.p99_ms:7.1f} ms  errors {fig.errors}  unexpected {fig.unexpected}"
            + counted)
    return out


def shoppers_needed(rates: list[float], seconds: float, max_seconds: float, ceiling: float = 3000.0) -> int:
    """Enough fresh shoppers for every conversation the run can start (2.3 messages each on average)."""
    return int((sum(rates) * seconds + ceiling * (max_seconds + 8)) / 2) + 2000


def _rates(_ctx: click.Context, _param: click.Parameter, value: str) -> list[float]:
    """--rates parsed while the options are read: a typo is a usage error before the database is dropped."""
    steps: list[float] = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        try:
            rate = float(part)
        except ValueError:
            raise click.BadParameter(f"{part!r} is not a number (messages/s, e.g. 50,100,200)") from None
        if not (math.isfinite(rate) and rate > 0):
            raise click.BadParameter(f"{part!r}: a rate is a number of messages/s above 0")
        steps.append(rate)
    return steps


@click.command("load")
@click.option("--rates", "steps", default="50,100,200,400,800", show_default=True, callback=_rates,
              help="Open-loop steps, messages/s, comma-separated.")
@click.option("--seconds", default=10.0, show_default=True, type=FiniteFloatRange(0, min_open=True),
              help="Length of each open-loop step.")
@click.option("--max-seconds", default=15.0, show_default=True, type=FiniteFloatRange(0),
              help="Length of the closed-loop max step (0: none).")
@click.option("--concurrency", default=32, show_default=True, type=click.IntRange(min=1),
              help="Shoppers at once in the max step.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(min=1))
@click.option("--jobs", type=click.Choice(["celery", "inline"]), default="celery", show_default=True)
@click.option("--database-url", default=DEFAULT_DB, show_default=True,
              help="Its schema is dropped and re-created; the database must exist (create database bench).")
@click.option("--redis-url", default=DEFAULT_REDIS, show_default=True)
@click.option("--no-floor", is_flag=True, help="Skip the framework floor.")
@click.option("--no-autoanalyze", is_flag=True,
              help="Don't stand in for autovacuum's ANALYZE on a server that has it off (to see what that costs).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("data/bench"),
              show_default=True)  # fmt: skip
def bench_load(steps: list[float], seconds: float, max_seconds: float, concurrency: int, workers: int, threads: int,
               jobs: str, database_url: str, redis_url: str, no_floor: bool, no_autoanalyze: bool,
               out_dir: Path) -> None:  # fmt: skip
    """Mixed shoppers against gunicorn + PostgreSQL + Redis + Celery, and the framework floor: JSON and a PNG."""
    # The driver and its scripts import the engine (about 2 s on a slow machine): only once the options are good,
    # so a mistyped option is refused at once (tests/review/test_newcomer_review4.py starts the command many times).
    from bot.cli.load.driver import Driver, Target
    from bot.cli.load.scripts import ConversationSource
    from bot.cli.load.seed import prepare
    from bot.cli.load.topology import Topology, free_port, worker_pids
    from bot.config import Settings

    if not steps and not max_seconds:
        raise click.UsageError("nothing to run: give --rates, or a --max-seconds above 0")
    tmp = Path(tempfile.mkdtemp(prefix="parcelbot-load-"))
    topo = Topology(database_url, redis_url, tmp, Settings.from_env().nlu_model_path, workers, threads, jobs)
    n = shoppers_needed(steps, seconds, max_seconds)
    click.echo(f"seeding {n} shoppers into {database_url.split('@')[-1]}; logs in {tmp}")
    try:
        prepare(database_url, n)
    except Exception as exc:
        if not is_store_outage(exc):
            raise
        # not DATABASE_URL, which this command does not read; and the database is not made here, only its schema
        first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [exc.__class__.__name__])[0][:300]
        name = make_url(database_url).database or "bench"
        raise click.ClickException(f"the benchmark's database can't be reached (--database-url): {first}. It must "
                                   f"exist: psql ... -c 'create database {name}'") from None
    load_before = os.getloadavg()
    figures: list[StepFigures] = []
    if not no_floor:
        port = free_port()
        with topo.floor(port) as floor_web:
            target = Target("127.0.0.1", port, topo.auth_token, topo.public_url)
            driver = Driver(target, ConversationSource(10**9, mix=("where_sms",)), check=False)
            asyncio.run(driver.closed(8, 2.0))  # warm-up, not reported
            figures += asyncio.run(run_steps(driver, "floor", steps, seconds, max_seconds, concurrency,
                                             probe_dir=topo.floor_probe_dir, sessions={"web": floor_web.pid},
                                             log=click.echo))  # fmt: skip
    port = free_port()
    # autovacuum's ANALYZE when the server has it off (autoanalyze.py)
    with topo.bot(port) as web, standing_in(database_url, off=no_autoanalyze) as analyzer:
        target = Target("127.0.0.1", port, topo.auth_token, topo.public_url)
        driver = Driver(target, ConversationSource(n), read_code=code_reader(database_url))
        asyncio.run(driver.closed(8, 3.0))  # warm-up: the model, pools, caches; not reported
        figures += asyncio.run(run_steps(driver, "parcelbot", steps, seconds, max_seconds, concurrency,
                                         probe_dir=topo.probe_dir, database_url=database_url,
                                         sessions=topo.sessions(), log=click.echo))
        pids = worker_pids(web.pid)
    rates_text = ",".join(f"{r:g}" for r in steps)
    meta = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()], "workers": workers, "threads": threads,
            "jobs": jobs, "database": database_url.split("@")[-1], "driver": database_url.split(":", 1)[0],
            "worker_pids": pids, "autoanalyze": analyzer.as_json(),
            "command": f"parcelbot bench load --rates {rates_text} --seconds {seconds:g} --max-seconds {max_seconds:g} "
                       f"--concurrency {concurrency} --workers {workers} --threads {threads} --jobs {jobs}"}
    report = as_json(meta, figures)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "load.json").write_text(json.dumps(report, indent=2))
    plot(figures, out_dir / "load.png", f"parcelbot bench load, {meta['when']}, {workers} workers x {threads} threads")
    s = report["summary"]
    click.echo(f"sustained: parcelbot {s['parcelbot_sustained']} msg/s, floor {s['floor_sustained']} msg/s, "
               f"ratio {s['ratio_to_floor']}; CPU per message: parcelbot {s['parcelbot_cpu_ms_per_message']} ms, "
               f"floor {s['floor_cpu_ms_per_message']} ms; p99 at 200/s {s['parcelbot_p99_ms_at_200']} ms; "
               f"RSS max {s['max_rss_mb_per_worker']} MB/worker -> {out_dir}/load.json, load.png")
    at_max = s["parcelbot_cpu_ms_per_message_at_max"]
    if at_max:
        click.echo("CPU a message in the max step, ms: " + ", ".join(f"{k} {v}" for k, v in at_max.items()))
