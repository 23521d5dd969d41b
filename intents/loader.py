"""Read Rasa 3.x NLU YAML (intents, entity annotations, synonyms, regexes, lookups) into plain data.

Parcelbot keeps its training data in Rasa's format so it stays portable to a real Rasa server; this
loader accepts any intent set, any number of files or directories, and ignores non-NLU keys
(stories, rules, responses) so whole Rasa projects can be pointed at it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

YAML_SUFFIXES = (".yml", ".yaml")

# [text](entity) / [text](entity:value) / [text]{"entity": ..., "value": ...}
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+?)\](?:\((?P<paren>[^)]+)\)|(?P<json>\{[^}]*\}))")


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 core-schema scalars, as Rasa reads its files (ruamel, version 1.2).

    PyYAML speaks YAML 1.1, where ``yes``/``no``/``on``/``off``/``y``/``n`` are booleans, ``12:30`` is the
    base-60 number 750 and ``2024-01-05`` a date: ``- intent: yes`` (a CLINC150 intent) would become ``True``
    and a ``12:30`` example a number. Under 1.2 only ``true``/``false`` are booleans and the rest stay text.
    """


def _yaml12_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """1.2 integers: ``010`` is ten (1.1 read it as octal), ``0o10`` is eight, ``0x10`` sixteen."""
    value = loader.construct_scalar(node).lower()
    sign = -1 if value.startswith("-") else 1
    digits = value.lstrip("+-")
    base = {"0o": 8, "0x": 16}.get(digits[:2], 10)
    return sign * int(digits[2:] if base != 10 else digits, base)


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag.rsplit(":", 1)[-1] not in ("bool", "int", "float", "timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+.0123456789"),
):
    Yaml12Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))
Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _yaml12_int)


def load_yaml(text: str) -> Any:
    """Parse YAML the way Rasa does (1.2 scalars); for any Rasa file, NLU, domain or responses."""
    return yaml.load(text, Loader=Yaml12Loader)  # noqa: S506 - a SafeLoader subclass


class TrainingDataError(ValueError):
    """Training data that can't be read as Rasa NLU YAML; says which file and why."""


@dataclass(frozen=True)
class EntitySpan:
    entity: str
    value: str
    start: int
    end: int
    role: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: tuple[EntitySpan, ...] = ()
    source: str = ""


@dataclass
class TrainingData:
    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # lower-case surface form -> canonical value
    regexes: dict[str, list[str]] = field(default_factory=dict)  # name -> patterns
    lookups: dict[str, list[str]] = field(default_factory=dict)  # name -> entries

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples})

    def merge(self, other: TrainingData) -> None:
        self.examples.extend(other.examples)
        self.synonyms.update(other.synonyms)
        for name, pats in other.regexes.items():
            self.regexes.setdefault(name, []).extend(p for p in pats if p not in self.regexes.get(name, []))
        for name, entries in other.lookups.items():
            self.lookups.setdefault(name, []).extend(
                x for x in entries if x not in self.lookups.get(name, [])
            )


def parse_annotated(text: str) -> tuple[str, tuple[EntitySpan, ...], dict[str, str]]:
    """Strip Rasa entity markup; return plain text, entity spans and synonyms declared inline."""
    out: list[str] = []
    spans: list[EntitySpan] = []
    synonyms: dict[str, str] = {}
    pos = 0
    length = 0
    for m in _ANNOTATION.finditer(text):
        before = text[pos : m.start()]
        out.append(before)
        length += len(before)
        surface = m.group("text")
        role = group = None
        if m.group("paren") is not None:
            name, _, value = m.group("paren").partition(":")
            name, value = name.strip(), value.strip()
        else:
            try:
                meta: dict[str, Any] = json.loads(m.group("json"))
            except json.JSONDecodeError as exc:
                raise TrainingDataError(f"bad entity JSON in {text!r}: {exc}") from exc
            name = str(meta.get("entity", "")).strip()
            value = str(meta["value"]) if "value" in meta else ""
            role, group = meta.get("role"), meta.get("group")
        if not name:
            raise TrainingDataError(f"entity annotation without a name in {text!r}")
        if value and value != surface:
            synonyms[surface.lower()] = value
        spans.append(EntitySpan(name, value or surface, length, length + len(surface), role, group))
        out.append(surface)
        length += len(surface)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), tuple(spans), synonyms


