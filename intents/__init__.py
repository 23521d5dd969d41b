"""Parcelbot NLU: intents + entities from shopper messages, in Rasa's data formats.

    train(paths, out) -> report           load_interpreter("embedded" | "rasa", ...) -> Interpreter
    evaluate(interpreter, paths) -> dict  default_training_paths() / default_test_paths()
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Eager: `intents.evaluate` is a module and a function of the same name; importing the module sets the package's
# attribute to the module, so the function must be bound after it, here, as before.
from intents.evaluate import evaluate

if TYPE_CHECKING:
    from intents.interpreter import Interpreter
    from intents.model import ModelConfig

# Names read from their modules on first use (PEP 562): importing `intents.types` (the core does, for ParseResult)
# imports this package first, and the classifier's modules pull in scipy and scikit-learn, about 0.6 s of a CLI
# command that never parses a message (`parcelbot user add` took 4 s to start).
_LAZY = {
    "CascadeInterpreter": "intents.cascade", "is_cascade": "intents.cascade", "train_dir": "intents.cascade",
    "ParseContext": "intents.context",
    "EmbeddedInterpreter": "intents.interpreter", "Interpreter": "intents.interpreter",
    "TrainingDataError": "intents.loader", "load_training_data": "intents.loader",
    "IntentModel": "intents.model", "ModelConfig": "intents.model", "ModelError": "intents.model",
    "NLUUnavailable": "intents.rasa_http", "RasaHTTPInterpreter": "intents.rasa_http",
    "OUT_OF_SCOPE": "intents.types", "Entity": "intents.types", "IntentScore": "intents.types",
    "ParseResult": "intents.types",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'intents' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

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
    from intents.cascade import train_dir
    from intents.loader import TrainingDataError, load_training_data

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
    from intents.cascade import CascadeInterpreter, is_cascade
    from intents.interpreter import EmbeddedInterpreter
    from intents.model import IntentModel
    from intents.rasa_http import RasaHTTPInterpreter
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
