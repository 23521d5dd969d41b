"""The held-out voice sets (training_data/voices_*, docs/nlu.md "Held-out voices") through the session's model,
trained on training_data/nlu: each set stays above a floor a few points under what we measured, and none of its
messages is also a training example (that would measure memory, not generalisation)."""

from __future__ import annotations

import unicodedata

import pytest

import intents
from intents.loader import load_training_data

ROOT = intents.REPO_ROOT / "training_data"
# set -> (accuracy floor, out_of_scope recall floor), a few points (2-3 messages) under the figures in docs/nlu.md
FLOORS = {
    "voices_formal": (0.90, 0.75),
    "voices_non_native": (0.90, 0.85),
    "voices_short": (0.85, 0.70),
    "voices_order_numbers": (0.88, 0.50),
    "voices_other_products": (0.68, 0.68),
}


def _words(text: str) -> str:
    text = text.lower().replace("'", "").replace("\u2019", "")
    return " ".join("".join(" " if unicodedata.category(c).startswith("P") else c for c in text).split())


def test_every_voice_set_has_a_floor() -> None:
    assert {p.name for p in ROOT.glob("voices_*") if p.is_dir()} == set(FLOORS)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_voice_set_shares_no_message_with_the_training_data(name: str) -> None:
    trained = {_words(e.text) for e in load_training_data(intents.default_training_paths()).examples}
    held = load_training_data([ROOT / name]).examples
    assert 40 <= len(held) <= 80
    leaked = sorted({e.text for e in held if _words(e.text) in trained})
    assert leaked == [], f"{len(leaked)} {name} messages are also training examples: {leaked[:10]}"


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_voice_set_meets_its_floor(interpreter, name: str) -> None:  # noqa: ANN001
    report = intents.evaluate(interpreter, [ROOT / name])
    accuracy, oos_recall = FLOORS[name]
    assert report["accuracy"] >= accuracy, report["accuracy"]
    assert report["oos_recall"] >= oos_recall, report["oos_recall"]


# The issue's own examples of misses (paraphrases of public sets'; used here, never trained on).
ISSUE_13 = [
    ("what's the status of purchase 5512", "where_is_my_order"),
    ("can u help me track purchase 5512", "where_is_my_order"),
    ("help me cancel purchase 5512?", "cancel_order"),
    ("still waiting on my reimbursement of $80", "return_or_refund_status"),
    ("was my compensation of $40 processed", "return_or_refund_status"),
    ("I suppose so", "affirm"),
    ("ya i do", "affirm"),
    ("awesome!", "affirm"),
    ("nice", "affirm"),
    ("how many vacation days do I have left", "out_of_scope"),
    ("how do I change my car's oil", "out_of_scope"),
    ("when is the next bank holiday", "out_of_scope"),
    ("change my password", "out_of_scope"),
    ("where can I buy a charger", "out_of_scope"),
]


@pytest.mark.parametrize(("text", "intent"), ISSUE_13, ids=[t for t, _ in ISSUE_13])
def test_issue_13_examples(interpreter, text: str, intent: str) -> None:  # noqa: ANN001
    trained = {_words(e.text) for e in load_training_data(intents.default_training_paths()).examples}
    assert _words(text) not in trained  # read, not remembered
    assert interpreter.parse(text).intent == intent
