from __future__ import annotations

from pathlib import Path

import pytest

from intents.loader import EntitySpan, TrainingDataError, load_training_data, parse_annotated

RASA_YAML = '''version: "3.1"
nlu:
- intent: where_is_my_order
  examples: |
    - where is order [#100234](order_number)
    - track [PB123456789GB](tracking_number) for me
    - "quoted: [tmrw](date:tomorrow) please"
- intent: leave_in_safe_place
  examples: |
    - leave it in the [back garden]{"entity": "safe_place", "value": "garden"}
    - put it [behind the bins]{"entity": "safe_place", "role": "where"} thanks
- intent: greet
  examples:
    - hi
    - text: hello there
- synonym: porch
  examples: |
    - front porch
    - Porch Area
- regex: order_number
  examples: |
    - \\#?\\d{5,6}
- lookup: safe_place
  examples: |
    - shed
    - garage
'''


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_annotations_are_stripped_to_plain_text_with_spans() -> None:
    text, spans, syns = parse_annotated("where is order [#100234](order_number) now")
    assert text == "where is order #100234 now"
    assert spans == (EntitySpan("order_number", "#100234", 15, 22),)
    assert text[15:22] == "#100234"
    assert syns == {}


def test_annotation_value_forms_declare_synonyms() -> None:
    text, spans, syns = parse_annotated('[tmrw](date:tomorrow) or [the shed]{"entity": "safe_place", "value": "shed"}')
    assert text == "tmrw or the shed"
    assert [(s.entity, s.value, text[s.start : s.end]) for s in spans] == [
        ("date", "tomorrow", "tmrw"),
        ("safe_place", "shed", "the shed"),
    ]
    assert syns == {"tmrw": "tomorrow", "the shed": "shed"}


def test_json_annotation_keeps_role_and_group() -> None:
    _, spans, _ = parse_annotated('[bins]{"entity": "safe_place", "role": "where", "group": "1"}')
    assert spans[0].role == "where" and spans[0].group == "1" and spans[0].value == "bins"


def test_load_file_sections(tmp_path: Path) -> None:
    data = load_training_data([write(tmp_path, "nlu.yml", RASA_YAML)])
    assert data.intents == ["greet", "leave_in_safe_place", "where_is_my_order"]
    texts = {e.text for e in data.examples}
    assert "quoted: tmrw please" in texts
    assert "hello there" in texts and "hi" in texts
    garden = next(e for e in data.examples if "garden" in e.text)
    assert garden.text == "leave it in the back garden"
    assert garden.entities[0].value == "garden"
    assert data.synonyms["front porch"] == "porch"
    assert data.synonyms["porch area"] == "porch"
    assert data.synonyms["back garden"] == "garden"
    assert data.regexes == {"order_number": [r"\#?\d{5,6}"]}
    assert data.lookups == {"safe_place": ["shed", "garage"]}


def test_directories_are_searched_recursively_and_other_files_ignored(tmp_path: Path) -> None:
    write(tmp_path / "a", "one.yml", RASA_YAML)
    write(tmp_path / "a" / "deeper", "two.yaml", 'nlu:\n- intent: bye\n  examples: |\n    - see ya\n')
    write(tmp_path / "a", "stories.yml", "stories:\n- story: x\n  steps: []\n")
    write(tmp_path / "a", "notes.txt", "- intent: nope")
    data = load_training_data([tmp_path / "a"])
    assert "bye" in data.intents
    assert len(data.examples) == 8


def test_any_intent_names_work(tmp_path: Path) -> None:
    text = 'nlu:\n- intent: chitchat/ask_weather\n  examples: |\n    - is it sunny\n'
    data = load_training_data([write(tmp_path, "x.yml", text)])
    assert data.intents == ["chitchat/ask_weather"]


def test_bad_regex_is_reported_with_file(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yml", "nlu:\n- regex: broken\n  examples: |\n    - ([a-z\n")
    with pytest.raises(TrainingDataError, match="bad.yml"):
        load_training_data([bad])


def test_missing_path_and_bad_lines_raise(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError):
        load_training_data([tmp_path / "nope"])
    bad = write(tmp_path, "bad.yml", "nlu:\n- intent: x\n  examples: |\n    no dash here\n")
    with pytest.raises(TrainingDataError, match="must start with"):
        load_training_data([bad])
