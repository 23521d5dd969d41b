"""How deep a JSON body may nest before we refuse to parse it, and the strict reading of one.

Python's json parser recurses once per level: a body nested ~1,000 deep overflows it (RecursionError, a 500
where every other malformed body gets a 400). A request we serve is never more than a few levels deep, so
every JSON body - the REST channel's and every web request's (bot/web/request.py) - is measured first.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32
_JSON_SPECIAL = re.compile(r'[\[\]{}"\\]')


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Does JSON text nest arrays/objects deeper than `limit`? Linear, ignores brackets inside strings."""
    depth, in_string, escaped_at = 0, False, -1
    for match in _JSON_SPECIAL.finditer(text):
        ch, at = match.group(), match.start()
        if in_string:
            if at == escaped_at:
                continue
            if ch == "\\":
                escaped_at = at + 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


class AmbiguousJSON(ValueError):
    """JSON that parses but does not say one thing: a key given twice in one object, or NaN/Infinity (not JSON)."""


def _one_of_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise AmbiguousJSON(f"the key {key!r} is given twice in one object")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise AmbiguousJSON(f"{name} is not a JSON number")


def strict_loads(text: str | bytes) -> Any:
    """json.loads, refusing what RFC 8259 leaves to the parser: a duplicated key (Python's json keeps the last
    value, many parsers the first, so a sender that meant the first was silently read otherwise: review 8) and
    NaN/Infinity. AmbiguousJSON is a ValueError, so every caller's "not JSON" answer (a 400) covers it."""
    return json.loads(text, object_pairs_hook=_one_of_each, parse_constant=_no_constant)
