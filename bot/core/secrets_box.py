"""Secrets a shopper gives for one delivery (gate, door, keypad, key-safe, building codes), sealed at rest.

One way for every path that takes free text for the driver (a note, a safe place, a neighbour, an address
line): the codes are found (bot/core/redaction.py), cut out of the text (or shown as "[code]" in a note),
and sealed, all of a journey's codes in one token, with backend/sealing.py's cipher under a key derived from
settings.secret_key. The token travels with the change as params["access_code_enc"]; only a carrier call
(backend/http_adapter.py, backend/shopify.py) or the reference carrier's driver manifest opens it. It is
never put in a reply, and it is purged once the parcel is delivered (bot/jobs/purge_secrets.py): a code
that outlives its delivery is only a liability.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.sealing import SECRET_FIELD, CodeBox, codes_of, codes_text
from bot.core.redaction import drop_codes, find_access_codes, mask_codes

KINDS_SLOT = "code_kinds"  # what the sealed codes open ("gate", "door"): words for a reply, no secret

__all__ = ["KINDS_SLOT", "SECRET_FIELD", "Kept", "code_box", "kinds_of", "seal", "seal_text", "unseal"]


def code_box(secret_key: str) -> CodeBox:
    """The box for this deployment's access codes (its key is derived from the secret key, never equal to it)."""
    return CodeBox.from_secret(secret_key)


def seal(secret_key: str, plaintext: str) -> str:
    """Encrypt (and authenticate) one secret; the token is safe to store in JSON."""
    return code_box(secret_key).seal(plaintext)


def unseal(secret_key: str, token: str) -> str | None:
    """The secret, or None if the token was tampered with or sealed under another key."""
    return code_box(secret_key).unseal(token)


@dataclass(frozen=True)
class Kept:
    """Free text with its codes taken out, and the slots that now hold them sealed (empty: no code)."""

    text: str
    slots: dict[str, Any]


def seal_text(secret_key: str, text: str, held: Mapping[str, Any] | None = None, *, mask: bool = False,
              fresh: bool = False) -> Kept:
    """Take the codes out of `text` and seal them together with those already `held` (a journey's slots):
    a code for a kind already held replaces it (the last word wins), others add up.

    `mask`: a note keeps its words ("the gate code is [code]"); otherwise the code and the words about it go
    ("behind the side gate, code 3579" -> "behind the side gate"). `fresh`: forget the codes held before
    (a replaced note brings its own).
    """
    codes = find_access_codes(text)
    if not codes:
        return Kept(text, {})
    box = code_box(secret_key)
    token = None if fresh else (held or {}).get(SECRET_FIELD)
    pairs = dict(codes_of(box.unseal(token))) if token else {}
    for code in codes:
        pairs.pop(code.kind, None)
        pairs[code.kind] = code.code
    clean = mask_codes(text, codes) if mask else drop_codes(text)
    sealed = box.seal(codes_text(list(pairs.items())))
    return Kept(clean, {SECRET_FIELD: sealed, KINDS_SLOT: list(pairs)})


def kinds_of(secret_key: str, token: str | None) -> list[str]:
    """What a sealed token's codes open ("gate", "door"), to word a reply without showing any code."""
    return [kind for kind, _ in codes_of(code_box(secret_key).unseal(token))] if token else []
