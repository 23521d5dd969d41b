"""`parcelbot nlu ...` (train / test / predict, Rasa-style) and `parcelbot bench nlu|clinc`."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import click


def default_model_path() -> Path:
    """The model the bot loads: $PARCELBOT_NLU_MODEL, else <data dir>/models/nlu (as bot.config says)."""
    from bot.config import Settings

    return Settings.from_env().nlu_model_path


def _model_option(f: Any) -> Any:
    return click.option(
        "--model",
        "model",
        type=click.Path(path_type=Path),
        default=None,
        help="Model directory (default: $PARCELBOT_NLU_MODEL or ./data/models/nlu).",
    )(f)


def _load(model: Path | None) -> Any:
    import intents

    path = model or default_model_path()
    try:
        return intents.load_interpreter("embedded", model_path=path)
    except intents.ModelError as exc:
        raise click.ClickException(str(exc)) from exc


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


@click.group()
def nlu() -> None:
    """Train, test and run the embedded NLU model (Rasa 3.x YAML training data)."""


@nlu.command("train")
@click.option("--data", "data", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Training file or directory (repeatable; default: training_data/nlu).")  # fmt: skip
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Model directory to write (default: $PARCELBOT_NLU_MODEL or ./data/models/nlu).")  # fmt: skip
@click.option("--classifier", type=click.Choice(["logreg", "linearsvc", "sgd"]), default="logreg")
@click.option("--embeddings", type=click.Choice(["wordllama", "minilm", "none"]), default="wordllama")
def train_cmd(data: tuple[Path, ...], out: Path | None, classifier: str, embeddings: str) -> None:
    """Train a model from Rasa NLU YAML."""
    import intents

    c = 0.5 if classifier == "linearsvc" else 10.0
    config = intents.ModelConfig(classifier=classifier, embeddings=embeddings, c=c)
    paths = list(data) or intents.default_training_paths()
    try:
        report = intents.train(paths, out or default_model_path(), config)
    except (intents.TrainingDataError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"trained on {report['n_examples']} examples, {len(report['intents'])} intents "
        f"in {report['seconds']:.1f}s -> {report['model_path']} ({report['model_bytes'] / 1e6:.2f} MB)"
    )
    r = report["rules"]
    click.echo(f"out_of_scope threshold {r['threshold']:.2f}, clarify margin {r['margin']:.2f}, "
               f"temperature {r['temperature']:.2f}")  # fmt: skip


@nlu.command("test")
@click.option("--data", "data", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Test file or directory (repeatable; default: training_data/test).")  # fmt: skip
@_model_option
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
def test_cmd(data: tuple[Path, ...], model: Path | None, as_json: bool) -> None:
    """Evaluate a model on held-out Rasa NLU YAML."""
    import intents

    interp = _load(model)
    try:
        report = intents.evaluate(interp, list(data) or intents.default_test_paths())
    except (intents.TrainingDataError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"examples            {report['n']}  ({report['n_in_scope']} in scope, {report['n_oos']} out of scope)")
    click.echo(f"accuracy            {_pct(report['accuracy'])}")
    click.echo(f"macro-F1            {_pct(report['macro_f1'])}")
    click.echo(f"in-scope accuracy   {_pct(report['in_scope_accuracy'])}")
    click.echo(f"out_of_scope recall {_pct(report['oos_recall'])}")
    click.echo(f"false rejection     {_pct(report['false_rejection'])}")
    click.echo(f"clarify rate        {_pct(report['clarify_rate'])}")
    click.echo("")
    click.echo(f"{'intent':<28} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>7}")
    for name, s in sorted(report["per_intent"].items()):
        click.echo(f"{name:<28} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f} {s['support']:>7}")
    if report["confusions"]:
        click.echo("\ntop confusions (gold -> predicted)")
        for c in report["confusions"][:10]:
            click.echo(f"  {c['count']:>3}  {c['gold']} -> {c['predicted']}")


@nlu.command("predict")
@_model_option
@click.option("--timezone", "tz", default=None, metavar="ZONE",
              help="Merchant's IANA time zone for dates (default: $PARCELBOT_TIMEZONE or Europe/London).")  # fmt: skip
@click.option("--region", default="GB", show_default=True, help="Merchant's country: phone numbers, ZIPs vs postcodes.")
@click.option("--order-pattern", default=None, metavar="REGEX", help="The merchant's order-number pattern.")
@click.option("--tracking-pattern", default=None, metavar="REGEX", help="The merchant's tracking-number pattern.")
@click.option("--now", "now", default=None, metavar="ISO-TIME",
              help="Resolve dates as if it were this time (e.g. 2026-12-04T09:00:00+00:00); default: now.")  # fmt: skip
def predict_cmd(model: Path | None, tz: str | None, region: str, order_pattern: str | None,
                tracking_pattern: str | None, now: str | None) -> None:  # fmt: skip
    """Read one message per line on stdin; write one JSON object per line.

    Entities are read with the same merchant context the bot uses (time zone, region, patterns), so
    "tomorrow" and "90210" come out as they would for that merchant.
    """
    context = _context(tz, region, order_pattern, tracking_pattern, now)
    interp = _load(model)
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        click.echo(json.dumps(interp.parse(text, context).to_json(), ensure_ascii=False))


def _context(tz: str | None, region: str, order_pattern: str | None, tracking_pattern: str | None,
             now: str | None) -> Any:  # fmt: skip
    import re
    from datetime import datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from bot.config import Settings
    from intents.context import ParseContext

    zone = tz or Settings.from_env().default_timezone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise click.BadParameter(f"unknown time zone {zone!r}", param_hint="--timezone") from exc
    when = None
    if now is not None:
        try:
            when = datetime.fromisoformat(now)
        except ValueError as exc:
            raise click.BadParameter(f"not an ISO time: {now!r}", param_hint="--now") from exc
        if when.tzinfo is None:
            when = when.replace(tzinfo=ZoneInfo(zone))
    for hint, pattern in (("--order-pattern", order_pattern), ("--tracking-pattern", tracking_pattern)):
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise click.BadParameter(f"not a regular expression: {exc}", param_hint=hint) from exc
    return ParseContext(timezone=zone, now=when, region=region.upper(), order_number_pattern=order_pattern,
                        tracking_number_pattern=tracking_pattern)  # fmt: skip


@click.command("bench_nlu")
@click.option("--data", "data", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Training data (default: training_data/nlu).")  # fmt: skip
@click.option("--messages", "messages", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Messages to time (default: training_data/test, else the training data).")  # fmt: skip
@click.option("--embeddings", type=click.Choice(["wordllama", "minilm", "none"]), default="wordllama")
@click.option("--json", "as_json", is_flag=True)
def bench_nlu(data: tuple[Path, ...], messages: tuple[Path, ...], embeddings: str, as_json: bool) -> None:
    """Train time, model size, load time and single-message latency (p50/p99)."""
    import intents
    from intents.bench import run_latency
    from intents.loader import load_training_data

    with tempfile.TemporaryDirectory(prefix="nlu-bench-") as tmp:
        config = intents.ModelConfig(embeddings=embeddings)
        report = intents.train(list(data) or intents.default_training_paths(), Path(tmp) / "model", config)
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
    click.echo(f"intent latency      p50 {out['intent_p50_ms']:.2f} ms  p99 {out['intent_p99_ms']:.2f} ms")
    click.echo(f"full parse latency  p50 {out['parse_p50_ms']:.2f} ms  p99 {out['parse_p99_ms']:.2f} ms"
               f"  (intent + entities, {out['n_messages']} messages)")  # fmt: skip


@click.command("bench_clinc")
@click.option("--data", "data", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CLINC150 data_full.json")  # fmt: skip
@click.option("--classifier", type=click.Choice(["logreg", "linearsvc", "sgd"]), default="logreg")
@click.option("--embeddings", type=click.Choice(["wordllama", "minilm", "none"]), default="wordllama")
@click.option("--json", "as_json", is_flag=True)
@click.option("--export", "export", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Only write the splits as Rasa YAML here (train/, test/) for `nlu train` / `nlu test`.")  # fmt: skip
def bench_clinc(data: Path, classifier: str, embeddings: str, as_json: bool, export: Path | None) -> None:
    """CLINC150 Full: train (train + oos_train) and test (test + oos_test) through our train path."""
    import intents
    from intents.bench import PAPER_CLINC_FULL, clinc_to_rasa, run_clinc

    if export is not None:
        train_dir, test_dir = clinc_to_rasa(data, export)
        click.echo(f"wrote {train_dir}/nlu.yml and {test_dir}/nlu.yml; then:")
        click.echo(f"  parcelbot nlu train --data {train_dir} --out {export}/model --embeddings {embeddings}")
        click.echo(f"  parcelbot nlu test --model {export}/model --data {test_dir}")
        if embeddings != "minilm":
            click.echo("(the README's 95.1 / 70.4 row is --embeddings minilm; needs scripts/setup --minilm)")
        return
    c = 0.5 if classifier == "linearsvc" else 10.0
    r = run_clinc(data, intents.ModelConfig(classifier=classifier, embeddings=embeddings, c=c))
    if as_json:
        click.echo(json.dumps(r, indent=2))
        return
    click.echo(f"CLINC150 Full, {r['n_test']} test queries; trained in {r['train_seconds']:.1f} s, "
               f"model {r['model_bytes'] / 1e6:.1f} MB")  # fmt: skip
    click.echo(f"{'classifier':<34} {'in-scope acc':>12} {'oos recall':>10}")
    ours = f"parcelbot ({classifier}+{embeddings})"
    click.echo(f"{ours:<34} {100 * r['in_scope_accuracy']:>12.1f} {100 * r['oos_recall']:>10.1f}")
    click.echo("paper (oos as a class | by threshold):")
    for name, cls, thr in PAPER_CLINC_FULL:
        click.echo(f"  {name:<32} {cls[0]:>12.1f} {cls[1]:>10.1f}   | {thr[0]:.1f} / {thr[1]:.1f}")
