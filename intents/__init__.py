"""Parcelbot NLU: intents + entities from shopper messages, in Rasa's data formats.

    train(paths, out) -> report           load_interpreter("embedded" | "rasa", ...) -> Interpreter
    evaluate(interpreter, paths) -> dict  default_training_paths() / default_test_paths()
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from intents.cascade import CascadeInterpreter, is_cascade, train_dir
from intents.context import ParseContext
from intents.evaluate import evaluate
from intents.interpreter import EmbeddedInterpreter, Interpreter
from intents.loader import TrainingDataError, load_training_data
from intents.model import IntentModel, ModelConfig, ModelError
from intents.rasa_http import NLUUnavailable, RasaHTTPInterpreter
from intents.types import OUT_OF_SCOPE, Entity, IntentScore, ParseResult

__all__ = [
    "OUT_OF_SCOPE",
    "EmbeddedInterpreter",
    "Entity",
    "IntentScore",
    "Interpreter",
    "ModelConfig",
    "ModelError",
    "NLUUnavailable",
    "ParseContext",
    "ParseResult",
    "RasaHTTPInterpreter",
    "TrainingDataError",
    "default_test_paths",
    "default_training_paths",
    "evaluate",
    "load_interpreter",
    "train",
]

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_training_paths() -> list[Path]:
    """The shipped training data (inside the installed package, so a plain `pip install` can train)."""
    from training_data import data_path

    return [data_path("nlu")]


def default_test_paths() -> list[Path]:
    return [REPO_ROOT / "training_data" / "test"]


def train(data_paths: list[Path], out: Path, config: ModelConfig | None = None) -> dict[str, Any]:
    """Train the embedded model on Rasa NLU YAML files/dirs and save it to the directory ``out``."""
    t0 = time.perf_counter()
    data = load_training_data(data_paths)
    if not data.examples:
        raise TrainingDataError(f"no intent examples found in {[str(p) for p in data_paths]}")
    model, size, extra = train_dir(data, Path(out), config)  # plain, MiniLM on onnxruntime, or cascade
    return {
        "n_examples": len(data.examples),
        "intents": model.labels,
        "seconds": round(time.perf_counter() - t0, 2),
        "model_bytes": size,
        "model_path": str(out),
        "rules": {"threshold": model.rules.threshold, "margin": model.rules.margin,
                  "temperature": model.rules.temperature},
        "classifier": model.config.classifier,
        "embeddings": model.config.embeddings,
        **extra,
    }  # fmt: skip


def load_interpreter(
    backend: str = "embedded",
    model_path: Path | None = None,
    rasa_url: str | None = None,
    timeout: float | tuple[float, float] | None = None,
) -> Interpreter:
    """An interpreter for ``backend``: "embedded" (a model directory) or "rasa" (a Rasa server URL)."""
    if backend == "embedded":
        if model_path is None:
            raise ValueError("model_path is required for the embedded NLU backend")
        if is_cascade(Path(model_path)):  # fast model + MiniLM for the messages it is unsure of
            return CascadeInterpreter.load(Path(model_path))
        return EmbeddedInterpreter(IntentModel.load(Path(model_path)))
    if backend == "rasa":
        if not rasa_url:
            raise ValueError("rasa_url is required for the rasa NLU backend")
        return RasaHTTPInterpreter(rasa_url) if timeout is None else RasaHTTPInterpreter(rasa_url, timeout)
    raise ValueError(f"unknown NLU backend {backend!r}; expected 'embedded' or 'rasa'")
