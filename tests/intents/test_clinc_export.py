"""`bench clinc --export` files read back exactly: the same intents and texts `bench clinc` scores in memory.

Before, ``- intent: yes`` was written bare, which a YAML 1.1 reader (PyYAML, and our loader then) reads as the
boolean true, so `nlu train` + `nlu test` on the exported files scored a different label set than the JSON.
The sentences below are our own, shaped like the awkward rows of a public intent set.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import yaml

from intents.bench import clinc_to_rasa
from intents.loader import load_training_data

AWKWARD = [
    ("yes", "yes"), ("yes", "yeah that's right"), ("no", "no"), ("no", "nope: not at all"), ("on", "switch it on"),
    ("off", "off"), ("true", "true"), ("null", "~"), ("123", "12:30"), ("book_flight", '"fly me to oslo'),
    ("book_flight", '"quoted all through"'), ("book_flight", "'single'"), ("book_flight", "# not a comment"),
    ("book_flight", "- starts with a dash"), ("book_flight", "is there a travel alert for [country]"),
    ("book_flight", "two  spaces   kept"), ("book_flight", "café ☕ 🙂 naïve"), ("book_flight", "a\u2028b"),
    ("book_flight", "key: value, {braces} & *star"), ("book_flight", "  padded  "),
]  # fmt: skip


def _source(tmp_path: Path) -> Path:
    src = tmp_path / "data.json"
    rows = [[text, label] for label, text in AWKWARD]
    src.write_text(json.dumps({"train": rows, "oos_train": [["how tall is a giraffe", "oos"]],
                               "test": rows[:6], "oos_test": [["sing me a song", "oos"]]}))  # fmt: skip
    return src


def test_exported_files_read_back_as_the_json_says(tmp_path: Path) -> None:
    train, test = clinc_to_rasa(_source(tmp_path), tmp_path / "out")
    got = Counter((e.intent, e.text) for e in load_training_data([train]).examples)
    want = Counter((label, text.strip()) for label, text in AWKWARD)
    assert got == want + Counter({("out_of_scope", "how tall is a giraffe"): 1})
    got_test = Counter((e.intent, e.text) for e in load_training_data([test]).examples)
    assert got_test == Counter(AWKWARD[:6]) + Counter({("out_of_scope", "sing me a song"): 1})


def test_even_a_yaml_1_1_reader_sees_text_names(tmp_path: Path) -> None:
    """PyYAML's own 1.1 reading (what a tool other than ours or Rasa might use) gets the same names."""
    train, _ = clinc_to_rasa(_source(tmp_path), tmp_path / "out")
    doc = yaml.safe_load((train / "nlu.yml").read_text(encoding="utf-8"))
    names = [item["intent"] for item in doc["nlu"]]
    assert all(isinstance(n, str) for n in names)
    assert set(names) == {label for label, _ in AWKWARD} | {"out_of_scope"}
