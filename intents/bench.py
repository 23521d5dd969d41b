"""Benchmarks: single-message latency / load / train figures, and CLINC150 through our own train path.

CLINC150 (Larson et al., 2019) is read from wherever the caller points; it is converted to Rasa YAML in
a temporary directory only, so none of its sentences end up in the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from intents.evaluate import metrics
from intents.loader import load_training_data
from intents.model import ModelConfig
from intents.types import OUT_OF_SCOPE

# The paper's Table 2, "Full" setting: in-scope accuracy / out-of-scope recall (%).
PAPER_CLINC_FULL: list[tuple[str, tuple[float, float], tuple[float, float]]] = [
    ("BERT", (96.9, 40.3), (96.2, 52.3)),
    ("MLP (USE embeddings)", (93.5, 47.4), (93.4, 49.1)),
    ("Rasa (2019 pipeline)", (91.5, 45.3), (90.9, 31.2)),
    ("DialogFlow", (91.7, 14.0), (90.8, 26.7)),
    ("CNN", (91.2, 18.9), (90.9, 30.9)),
    ("SVM", (91.0, 14.5), (88.2, 18.0)),
    ("FastText", (89.0, 9.7), (88.6, 28.3)),
]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else 0.0


def _yaml_quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's), with the characters YAML 1.1 readers take
    for line breaks escaped too, so any text reads back as written, in Rasa and in our loader alike."""
    quoted = json.dumps(text, ensure_ascii=False)
    return quoted.replace("\u0085", "\\N").replace("\u2028", "\\L").replace("\u2029", "\\P")


def clinc_to_rasa(json_path: Path, out_dir: Path) -> tuple[Path, Path]:
    """Write CLINC150 train (+ oos_train as out_of_scope) and test (+ oos_test) as Rasa NLU YAML.

    Written to read back exactly (tests/intents/test_clinc_export.py): intent names are quoted, since
    ``- intent: yes`` is the boolean true to a YAML 1.1 reader and CLINC150 has intents ``yes`` and ``no``;
    each example is a quoted ``text:`` item, so a text with quotes, colons or ``#`` stays the text it was.
    Texts are stripped (Rasa strips them when it reads). Rasa has no escape for its ``[text](entity)``
    markup, so a text containing one would read back as an annotation (CLINC150 has none).
    """
    data = json.loads(Path(json_path).read_text(encoding="utf-8"))
    splits = {"train": data["train"] + data["oos_train"], "test": data["test"] + data["oos_test"]}
    paths = []
    for name, rows in splits.items():
        by_intent: dict[str, list[str]] = {}
        for text, label in rows:
            if str(text).strip():
                by_intent.setdefault(OUT_OF_SCOPE if label == "oos" else str(label), []).append(str(text).strip())
        lines = ['version: "3.1"', "nlu:"]
        for intent, texts in sorted(by_intent.items()):
            lines += [f"- intent: {_yaml_quoted(intent)}", "  examples:",
                      *(f"  - text: {_yaml_quoted(t)}" for t in texts)]  # fmt: skip
        d = out_dir / name
        d.mkdir(parents=True, exist_ok=True)
        (d / "nlu.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(d)
    return paths[0], paths[1]


def run_clinc(json_path: Path, config: ModelConfig | None = None) -> dict[str, Any]:
    """Train on CLINC150 Full through ``intents.train`` and score the test split + oos_test.

    The model is loaded with ``intents.load_interpreter``, as the bot and ``nlu predict`` load it (a
    cascade directory loads as a cascade), and each test message is classified alone, in-process, so the
    latency percentiles are those of one shopper's message, not of a batch. Wall-clock and CPU time
    (this thread's; the single-message path runs on one thread) are both kept: on a shared machine the
    wall clock also counts the time other processes held the cores, the CPU time only our own work.
    """
    import intents

    with tempfile.TemporaryDirectory(prefix="clinc150-") as tmp:
        train_dir, test_dir = clinc_to_rasa(json_path, Path(tmp))
        report = intents.train([train_dir], Path(tmp) / "model", config)
        interp: Any = intents.load_interpreter("embedded", model_path=Path(tmp) / "model")
        test = load_training_data([test_dir]).examples
        for ex in test[:50]:  # warm caches (BLAS, onnxruntime's first runs), as a running bot would be
            interp.classify(ex.text)
        gold, pred, ms, cpu = [], [], [], []
        for ex in test:
            t0, c0 = time.perf_counter(), time.thread_time()
            got = interp.classify(ex.text).intent
            ms.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
            gold.append(ex.intent)
            pred.append(got)
        routed = sum(interp.routes(ex.text) for ex in test) / len(test) if hasattr(interp, "routes") and test else None
    m = metrics(gold, pred)
    return {
        "in_scope_accuracy": m["in_scope_accuracy"],
        "oos_recall": m["oos_recall"],
        "accuracy": m["accuracy"],
        "macro_f1": m["macro_f1"],
        "false_rejection": m["false_rejection"],
        "n_test": m["n"],
        "train_seconds": report["seconds"],
        "model_bytes": report["model_bytes"],
        "rules": report["rules"],
        "cascade": report.get("cascade"),
        "route_rate": routed,
        "predict_ms_mean": float(np.mean(ms)) if ms else 0.0,
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "cpu_p50_ms": percentile(cpu, 50),
        "cpu_p99_ms": percentile(cpu, 99),
        "load_average": os.getloadavg()[0],
    }


def cold_load_seconds(model_path: Path) -> float:
    """Import + load in a fresh interpreter, as a starting worker would (embedding table included)."""
    code = (
        "import sys, time; t = time.perf_counter(); import intents; "
        "intents.load_interpreter('embedded', model_path=sys.argv[1]); print(time.perf_counter() - t)"
    )
    argv = [sys.executable, "-c", code, str(model_path)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True)  # noqa: S603 - our own interpreter
    return float(out.stdout.strip().splitlines()[-1])


def run_latency(model_path: Path, texts: list[str], repeat: int = 3) -> dict[str, Any]:
    """Load time (incl. embeddings) and per-message parse latency, full parse and intent-only."""
    import intents

    load_s = cold_load_seconds(model_path)
    interp = intents.load_interpreter("embedded", model_path=model_path)
    for t in texts[:20]:  # warm caches
        interp.parse(t)
    full: list[float] = []
    intent_only: list[float] = []
    intent_cpu: list[float] = []
    for _ in range(repeat):
        for t in texts:
            a = time.perf_counter()
            interp.parse(t)
            b, cb = time.perf_counter(), time.thread_time()
            interp.classify(t)  # type: ignore[attr-defined]
            c, cc = time.perf_counter(), time.thread_time()
            full.append((b - a) * 1000)
            intent_only.append((c - b) * 1000)
            intent_cpu.append((cc - cb) * 1000)
    return {
        "load_seconds": load_s,
        "n_messages": len(full),
        "parse_p50_ms": percentile(full, 50),
        "parse_p99_ms": percentile(full, 99),
        "intent_p50_ms": percentile(intent_only, 50),
        "intent_p99_ms": percentile(intent_only, 99),
        "intent_cpu_p50_ms": percentile(intent_cpu, 50),
        "intent_cpu_p99_ms": percentile(intent_cpu, 99),
        "load_average": os.getloadavg()[0],
    }
