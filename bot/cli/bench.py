"""`parcelbot bench ...`: benchmarks that print figures (tests assert behaviour, never timings).

    bench engine   whole-bot throughput: signed SMS webhooks through NLU, flows and the database
    bench nlu      NLU training time, size, load time and single-message latency
    bench clinc    CLINC150 Full accuracy through our training path
    bench load     the production topology under mixed shoppers, beside the framework floor (bot/cli/load/)
    bench turn     what one turn of those conversations costs: statements, Python calls, CPU (bot/cli/load/turn.py)

`bench engine` builds a throwaway database (SQLite under a temp dir unless --database-url is given), seeds the demo,
and posts N messages the way Twilio would (signed form posts through the WSGI app, in-process), from the
demo numbers, with a mix of texts. It prints messages per second and per-message latency percentiles.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click

TEXTS = ("where's my parcel", "hi", "when will it arrive?", "thanks!", "what can you do", "is it out for delivery")
SENDERS = ("+447700900123", "+447700900456", "+447700900321", "+447700900987")
EMBEDDINGS = ["wordllama", "minilm", "minilm-onnx", "none"]  # minilm: numpy; minilm-onnx: onnxruntime


@click.group()
def bench() -> None:
    """Benchmarks that print figures."""


@bench.command("engine")
@click.option("-n", "--messages", default=2000, show_default=True, type=click.IntRange(min=1))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(min=1))
@click.option("--database-url", default=None, help="default: a fresh SQLite file in a temp dir")
def bench_engine(messages: int, threads: int, database_url: str | None) -> None:
    """Throughput of the whole bot on signed SMS webhooks."""
    from backend.db import transaction, upgrade
    from bot.config import Settings
    from bot.runtime import build_runtime
    from bot.services.demo import seed_demo
    from bot.web import create_app

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


@bench.command("nlu")
@click.option("--data", "data", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Training data (default: training_data/nlu).")  # fmt: skip
@click.option("--messages", "messages", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Messages to time (default: training_data/test, else the training data).")  # fmt: skip
@click.option("--embeddings", type=click.Choice(EMBEDDINGS), default="wordllama")
@click.option("--cascade", is_flag=True, help="Fast model + MiniLM (onnxruntime) for what it is unsure of.")
@click.option("--json", "as_json", is_flag=True)
def bench_nlu(data: tuple[Path, ...], messages: tuple[Path, ...], embeddings: str, cascade: bool,
              as_json: bool) -> None:  # fmt: skip
    """Train time, model size, load time and single-message latency (p50/p99)."""
    import intents
    from intents.bench import run_latency
    from intents.loader import load_training_data

    with tempfile.TemporaryDirectory(prefix="nlu-bench-") as tmp:
        config = intents.ModelConfig(embeddings=embeddings, cascade=cascade)
        try:
            report = intents.train(list(data) or intents.default_training_paths(), Path(tmp) / "model", config)
        except intents.ModelError as exc:  # an optional encoder that is not installed
            raise click.ClickException(str(exc)) from None
        msg_paths = list(messages) or [p for p in intents.default_test_paths() if p.exists()]
        texts = [e.text for e in load_training_data(msg_paths).examples] if msg_paths else []
        texts = texts or [e.text for e in load_training_data(list(data) or intents.default_training_paths()).examples]
        lat = run_latency(Path(tmp) / "model", texts)
    out = {"train_seconds": report["seconds"], "model_bytes": report["model_bytes"],
           "n_examples": report["n_examples"], **lat}  # fmt: skip
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(f"training            {out['train_seconds']:.2f} s ({out['n_examples']} examples)")
    click.echo(f"model size          {out['model_bytes'] / 1e6:.2f} MB")
    click.echo(f"model load          {out['load_seconds']:.3f} s")
    click.echo(f"intent latency      p50 {out['intent_p50_ms']:.2f} ms  p99 {out['intent_p99_ms']:.2f} ms"
               f"  (CPU time p50 {out['intent_cpu_p50_ms']:.2f}, p99 {out['intent_cpu_p99_ms']:.2f} ms;"
               f" load average {out['load_average']:.1f})")  # fmt: skip
    click.echo(f"full parse latency  p50 {out['parse_p50_ms']:.2f} ms  p99 {out['parse_p99_ms']:.2f} ms"
               f"  (intent + entities, {out['n_messages']} messages)")  # fmt: skip


@bench.command("clinc")
@click.option("--data", "data", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CLINC150 data_full.json")  # fmt: skip
@click.option("--classifier", type=click.Choice(["logreg", "linearsvc", "sgd"]), default="logreg")
@click.option("--embeddings", type=click.Choice(EMBEDDINGS), default="wordllama")
@click.option("--cascade", is_flag=True, help="Fast model + MiniLM (onnxruntime) for what it is unsure of.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--export", "export", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Only write the splits as Rasa YAML here (train/, test/) for `nlu train` / `nlu test`.")  # fmt: skip
def bench_clinc(data: Path, classifier: str, embeddings: str, cascade: bool, as_json: bool,
                export: Path | None) -> None:  # fmt: skip
    """CLINC150 Full: train (train + oos_train) and test (test + oos_test) through our train path."""
    import intents
    from intents.bench import PAPER_CLINC_FULL, clinc_to_rasa, run_clinc

    if export is not None:
        train_dir, test_dir = clinc_to_rasa(data, export)
        click.echo(f"wrote {train_dir}/nlu.yml and {test_dir}/nlu.yml; then:")
        how = " --cascade" if cascade else ""
        click.echo(f"  parcelbot nlu train --data {train_dir} --out {export}/model --embeddings {embeddings}{how}")
        click.echo(f"  parcelbot nlu test --model {export}/model --data {test_dir}")
        if not cascade:
            click.echo("(docs/nlu.md's cascade row is --cascade; it needs scripts/setup --minilm)")
        return
    c = 0.5 if classifier == "linearsvc" else 10.0
    try:
        r = run_clinc(data, intents.ModelConfig(classifier=classifier, embeddings=embeddings, c=c, cascade=cascade))
    except intents.ModelError as exc:  # an optional encoder that is not installed
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(r, indent=2))
        return
    click.echo(f"CLINC150 Full, {r['n_test']} test queries; trained in {r['train_seconds']:.1f} s, "
               f"model {r['model_bytes'] / 1e6:.1f} MB")  # fmt: skip
    if r["cascade"]:
        rt = r["cascade"]["routing"]
        click.echo(f"cascade: MiniLM answers when the fast model's top probability < {rt['threshold']:.3f} "
                   f"({100 * rt['cv_route_rate']:.1f} % of CV messages, "
                   f"{100 * r['route_rate']:.1f} % of test)")  # fmt: skip
    click.echo(f"{'classifier':<34} {'in-scope acc':>12} {'oos recall':>10} {'p50 ms':>7} {'p99 ms':>7}")
    ours = f"parcelbot ({classifier}+{embeddings}{' cascade' if cascade else ''})"
    click.echo(f"{ours:<34} {100 * r['in_scope_accuracy']:>12.1f} {100 * r['oos_recall']:>10.1f} "
               f"{r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f}")  # fmt: skip
    click.echo(f"(latency: one message at a time, in-process, intent only; CPU time p50 {r['cpu_p50_ms']:.2f} ms, "
               f"p99 {r['cpu_p99_ms']:.2f} ms; load average {r['load_average']:.1f})")  # fmt: skip
    click.echo("paper (oos as a class | by threshold):")
    for name, cls, thr in PAPER_CLINC_FULL:
        click.echo(f"  {name:<32} {cls[0]:>12.1f} {cls[1]:>10.1f}   | {thr[0]:.1f} / {thr[1]:.1f}")


def _add_load() -> None:
    """`bench load` and `bench turn` live in bot/cli/load/ (their own package: driver, topology, probe, report)."""
    from bot.cli.load import bench_load
    from bot.cli.load.turn import bench_turn

    bench.add_command(bench_load)
    bench.add_command(bench_turn)


_add_load()
