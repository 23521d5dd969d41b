"""Secrets a shopper gives for one delivery (gate, door, key-safe and building codes), sealed at rest.

A code is encrypted with Fernet under a key derived from settings.secret_key (HKDF with its own context,
so the derived key never doubles as a signing key). It travels only inside that delivery's instructions
("access_code_enc", for the driver's manifest), is never put in a reply, and is purged once the parcel is
delivered or on its way back (bot/jobs/purge_secrets.py): a code that outlives its delivery is only a liability.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_FIELD = "access_code_enc"  # noqa: S105 - a field name, not a secret


@lru_cache(maxsize=8)
def _box(secret_key: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"parcelbot.secrets_box", info=b"delivery access codes"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret_key: str, plaintext: str) -> str:
    """Encrypt (and authenticate) one secret; the token is safe to store in JSON."""
    return _box(secret_key).encrypt(plaintext.encode()).decode()


def unseal(secret_key: str, token: str) -> str | None:
    """The secret, or None if the token was tampered with or sealed under another key."""
    try:
        return _box(secret_key).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None


