"""Score any interpreter on Rasa-format test data: accuracy, macro-F1, per-intent figures, confusions,
and the two out-of-scope figures that matter for a bot (oos recall and in-scope false rejection)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from intents.loader import Example, load_training_data
from intents.types import OUT_OF_SCOPE


def _predict(interpreter: Any, text: str) -> tuple[str, float, bool]:
    fn = getattr(interpreter, "classify", None) or interpreter.parse
    r = fn(text)
    return r.intent, r.confidence, r.clarify is not None


def metrics(gold: list[str], pred: list[str]) -> dict[str, Any]:
    """Classification figures from parallel lists of gold and predicted intents."""
    n = len(gold)
    labels = sorted(set(gold) | set(pred))
    tp = Counter(g for g, p in zip(gold, pred, strict=True) if g == p)
    gold_n, pred_n = Counter(gold), Counter(pred)
    per: dict[str, dict[str, float]] = {}
    for label in labels:
        prec = tp[label] / pred_n[label] if pred_n[label] else 0.0
        rec = tp[label] / gold_n[label] if gold_n[label] else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[label] = {"precision": prec, "recall": rec, "f1": f1, "support": gold_n[label]}
    in_scope = [(g, p) for g, p in zip(gold, pred, strict=True) if g != OUT_OF_SCOPE]
    oos = [p for g, p in zip(gold, pred, strict=True) if g == OUT_OF_SCOPE]
    confusions = Counter((g, p) for g, p in zip(gold, pred, strict=True) if g != p)
    gold_labels = [lb for lb in labels if gold_n[lb]]
    return {
        "n": n,
        "accuracy": sum(tp.values()) / n if n else 0.0,
        "macro_f1": sum(per[lb]["f1"] for lb in gold_labels) / len(gold_labels) if gold_labels else 0.0,
        "in_scope_accuracy": sum(g == p for g, p in in_scope) / len(in_scope) if in_scope else None,
        "oos_recall": sum(p == OUT_OF_SCOPE for p in oos) / len(oos) if oos else None,
        "false_rejection": sum(p == OUT_OF_SCOPE for _, p in in_scope) / len(in_scope) if in_scope else None,
        "n_in_scope": len(in_scope),
        "n_oos": len(oos),
        "per_intent": per,
        "confusions": [{"gold": g, "predicted": p, "count": c} for (g, p), c in confusions.most_common(15)],
    }


def evaluate_examples(interpreter: Any, examples: Iterable[Example], max_errors: int = 50) -> dict[str, Any]:
    gold: list[str] = []
    pred: list[str] = []
    errors: list[dict[str, Any]] = []
    clarified = 0
    t0 = time.perf_counter()
    for ex in examples:
        intent, conf, clar = _predict(interpreter, ex.text)
        gold.append(ex.intent)
        pred.append(intent)
        clarified += clar
        if intent != ex.intent and len(errors) < max_errors:
            errors.append({"text": ex.text, "gold": ex.intent, "predicted": intent, "confidence": round(conf, 4)})
    out = metrics(gold, pred)
    out["clarify_rate"] = clarified / len(gold) if gold else 0.0
    out["seconds"] = round(time.perf_counter() - t0, 3)
    out["errors"] = errors
    return out


def evaluate(interpreter: Any, data_paths: Iterable[Path | str]) -> dict[str, Any]:
    """Evaluate on every intent example in the Rasa YAML files/directories ``data_paths``."""
    data = load_training_data(data_paths)
    if not data.examples:
        raise ValueError(f"no intent examples found in {list(map(str, data_paths))}")
    return evaluate_examples(interpreter, data.examples)
