"""Measure classifier candidates on our test split and CLINC150; print the docs/nlu.md table.

    python -m intents.compare [--clinc PATH] [--skip-clinc]

Every candidate goes through the same train() path (normaliser, CV-calibrated rules, saved model), so
the only difference between rows is the feature set and the linear model.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import intents
from intents.bench import percentile, run_clinc
from intents.loader import load_training_data
from intents.model import ModelConfig

CANDIDATES: dict[str, ModelConfig] = {
    "tfidf + LinearSVC": ModelConfig(classifier="linearsvc", embeddings="none", c=0.5),
    "tfidf + SGD (modified huber)": ModelConfig(classifier="sgd", embeddings="none"),
    "tfidf + LogReg": ModelConfig(classifier="logreg", embeddings="none"),
    "tfidf + WordLlama + LinearSVC": ModelConfig(classifier="linearsvc", embeddings="wordllama", c=0.5),
    "tfidf + WordLlama + LogReg (chosen)": ModelConfig(classifier="logreg", embeddings="wordllama"),
}


def ours(config: ModelConfig) -> dict[str, Any]:
    tests = intents.default_test_paths()
    with tempfile.TemporaryDirectory() as tmp:
        report = intents.train(intents.default_training_paths(), Path(tmp) / "m", config)
        interp: Any = intents.load_interpreter("embedded", model_path=Path(tmp) / "m")
        m = intents.evaluate(interp, tests)
        texts = [e.text for e in load_training_data(tests).examples]
        lat = []
        for _ in range(3):
            for t in texts:
                a = time.perf_counter()
                interp.classify(t)
                lat.append((time.perf_counter() - a) * 1000)
    return {
        "accuracy": m["accuracy"], "macro_f1": m["macro_f1"], "oos_recall": m["oos_recall"],
        "false_rejection": m["false_rejection"], "train_s": report["seconds"],
        "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99), "bytes": report["model_bytes"],
    }  # fmt: skip


def table(rows: dict[str, dict[str, Any]], clinc: dict[str, dict[str, Any]]) -> str:
    head = ("| candidate | acc | macro-F1 | oos recall | false rej. | train s | p50 ms | p99 ms | size MB "
            "| CLINC in-scope | CLINC oos rec. | CLINC train s | CLINC MB |")  # fmt: skip
    out = [head, "|" + "---|" * 13]
    for name, r in rows.items():
        c = clinc.get(name)
        cl = (f"{100 * c['in_scope_accuracy']:.1f} | {100 * c['oos_recall']:.1f} | {c['train_seconds']:.0f} | "
              f"{c['model_bytes'] / 1e6:.1f}") if c else "- | - | - | -"  # fmt: skip
        out.append(
            f"| {name} | {100 * r['accuracy']:.1f} | {100 * r['macro_f1']:.1f} | {100 * r['oos_recall']:.1f} | "
            f"{100 * r['false_rejection']:.1f} | {r['train_s']:.1f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
            f"{r['bytes'] / 1e6:.2f} | {cl} |"
        )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clinc", type=Path, default=Path("/work/shared/benchmarks/clinc150/data_full.json"))
    ap.add_argument("--skip-clinc", action="store_true")
    ap.add_argument("--json", type=Path, help="also write raw figures here")
    args = ap.parse_args()
    rows: dict[str, dict[str, Any]] = {}
    clinc: dict[str, dict[str, Any]] = {}
    for name, cfg in CANDIDATES.items():
        rows[name] = ours(cfg)
        print(name, json.dumps(rows[name]), flush=True)
        if not args.skip_clinc and args.clinc.exists():
            clinc[name] = run_clinc(args.clinc, cfg)
            print(name, "CLINC", json.dumps(clinc[name]), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"ours": rows, "clinc": clinc}, indent=2))
    print(table(rows, clinc))


if __name__ == "__main__":
    main()