def _example_lines(block: Any, where: str) -> list[str]:
    """Rasa allows a '- ' list inside a string block, or a YAML list of strings / {text: ...} dicts.

    A list item is already unquoted by YAML; only a block line can still carry quotes of its own."""
    if block is None:
        return []
    if isinstance(block, str):
        lines = []
        for raw in block.splitlines():
            stripped = raw.strip()
            if not stripped:
                continue
            if not stripped.startswith("-"):
                raise TrainingDataError(f"{where}: example line must start with '- ': {raw!r}")
            lines.append(_unquote(stripped[1:].strip()))
        return lines
    if isinstance(block, list):
        lines = []
        for item in block:
            if isinstance(item, dict):
                lines.append(str(item.get("text", "")).strip())
            else:
                lines.append(str(item).strip())
        return [x for x in lines if x]
    raise TrainingDataError(f"{where}: 'examples' must be a string block or a list")


def _unquote(line: str) -> str:
    if len(line) >= 2 and line[0] == line[-1] and line[0] in "\"'":
        return line[1:-1]
    return line


def _name(value: Any, where: str) -> str:
    """An intent / synonym / regex / lookup name. ``true``, ``false`` and an empty name are refused, as
    Rasa's schema refuses them, rather than silently becoming the intent "True"."""
    if isinstance(value, bool) or value is None or not str(value).strip():
        raise TrainingDataError(f"{where}: name {value!r} is not text; quote it (e.g. \"true\")")
    return str(value).strip()


def load_file(path: Path) -> TrainingData:
    """Load one Rasa YAML file; files without an ``nlu`` key give empty data."""
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TrainingDataError(f"{path}: invalid YAML: {exc}") from exc
    data = TrainingData()
    if not isinstance(doc, dict) or not doc.get("nlu"):
        return data
    if not isinstance(doc["nlu"], list):
        raise TrainingDataError(f"{path}: 'nlu' must be a list")
    for i, item in enumerate(doc["nlu"]):
        where = f"{path}: nlu[{i}]"
        if not isinstance(item, dict):
            raise TrainingDataError(f"{where}: expected a mapping")
        lines = _example_lines(item.get("examples"), where)
        if "intent" in item:
            intent = _name(item["intent"], where)
            for line in lines:
                text, spans, syns = parse_annotated(line)
                data.synonyms.update(syns)
                if text.strip():
                    data.examples.append(Example(text.strip(), intent, spans, str(path)))
        elif "synonym" in item:
            canonical = _name(item["synonym"], where)
            for line in lines:
                data.synonyms[line.lower()] = canonical
        elif "regex" in item:
            data.regexes.setdefault(_name(item["regex"], where), []).extend(lines)
        elif "lookup" in item:
            data.lookups.setdefault(_name(item["lookup"], where), []).extend(lines)
    for name, patterns in data.regexes.items():
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise TrainingDataError(f"{path}: regex {name!r} pattern {pattern!r}: {exc}") from exc
    return data


def iter_yaml_files(paths: Iterable[Path | str]) -> list[Path]:
    """Expand directories (recursively) into their YAML files, in a stable order."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.suffix in YAML_SUFFIXES and f.is_file()))
        elif p.is_file():
            files.append(p)
        else:
            raise TrainingDataError(f"{p}: no such file or directory")
    return files


def load_training_data(paths: Iterable[Path | str]) -> TrainingData:
    """Load and merge every Rasa NLU YAML file found under ``paths``."""
    data = TrainingData()
    for f in iter_yaml_files(paths):
        data.merge(load_file(f))
    return data
