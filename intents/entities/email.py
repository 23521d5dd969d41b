"""E-mail addresses; the domain is lower-cased, the local part kept as typed (it can be case-sensitive)."""

from __future__ import annotations

import re

from intents.entities._base import Candidate, cand

_EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63})@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24})(?![\w-])"
)


def extract(text: str) -> list[Candidate]:
    if "@" not in text:
        return []
    return [cand("email", f"{m.group(1)}@{m.group(2).lower()}", m.start(), m.end()) for m in _EMAIL.finditer(text)]
