"""Does the merchant's wording fit: each override (template_errors), and the name and sign-off (brand_fit)?

{brand} is in many of our texts and the sign-off ends every notification (bot/core/notifications.py signed), so
a long name, or one with a character outside the SMS alphabet (GSM-7: "ë", a curly ’, which make a text UCS-2:
70 characters a text, not 160), makes every one of those texts longer. The name was checked only against the
merchant's own wording overrides (review 4): with none, any name up to the schema's 80 characters was saved,
and texts such as utter_help went out as six. Here the name is checked against every text SMS sends this
merchant, ours and theirs, filled as the wording page fills them: over its segment limit is refused, naming the
texts; a character outside GSM-7 is a warning, as the wording page shows one (a name is the merchant's own, so
our defaults are held to its length only: review 5 found "Zoë" and Hebrew names refused outright).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.notifications import SIGNED_TEMPLATES
from bot.core.sms import not_gsm7
from bot.core.wording import Wording
from bot.services.template_check import MAX_SEGMENTS
from bot.services.templates import ALL, CHANNELS, Templates

LISTED = 4  # texts named in a refusal; the rest are counted


@dataclass(frozen=True)
class BrandFit:
    errors: dict[str, str]  # "name" / "sign_off" -> why it is refused
    warnings: tuple[str, ...] = ()


def brand_fit(wording: Wording, responses: Mapping[str, Any], *, brand: str, sign_off: str | None) -> BrandFit:
    """Every SMS text of this merchant (its override, else our default) filled with `brand`, and each
    notification with `sign_off` after it: which go over MAX_SEGMENTS, blamed on the name or on the sign-off."""
    service = Templates(wording)
    by_name: list[_Broken] = []
    by_sign_off: list[_Broken] = []
    # Our defaults are held to the name's length, not its alphabet: a name is the merchant's own ("Zoë",
    # "חנות דני"), and what UCS-2 costs is a warning; their own texts they can shorten, so those count in full.
    shaped = "".join("x" if not_gsm7(ch) else ch for ch in brand)
    for key in service.names():
        info = service.info(key, responses)
        text = info.effective("sms")
        theirs = "sms" in info.overrides or ALL in info.overrides
        label = f"{key}.sms" if "sms" in info.overrides else key
        plain = service.check(key, "sms", text, responses=responses, brand=brand if theirs else shaped)
        if plain.segments > MAX_SEGMENTS:
            by_name.append(_Broken(theirs, plain.segments, label))
        elif sign_off and _signed(service, key):
            with_it = service.check(key, "sms", text, responses=responses, brand=brand if theirs else shaped,
                                    sign_off=sign_off if theirs else "".join("x" if not_gsm7(c) else c
                                                                             for c in sign_off))
            if with_it.segments > MAX_SEGMENTS:
                by_sign_off.append(_Broken(theirs, with_it.segments, label))
    errors = {}
    if by_name:
        errors["name"] = (f"with this name {_listed(by_name)}: {_fix(brand)}"
                          f"{' (or shorten your texts)' if any(b.theirs for b in by_name) else ''}")
    if by_sign_off:
        errors["sign_off"] = f"with this sign-off {_listed(by_sign_off)}: {_fix(sign_off or '')}"
    warnings = tuple(w for w in (_warning("name", brand), _warning("sign-off", sign_off or "")) if w)
    return BrandFit(errors, warnings)


def _signed(service: Templates, key: str) -> bool:
    """The text ends a notification, whole or as its part (an offer inside "out for delivery")."""
    parent = service.parent(key)
    return key in SIGNED_TEMPLATES or (parent is not None and parent[0] in SIGNED_TEMPLATES)


@dataclass(frozen=True)
class _Broken:
    theirs: bool  # the merchant's own text (they can shorten it), else our default
    segments: int
    label: str  # "utter_help", or "utter_agent_resolved.sms" for their SMS text


def _listed(broken: list[_Broken]) -> str:
    """The merchant's own texts first, then the longest: "2 texts would be too long for SMS (your ...)"."""
    ordered = sorted(broken, key=lambda b: (not b.theirs, -b.segments, b.label))
    shown = "; ".join(f"{'your ' if b.theirs else ''}{b.label}: {b.segments} texts" for b in ordered[:LISTED])
    more = f"; and {len(broken) - LISTED} more" if len(broken) > LISTED else ""
    return (f"{len(broken)} of the bot's messages would be too long for SMS ({shown}{more}; at most "
            f"{MAX_SEGMENTS} texts each)")


def _outside(text: str) -> str:
    odd = not_gsm7(text)
    return " ".join(dict.fromkeys(ch for ch in text if ch in odd))


def _fix(text: str) -> str:
    """What to do: a character outside GSM-7 costs far more than length (a text holds 70, not 160)."""
    odd = _outside(text)
    return (f"write it without {odd} (outside the SMS alphabet, a text holds 70 characters instead of 160; a "
            "straight ' or \" for a curly one), or shorten it") if odd else "shorten it"


def _warning(what: str, text: str) -> str | None:
    odd = _outside(text)
    if not odd:
        return None
    return (f"The {what} has {odd}, outside the SMS alphabet (GSM-7): every text with it is sent as UCS-2, 70 "
            "characters a text instead of 160, so longer texts take more SMS (a straight ' or \" instead of a "
            "curly one fits).")


# -- the merchant's overrides ------------------------------------------------------------------------------------
def template_errors(wording: Wording, responses: Mapping[str, Any], brand: str | None,
                    sign_off: str | None = None) -> dict[str, str]:
    """Every override checked as the Wording page checks it (bot/services/templates.py: known template,
    known variables, required facts kept, GSM-7 and two SMS segments; a notification with the sign-off after
    it): {"responses.key.channel": "..."}."""
    service = Templates(wording)
    errors: dict[str, str] = {}
    for key, value in responses.items():
        if not isinstance(key, str) or not wording.has(key):
            errors[f"responses.{key}"] = "no such template"
            continue
        variants = value if isinstance(value, dict) else {ALL: value}
        for channel, text in variants.items():
            path = f"responses.{key}.{channel}" if isinstance(value, dict) else f"responses.{key}"
            if channel != ALL and channel not in CHANNELS:
                errors[path] = f"channel must be one of {ALL}, {', '.join(CHANNELS)}"
            elif not isinstance(text, str) or not text.strip():
                errors[path] = "must be some text"
            else:
                result = service.check(key, None if channel == ALL else channel, text, responses=responses,
                                       brand=brand, sign_off=sign_off)
                if not result.ok:
                    errors[path] = "; ".join(result.errors().values())
    return errors
