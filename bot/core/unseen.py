"""One rule for the characters nobody should be handed: controls, format characters (bidi overrides such as
U+202E, zero-width joiners and spaces, the BOM, tag characters), lone surrogates, and line or paragraph
separators.

Why by Unicode category rather than a list of ranges: the lists this replaced (three, each a little
different) each missed some (U+061C, the Arabic letter mark, is a bidi control outside every range they had;
C1 controls; U+2028), and a category is what the Unicode standard itself says a character is for. A U+202E
in a name or a note would reverse the rest of an SMS on the shopper's phone ("Sam" + U+202E + "..."), so
everything a shopper, an agent, a driver or a carrier hands us passes through here before anyone reads it.
"""

from __future__ import annotations

import unicodedata

_GONE = frozenset({"Cc", "Cf", "Cs"})
_BREAK = frozenset({"Zl", "Zp"})  # U+2028, U+2029: a break, so the words either side stay apart
# Format characters that are part of what is written, not hidden instructions: the zero-width joiner and non-joiner
# (👨‍👩‍👧, Persian names such as محمد‌رضا) and the tag characters of the Welsh and Scottish flags (review 5).
_KEPT = frozenset("\u200c\u200d") | frozenset(chr(c) for c in range(0xE0020, 0xE0080))
_NEXT_LINE = "\u0085"  # a control, but a line break in effect: the words either side stay apart


def without_unseen(text: str, *, keep: str = "") -> str:
    """`text` without control, format or surrogate characters (those in `keep` stay: "\\n" for a message
    that may have lines), and with line and paragraph separators as a plain space."""
    if text.isprintable():  # the usual case, in C: nothing to look at
        return text
    out = []
    for ch in text:
        if ch in keep or ch in _KEPT:
            out.append(ch)
            continue
        kind = unicodedata.category(ch)
        if kind in _BREAK or ch == _NEXT_LINE:
            out.append(" ")
        elif kind not in _GONE:
            out.append(ch)
    return "".join(out)
