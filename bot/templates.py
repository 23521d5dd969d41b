"""The bot only ever says what its templates say.

Templates are Rasa-style `responses:` in training_data/responses/*.yml; a merchant can override any of
them (white-label wording) in merchant.settings["responses"]. Values put into a template are cleaned
first, so nothing a shopper typed is echoed back raw.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.config import REPO_ROOT

RESPONSES_DIR = REPO_ROOT / "training_data" / "responses"
_UNSAFE = re.compile(r"[<>\u0000-\u001f\u007f]")
MAX_VALUE = 320


class MissingTemplate(KeyError):
    pass


@lru_cache(maxsize=4)
def load_responses(directory: Path = RESPONSES_DIR) -> dict[str, str]:
    """Read every responses file once; the first text variant of each response is the one used."""
    responses: dict[str, str] = {}
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, variants in (data.get("responses") or {}).items():
            if key in responses:
                raise ValueError(f"response {key} defined twice (second time in {path.name})")
            if not variants or "text" not in variants[0]:
                raise ValueError(f"response {key} in {path.name} has no text")
            responses[key] = variants[0]["text"]
    return responses


def clean_value(value: Any) -> str:
    """A value fit to put in front of a shopper or a driver: printable, no markup, bounded."""
    text = _UNSAFE.sub("", str(value))
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


class Rendered(str):
    """Text that came out of render(): safe to nest inside another template without cleaning again."""


class _PlainNames(string.Formatter):
    """Only {name} fields: a merchant's wording can't reach attributes or items ({brand.__class__})."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        if not field_name.isidentifier():
            raise ValueError(f"template field {{{field_name}}} is not a plain name")
        return super().get_field(field_name, args, kwargs)


class _Values(dict):
    def __missing__(self, key: str) -> str:  # a missing value renders empty rather than crashing a reply
        return ""


def render(key: str, overrides: dict[str, str] | None = None, **values: Any) -> str:
    template = (overrides or {}).get(key) or load_responses().get(key)
    if template is None:
        raise MissingTemplate(key)
    safe = _Values({k: v if isinstance(v, Rendered) else clean_value(v) for k, v in values.items()})
    return Rendered(_PlainNames().vformat(template, (), safe).strip())


def render_lines(lines: list[str]) -> Rendered:
    """Join already-rendered lines (a numbered list, say) into one nestable block."""
    if not all(isinstance(line, Rendered) for line in lines):
        raise TypeError("render_lines takes only rendered text")
    return Rendered("\n".join(lines))
