"""A small generated Rasa dataset for fast, deterministic NLU tests (written out per test)."""

from __future__ import annotations

import itertools
from pathlib import Path

THINGS = ["parcel", "package", "order", "delivery", "box"]
TEMPLATES = {
    "track": ["where is my {t}", "track my {t}", "when will my {t} arrive", "has my {t} shipped",
              "any news on my {t}", "status of my {t}"],
    "refund": ["i want a refund for my {t}", "refund the {t} please", "give me my money back for the {t}",
               "can i get a refund on my {t}", "money back for {t}", "how do i get refunded for the {t}"],
    "greet": ["hi", "hello", "hey there", "good morning", "hiya", "hello bot", "morning", "hey"],
    "out_of_scope": ["what is the weather", "tell me a joke", "who won the football", "play some music",
                     "what is the capital of peru", "how tall is everest", "recommend a film",
                     "what's 2 plus 2", "sing me a song", "who is the prime minister"],
}  # fmt: skip


def examples() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for intent, templates in TEMPLATES.items():
        rows = [t.format(t=thing) for t, thing in itertools.product(templates, THINGS)]
        out[intent] = sorted(set(rows))
    return out


def write(dir_: Path, extra: str = "") -> Path:
    lines = ['version: "3.1"', "nlu:"]
    for intent, rows in examples().items():
        lines += [f"- intent: {intent}", "  examples: |", *(f"    - {r}" for r in rows)]
    dir_.mkdir(parents=True, exist_ok=True)
    path = dir_ / "nlu.yml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path
