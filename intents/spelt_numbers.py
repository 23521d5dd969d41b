"""Numbers 1-99 written as words ("five", "twelve", "twenty two", "forty-one"), for a house number said after its
cue ("number five", "no. twelve"): review 12 found older shoppers and shoppers writing in a second language spell
them out, and the classifier (which sees a digit as a number placeholder) and the house-number rules both missed
them. Only after a cue: a bare "five" is never a house.
"""

from __future__ import annotations

import re

UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
         "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# The words of one number, with named groups tens / unit / alone.
WORDS = (r"(?:(?P<tens>" + "|".join(TENS) + r")(?:[\s-]+(?P<unit>" + "|".join(UNITS[:9]) + r"))?|(?P<alone>"
         + "|".join(UNITS) + r"))\b")
PLAIN = re.sub(r"\?P<\w+>", "?:", WORDS)  # the same, with no groups (to sit inside another pattern)
# What may follow a house number in words and makes it something else ("number one of them", "no. five o'clock").
NOT_A_HOUSE_AFTER = (r"(?!\s+(?:of|o'?clock|pm|am|hours?|days?|weeks?|items?|parcels?|packages?|boxes|pairs?"
                     r"|times?)\b)")
# After a house cue: "number five", "no. twelve", "num twenty two" (the cue is not part of the match); never a
# bare "no" ("no one is in").
AFTER_CUE = re.compile(
    r"(?:(?<=\bnumber )|(?<=\bnum )|(?<=\bno\. )|(?<=\bnr ))" + WORDS + NOT_A_HOUSE_AFTER, re.IGNORECASE)


def value(match: re.Match[str]) -> int:
    """The number a WORDS match says."""
    if match.group("alone"):
        return UNITS.index(match.group("alone").lower()) + 1
    tens = 10 * (TENS.index(match.group("tens").lower()) + 2)
    return tens + (UNITS.index(match.group("unit").lower()) + 1 if match.group("unit") else 0)
