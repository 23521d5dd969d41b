"""The wording service: the one path from a template name to the words a shopper reads.

    Wording.render(key, merchant=..., channel=..., **values)  ->  text

Every message the bot sends (replies, notifications, one-time codes, slow-carrier follow-ups, handoff texts,
the carrier's reasons) goes through here, so the rules hold everywhere at once:

- defaults are Rasa-style `responses:` shipped inside the package (training_data/responses/*.yml); a
  response may have per-channel variants (`channel: rest`, as in Rasa), chosen when the message goes to that
  channel, else the first variant without a channel;
- a merchant overrides any template in merchant.settings["responses"] (for every channel, or per channel:
  {"default": ..., "sms": ...}); the most specific wins: merchant+channel, merchant, default+channel, default;
- `{brand}` is always the merchant's brand name (white label), whoever renders;
- values are cleaned before they go in (nothing a shopper typed is echoed back raw), and templates may use
  plain `{name}` fields only (a merchant's wording can't reach attributes: `{brand.__class__}` is refused),
  and `{name|one/many}` to agree with a value ("Your {parcel} {parcel|is/are} on the way": bot/core/grammar.py).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from backend import models as m
from backend.reasons import Reason
from bot.core.grammar import agree
from bot.core.merchant_config import MerchantConfig
from bot.core.sms import plain_punctuation
from bot.core.unseen import without_unseen
from training_data import data_path

_MARKUP = re.compile(r"[<>]")
MAX_VALUE = 320


class MissingTemplate(KeyError):
    pass


@dataclass(frozen=True)
class Template:
    key: str
    text: str
    by_channel: Mapping[str, str]
    source: str = ""  # the file it is defined in ("leave_with_neighbour"): how the merchant console groups them

    def for_channel(self, channel: str | None) -> str:
        return self.by_channel.get(channel or "", self.text)


def responses_dir() -> Path:
    return data_path("responses")


@lru_cache(maxsize=4)
def load_catalogue(directory: Path | None = None) -> Mapping[str, Template]:
    """Every default response, read once. A key defined twice, or with no text, is refused."""
    directory = directory or responses_dir()
    catalogue: dict[str, Template] = {}
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, variants in (data.get("responses") or {}).items():
            if key in catalogue:
                raise ValueError(f"response {key} defined twice (second time in {path.name})")
            plain = [v["text"] for v in variants or () if isinstance(v, dict) and "text" in v and not v.get("channel")]
            if not plain:
                raise ValueError(f"response {key} in {path.name} has no text for every channel")
            channels = {str(v["channel"]): v["text"] for v in variants if isinstance(v, dict) and v.get("channel")}
            catalogue[key] = Template(key, plain[0], channels, path.stem)
    return catalogue


def clean_value(value: Any) -> str:
    """A value fit to put in front of a shopper or a driver: printable, no markup, bounded."""
    # Line breaks are spaces; a control or format character goes (a U+202E would reverse the rest of the SMS).
    text = without_unseen(" ".join(_MARKUP.sub("", plain_punctuation(str(value))).split()))
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3] + "..."


class Rendered(str):
    """Text that came out of the wording service: safe to nest inside another template without cleaning again."""


class _PlainNames(string.Formatter):
    """Only {name} fields: a merchant's wording can't reach attributes or items ({brand.__class__})."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        chosen = agree(field_name, kwargs)  # {parcel|is/are}: bot/core/grammar.py
        if chosen is not None:
            return chosen, field_name
        if not field_name.isidentifier():
            raise ValueError(f"template field {{{field_name}}} is not a plain name")
        return super().get_field(field_name, args, kwargs)


class _Values(dict):
    def __missing__(self, key: str) -> str:  # a missing value renders empty rather than crashing a reply
        return ""


def fill(template: str, values: Mapping[str, Any]) -> Rendered:
    """Put cleaned values into one template text."""
    safe = _Values({k: v if isinstance(v, Rendered) else clean_value(v) for k, v in values.items()})
    return Rendered(_PlainNames().vformat(template, (), safe).strip())


