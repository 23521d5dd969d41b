"""Rasa reads its YAML with 1.2 semantics (ruamel, version 1.2): ``yes``/``no``/``on``/``off`` are text there.

PyYAML's default 1.1 reading turned ``- intent: yes`` into the intent ``True`` and an example ``- 12:30`` into
the number 750; these tests pin the loader to what Rasa would train on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from intents.loader import TrainingDataError, load_training_data, load_yaml

YES_NO = """version: "3.1"
nlu:
- intent: yes
  examples: |
    - yes please
    - sure
- intent: no
  examples: |
    - no thanks
- intent: on
  examples:
    - yes
    - 12:30
    - 2024-01-05
    - '"ok"'
- intent: off
  examples: |
    - turn it off
- synonym: y
  examples: |
    - yep
- lookup: n
  examples: |
    - nope
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "nlu.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_yes_no_on_off_are_intent_names_not_booleans(tmp_path: Path) -> None:
    data = load_training_data([_write(tmp_path, YES_NO)])
    assert data.intents == ["no", "off", "on", "yes"]
    by_intent = {i: [e.text for e in data.examples if e.intent == i] for i in data.intents}
    assert by_intent["yes"] == ["yes please", "sure"]
    assert by_intent["no"] == ["no thanks"]
    assert data.synonyms == {"yep": "y"}
    assert data.lookups == {"n": ["nope"]}


def test_list_examples_stay_the_text_written(tmp_path: Path) -> None:
    """Times and dates in a YAML list are text under 1.2; a quoted item keeps its own quotes."""
    data = load_training_data([_write(tmp_path, YES_NO)])
    assert [e.text for e in data.examples if e.intent == "on"] == ["yes", "12:30", "2024-01-05", '"ok"']


def test_only_true_and_false_are_booleans() -> None:
    doc = load_yaml("a: [yes, No, ON, off, y, n, true, False, TRUE, 0o17, 0x1f, 019, 1.5, ~, null]")
    assert doc["a"] == ["yes", "No", "ON", "off", "y", "n", True, False, True, 15, 31, 19, 1.5, None, None]


def test_pyyaml_itself_is_left_alone() -> None:
    """The 1.2 reading is our loader's own: other YAML readers in the process keep PyYAML's behaviour."""
    load_yaml("a: yes")
    assert yaml.safe_load("a: yes") == {"a": True}


@pytest.mark.parametrize("name", ["true", "False", "null", "''"])
def test_a_name_that_is_not_text_is_refused_with_the_fix(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, f"nlu:\n- intent: {name}\n  examples: |\n    - hello\n")
    with pytest.raises(TrainingDataError, match="quote it"):
        load_training_data([path])
