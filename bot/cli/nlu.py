"""`parcelbot nlu train|test|predict`: the embedded NLU, Rasa-style (the benchmarks are in bench.py)."""

from __future__ import annotations

import json
import sys
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


def _backend_option(f: Any) -> Any:
    return click.option(
        "--backend",
        type=click.Choice(["embedded", "rasa"]),
        default=None,
        help="NLU to ask (default: $PARCELBOT_NLU_BACKEND, as the bot does; embedded when --model is given).",
    )(f)


def _load(model: Path | None, backend: str | None = None) -> Any:
    """The interpreter the bot would use: the configured backend (a Rasa server at $RASA_URL, or the
    embedded model), so `nlu test` / `nlu predict` measure what shoppers get. Mistakes are one line."""
    import intents
    from bot.config import ConfigError, Settings

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    chosen = backend or ("embedded" if model else settings.nlu_backend)
    if chosen == "rasa":
        if not settings.rasa_url:
            raise click.ClickException("configuration: the rasa NLU backend needs RASA_URL (e.g. http://rasa:5005)")
        return intents.load_interpreter("rasa", rasa_url=settings.rasa_url)
    try:
        return intents.load_interpreter("embedded", model_path=model or settings.nlu_model_path)
    except intents.ModelError as exc:
        raise click.ClickException(str(exc)) from None


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


@click.group()
def nlu() -> None:
    """Train, test and run the NLU (Rasa 3.x YAML training data); test and predict ask the configured backend."""


@nlu.command("train")
@click.option("--data", "data", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Training file or directory (repeatable; default: training_data/nlu).")  # fmt: skip
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Model directory to write (default: $PARCELBOT_NLU_MODEL or ./data/models/nlu).")  # fmt: skip
@click.option("--classifier", type=click.Choice(["logreg", "linearsvc", "sgd"]), default="logreg")
@click.option("--embeddings", type=click.Choice(["wordllama", "minilm", "minilm-onnx", "none"]), default="wordllama",
              help="minilm: numpy, minilm-onnx: onnxruntime (both need scripts/setup --minilm).")  # fmt: skip
@click.option("--cascade", is_flag=True,
              help="Also train MiniLM (onnxruntime) to answer what this model is unsure of (docs/nlu.md).")  # fmt: skip
def train_cmd(data: tuple[Path, ...], out: Path | None, classifier: str, embeddings: str, cascade: bool) -> None:
    """Train a model from Rasa NLU YAML."""
    import intents

    c = 0.5 if classifier == "linearsvc" else 10.0
    config = intents.ModelConfig(classifier=classifier, embeddings=embeddings, c=c, cascade=cascade)
    paths = list(data) or intents.default_training_paths()
    try:
        report = intents.train(paths, out or default_model_path(), config)
    except (intents.TrainingDataError, intents.ModelError, ValueError) as exc:  # ModelError: MiniLM missing
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"trained on {report['n_examples']} examples, {len(report['intents'])} intents "
        f"in {report['seconds']:.1f}s -> {report['model_path']} ({report['model_bytes'] / 1e6:.2f} MB)"
    )
    r = report["rules"]
    click.echo(f"out_of_scope threshold {r['threshold']:.2f}, clarify margin {r['margin']:.2f}, "
               f"temperature {r['temperature']:.2f}")  # fmt: skip
    if report.get("cascade"):
        rt = report["cascade"]["routing"]
        click.echo(f"cascade: MiniLM answers below a top probability of {rt['threshold']:.3f} "
                   f"({100 * rt['cv_route_rate']:.1f} % of CV messages)")  # fmt: skip


@nlu.command("test")
@click.option("--data", "data", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Test file or directory (repeatable; default: training_data/test).")  # fmt: skip
@_model_option
@_backend_option
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
def test_cmd(data: tuple[Path, ...], model: Path | None, backend: str | None, as_json: bool) -> None:
    """Evaluate the configured NLU (or --model / --backend) on held-out Rasa NLU YAML."""
    import intents

    interp = _load(model, backend)
    try:
        report = intents.evaluate(interp, list(data) or intents.default_test_paths())
    except (intents.TrainingDataError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    except intents.NLUUnavailable as exc:
        raise click.ClickException(f"NLU unavailable: {exc}") from None
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
@_backend_option
@click.option("--timezone", "tz", default=None, metavar="ZONE",
              help="Merchant's IANA time zone for dates (default: $PARCELBOT_TIMEZONE or Europe/London).")  # fmt: skip
@click.option("--region", default="GB", show_default=True, help="Merchant's country: phone numbers, ZIPs vs postcodes.")
@click.option("--order-pattern", default=None, metavar="REGEX", help="The merchant's order-number pattern.")
@click.option("--tracking-pattern", default=None, metavar="REGEX", help="The merchant's tracking-number pattern.")
@click.option("--now", "now", default=None, metavar="ISO-TIME",
              help="Resolve dates as if it were this time (e.g. 2026-12-04T09:00:00+00:00); default: now.")  # fmt: skip
def predict_cmd(model: Path | None, backend: str | None, tz: str | None, region: str, order_pattern: str | None,
                tracking_pattern: str | None, now: str | None) -> None:  # fmt: skip
    """Read one message per line on stdin; write one JSON object per line, from the configured NLU.

    Entities are read with the same merchant context the bot uses (time zone, region, patterns), so
    "tomorrow" and "90210" come out as they would for that merchant.
    """
    from intents import NLUUnavailable

    context = _context(tz, region, order_pattern, tracking_pattern, now)
    interp = _load(model, backend)
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        try:
            parsed = interp.parse(text, context)
        except NLUUnavailable as exc:
            raise click.ClickException(f"NLU unavailable: {exc}") from None
        click.echo(json.dumps(parsed.to_json(), ensure_ascii=False))


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
