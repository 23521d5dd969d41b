"""Measure extraction time per message: ``python -m intents.entities.bench [messages.txt]``.

Extraction runs on every inbound message, so its cost is reported as a number, not guessed. Without a
file it times a built-in mix of short and long shopper messages (one per line in a file otherwise).
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from intents.context import ParseContext
from intents.entities import extract_entities

SAMPLE = [
    "where is my parcel",
    "thanks!",
    "482913",
    "my code is 118 204",
    "Hi, order #100234 hasn't arrived, can you deliver Saturday morning instead?",
    "leave it with the lady opposite if I'm out",
    "pls leave in the porch tmrw after 5",
    "call me on 07700 900123 or email tom@example.com",
    "tracking PB123456789GB, deliver between 2 and 4 on the 28th",
    "it cost £49.99 and I got 2 parcels at 10:30 on 21/11",
    "#14 next door please",
    "new address: Flat 9, 2 Canal St, Manchester m13he",
    "Hi, I'm not going to be in tomorrow for my delivery #100553. My neighbour at number 18 has agreed to "
    "take it in, could you let the driver know? Thanks!",
]


def measure(messages: list[str], context: ParseContext, rounds: int = 200) -> list[float]:
    """Mean microseconds per call for each message, after one warm-up call."""
    out = []
    for text in messages:
        extract_entities(text, context)
        started = time.perf_counter()
        for _ in range(rounds):
            extract_entities(text, context)
        out.append((time.perf_counter() - started) * 1e6 / rounds)
    return out


def main(argv: list[str]) -> int:
    messages = Path(argv[0]).read_text(encoding="utf-8").splitlines() if argv else SAMPLE
    messages = [m for m in messages if m.strip()]
    context = ParseContext(now=datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/London")))
    times = measure(messages, context)
    print(
        f"{len(messages)} messages: mean {statistics.mean(times):.1f} us, median {statistics.median(times):.1f} us,"
        f" max {max(times):.1f} us per message"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