def render_lines(lines: list[str]) -> Rendered:
    """Join already-rendered lines (a numbered list, say) into one nestable block."""
    if not all(isinstance(line, Rendered) for line in lines):
        raise TypeError("render_lines takes only rendered text")
    return Rendered("\n".join(lines))


def _override(responses: Mapping[str, Any], key: str, channel: str | None) -> str | None:
    value = responses.get(key)
    if isinstance(value, str) and value:
        return value
    if isinstance(value, Mapping):
        chosen = value.get(channel or "") or value.get("default")
        return chosen if isinstance(chosen, str) and chosen else None
    return None


class Wording:
    """template name + merchant + channel -> text. Stateless but for the catalogue it reads once."""

    def __init__(self, catalogue: Mapping[str, Template] | None = None) -> None:
        self._catalogue = catalogue

    @property
    def catalogue(self) -> Mapping[str, Template]:
        return self._catalogue if self._catalogue is not None else load_catalogue()

    def has(self, key: str) -> bool:
        return key in self.catalogue

    def template(self, key: str, config: MerchantConfig, channel: str | None) -> str:
        """The text a key renders from, for this merchant and channel (most specific first)."""
        chosen = _override(config.responses, key, channel)
        if chosen is not None:
            return chosen
        default = self.catalogue.get(key)
        if default is None:
            raise MissingTemplate(key)
        return default.for_channel(channel)

    def render(self, key: str, *, merchant: m.Merchant | MerchantConfig | None, channel: str | None = None,
               **values: Any) -> Rendered:
        config = merchant if isinstance(merchant, MerchantConfig) else MerchantConfig.of(merchant)
        values.setdefault("brand", config.brand_name)
        return fill(self.template(key, config, channel), values)

    def voice(self, merchant: m.Merchant | MerchantConfig | None, channel: str | None = None) -> Voice:
        config = merchant if isinstance(merchant, MerchantConfig) else MerchantConfig.of(merchant)
        return Voice(self, config, channel)


@dataclass(frozen=True)
class Voice:
    """The wording service bound to one merchant and one channel: what a turn or a job speaks with."""

    wording: Wording
    config: MerchantConfig
    channel: str | None = None

    def __call__(self, key: str, **values: Any) -> Rendered:
        return self.wording.render(key, merchant=self.config, channel=self.channel, **values)

    def has(self, key: str) -> bool:
        return self.wording.has(key) or key in self.config.responses

    def on(self, channel: str | None) -> Voice:
        return Voice(self.wording, self.config, channel)

    def reason(self, code: Reason | None, free_text: str | None = None) -> Rendered:
        """Why not, in the merchant's voice: our code's template (with its second sentence, if any), else the
        carrier's own words as they came (cleaned), else `reason_unknown`. Nestable in {reason}."""
        coded = self._coded(code)
        if coded:
            return coded
        if free_text and free_text.strip():
            return Rendered(clean_value(free_text))
        return self("reason_unknown")

    def _coded(self, code: Reason | None) -> Rendered | None:
        """reason_<code> filled with its params; None for a code with no template (a carrier's unknown code)."""
        if code is None or not self.has(f"reason_{code.code}"):
            return None
        values: dict[str, Any] = {k: self._param(k, v) for k, v in code.params.items() if k != "brand"}
        values["brand"] = self.config.brand_name  # a carrier's params never rename the merchant
        text = fill(self.wording.template(f"reason_{code.code}", self.config, self.channel), values)
        more = self._coded(code.also)
        return Rendered(f"{text} {more}") if more else text

    def _param(self, name: str, value: str) -> Any:
        """An `action` is a kind's value, named through label_action_<value>; any other value goes in cleaned."""
        if name == "action":
            label = f"label_action_{value}"
            return self(label) if self.has(label) else clean_value(value).replace("_", " ")
        return value
