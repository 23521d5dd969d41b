"""The real training data through the real train path (shared session model from conftest)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

import intents
from intents.bench import clinc_to_rasa


def test_repo_model_meets_floor_on_test_split(interpreter) -> None:  # noqa: ANN001
    tests = [p for p in intents.default_test_paths() if p.exists() and any(p.glob("*.yml"))]
    if not tests:
        pytest.skip("no test split yet")
    report = intents.evaluate(interpreter, tests)
    # floors well under the measured figures (docs/nlu.md) so data growth doesn't flake the suite
    assert report["accuracy"] >= 0.85
    if report["oos_recall"] is not None:
        assert report["oos_recall"] >= 0.75
        assert report["false_rejection"] <= 0.08


def test_clinc_conversion_shape(tmp_path: Path) -> None:
    import json

    src = tmp_path / "mini.json"
    src.write_text(json.dumps({
        "train": [["book a flight", "book_flight"], ["fly me to rome", "book_flight"]],
        "oos_train": [["how tall is a giraffe", "oos"]],
        "test": [["get me a flight", "book_flight"]],
        "oos_test": [["sing", "oos"]],
    }))  # fmt: skip
    train, test = clinc_to_rasa(src, tmp_path / "out")
    from intents.loader import load_training_data

    tr = load_training_data([train])
    assert tr.intents == ["book_flight", "out_of_scope"] and len(tr.examples) == 3
    assert sorted(e.intent for e in load_training_data([test]).examples) == ["book_flight", "out_of_scope"]


def _words(text: str) -> str:
    text = text.lower().replace("'", "").replace("\u2019", "")
    spaced = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text)
    return " ".join(spaced.split())


def test_same_words_ignores_case_and_punctuation_only() -> None:
    assert _words("REFUND???") == _words("refund??") == "refund"
    assert _words("that's wrong") == _words("thats  wrong!")
    assert _words("thanks loads ❤️") != _words("thanks loads") and _words("wen") != _words("when")


@pytest.mark.parametrize("split", ["test", "dev", "holdout", "holdout_hard"])
def test_held_out_sets_share_no_message_with_the_training_data(split: str) -> None:
    """A held-out message that is also a training example measures memory, not generalisation.

    "The same" ignores case and punctuation ("REFUND???" is "refund??"), not emoji or spelling.
    """
    from intents.loader import load_training_data

    root = intents.REPO_ROOT / "training_data"
    trained = {_words(e.text) for e in load_training_data(intents.default_training_paths()).examples}
    held = load_training_data([root / split]).examples
    assert len(held) > 300
    leaked = sorted({e.text for e in held if _words(e.text) in trained})
    assert leaked == [], f"{len(leaked)} {split} messages are also training examples: {leaked[:10]}"
