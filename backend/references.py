"""The carrier's own references for what it did (RB-1A2B3C4D for a rebooking, RTN-... for a return)."""

from __future__ import annotations

import secrets


def new_reference(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4).upper()}"
