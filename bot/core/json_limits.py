"""How deep a JSON body may nest before we refuse to parse it.

Python's json parser recurses once per level: a body nested ~1,000 deep overflows it (RecursionError, a 500
where every other malformed body gets a 400). A request we serve is never more than a few levels deep, so
every JSON body - the REST channel's and every web request's (bot/web/request.py) - is measured first.
"""

from __future__ import annotations

import re

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
