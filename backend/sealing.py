"""Sealed access codes (gate, door, key-safe...): the one cipher the bot seals with and a carrier adapter opens.

It lives in the backend layer because the adapters that hand a code to the driver (backend/http_adapter.py,
backend/shopify.py) and the reference carrier's manifest must open what the bot sealed, and the backend imports
nothing above it. The key is derived from the deployment's secret key (settings.secret_key) with HKDF and a
context of its own, so it never doubles as a signing key; adapters are given only this derived key (a
`CodeBox`), by the registry, never the secret key itself, and a box never shows its key in a log or a repr.

A sealed value opens to plain text "gate: 4821; door: 5678" (what a driver reads). `codes_of`/`codes_text`
convert between that text and (kind, code) pairs.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_FIELD = "access_code_enc"  # noqa: S105 - the params/instructions key of a sealed code, not a secret


class CodeBox:
    """Seals and opens access codes with one derived key; holds no other secret and never prints its key."""

    __slots__ = ("_fernet",)

    def __init__(self, fernet: Fernet) -> None:
        self._fernet = fernet

    @classmethod
    def from_secret(cls, secret_key: str) -> CodeBox:
        return _box(secret_key)

    def seal(self, plaintext: str) -> str:
        """Encrypt (and authenticate) one secret; the token is safe to store in JSON."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def unseal(self, token: str) -> str | None:
        """The secret, or None if the token was tampered with or sealed under another key."""
        try:
            return self._fernet.decrypt(str(token).encode()).decode()
        except (InvalidToken, ValueError, TypeError):
            return None

    def __repr__(self) -> str:
        return "CodeBox(<key hidden>)"


@lru_cache(maxsize=8)
def _box(secret_key: str) -> CodeBox:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"parcelbot.secrets_box", info=b"delivery access codes"
    ).derive(secret_key.encode())
    return CodeBox(Fernet(base64.urlsafe_b64encode(derived)))


_PAIR = re.compile(r"^\s*(?P<kind>[\w -]+?)\s*(?::|\bcode\b)\s*(?P<code>[#*\d][#*\d ]*)\s*$", re.IGNORECASE)


def codes_of(plain: str | None) -> list[tuple[str, str]]:
    """("gate", "4821") pairs from an opened value ("gate: 4821; door: 5678"; older "gate code 4821" too)."""
    out: list[tuple[str, str]] = []
    for part in (plain or "").split(";"):
        found = _PAIR.match(part)
        if found:
            out.append((found.group("kind").strip().lower(), found.group("code").replace(" ", "")))
        elif part.strip():
            out.append(("access", part.strip()))
    return out


def codes_text(pairs: list[tuple[str, str]]) -> str:
    """The opened value for these pairs, as a driver reads it: "gate: 4821; door: 5678"."""
    return "; ".join(f"{kind}: {code}" for kind, code in pairs)
