"""The figures of a load run: a step's summary, the run's JSON, and the PNG of latency against offered load.

The plot is drawn with Pillow (already a dependency) rather than matplotlib: four lines and two axes don't
justify a new package in every install.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the driver imports the engine: not needed to summarise or plot
    from bot.cli.load.driver import Sample


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of unsorted values; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass
class StepFigures:
    target: str  # "parcelbot" or "floor"
    offered: float | None  # messages/s asked for; None for the closed-loop "max" step
    seconds: float
    messages: int
    achieved: float  # answered messages/s
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int  # no answer, HTTP not 200, or the bot's apology
    unexpected: int  # answered, but not what the script expects
    outcomes: dict[str, int] = field(default_factory=dict)
    statements_per_turn: float | None = None
    commits_per_turn: float | None = None
    rollbacks_per_turn: float | None = None
    db_commits_per_turn: float | None = None  # pg_stat_database xact_commit delta: every client, Celery too
    rss_mb_per_worker: list[float] = field(default_factory=list)
    cpu_ms_per_turn: float | None = None  # the web workers' CPU time per message (all their threads)
    cpu_ms_per_message_by: dict[str, float] = field(default_factory=dict)  # by process group (machine_cpu.py)
    concurrency: int | None = None


def summarise(target: str, offered: float | None, seconds: float, samples: list[Sample]) -> StepFigures:
    lat = [s.latency * 1000 for s in samples]
    counts = Counter(s.outcome for s in samples)
    errors = sum(n for k, n in counts.items() if k not in ("ok", "unexpected"))
    return StepFigures(target=target, offered=offered, seconds=round(seconds, 2), messages=len(samples),
                       achieved=round(len(samples) / seconds, 1) if seconds else 0.0,
                       p50_ms=round(percentile(lat, 0.50), 2), p95_ms=round(percentile(lat, 0.95), 2),
                       p99_ms=round(percentile(lat, 0.99), 2), errors=errors, unexpected=counts.get("unexpected", 0),
                       outcomes=dict(counts))  # fmt: skip


def sustained(steps: list[StepFigures]) -> float:
    """The most messages/s answered with no error and nothing unexpected, over every step of a target; an
    open-loop step counts only if the server kept up with it (answered 95 % of the offered rate)."""
    clean = [s.achieved for s in steps if s.errors == 0 and s.unexpected == 0 and s.messages
             and (s.offered is None or s.achieved >= 0.95 * s.offered)]
    return max(clean, default=0.0)


def as_json(meta: dict[str, Any], steps: list[StepFigures]) -> dict[str, Any]:
    bot = [s for s in steps if s.target == "parcelbot"]
    floor = [s for s in steps if s.target == "floor"]
    at_200 = next((s for s in bot if s.offered == 200), None)

    def cpu(rows: list[StepFigures]) -> float | None:
        values = [s.cpu_ms_per_turn for s in rows if s.cpu_ms_per_turn]
        return round(sum(values) / len(values), 3) if values else None

    summary = {"parcelbot_sustained": sustained(bot), "floor_sustained": sustained(floor),
               "ratio_to_floor": round(sustained(bot) / sustained(floor), 3) if sustained(floor) else None,
               "parcelbot_p99_ms_at_200": at_200.p99_ms if at_200 else None,
               "parcelbot_cpu_ms_per_message": cpu(bot), "floor_cpu_ms_per_message": cpu(floor),
               "max_rss_mb_per_worker": max((max(s.rss_mb_per_worker, default=0) for s in bot), default=0),
               # the closed-loop step's CPU a message by process group, the machine's included (machine_cpu.py)
               "parcelbot_cpu_ms_per_message_at_max": _at_max(bot),
               "floor_cpu_ms_per_message_at_max": _at_max(floor)}  # fmt: skip
    return {"meta": meta, "summary": summary, "steps": [asdict(s) for s in steps]}


def _at_max(rows: list[StepFigures]) -> dict[str, float]:
    return next((s.cpu_ms_per_message_by for s in rows if s.offered is None), {})


# -- the plot --------------------------------------------------------------------------------------------------
W, H, LEFT, RIGHT, TOP, BOTTOM = 900, 560, 80, 30, 50, 70
COLOURS = {("parcelbot", "p50_ms"): (31, 119, 180), ("parcelbot", "p99_ms"): (214, 39, 40),
           ("floor", "p50_ms"): (150, 190, 220), ("floor", "p99_ms"): (240, 160, 150)}  # fmt: skip


def plot(steps: list[StepFigures], path: Path, title: str) -> None:
    """Latency (log scale, ms) against offered load (messages/s, log scale): p50 and p99, bot and floor.
    The closed-loop "max" step is drawn at the rate it achieved."""
    from PIL import Image, ImageDraw

    points = [(s.offered or s.achieved, s) for s in steps if s.messages]
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    if not points:
        img.save(path)
        return
    xs = [max(1.0, x) for x, _ in points]
    ys = [max(0.1, getattr(s, k)) for _, s in points for k in ("p50_ms", "p99_ms")]
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)) + 1e-9)
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)) + 1e-9)
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)

    def px(x: float, y: float) -> tuple[float, float]:
        fx = (math.log10(max(1.0, x)) - x0) / (x1 - x0)
        fy = (math.log10(max(0.1, y)) - y0) / (y1 - y0)
        return LEFT + fx * (W - LEFT - RIGHT), H - BOTTOM - fy * (H - TOP - BOTTOM)

    for e in range(x0, x1 + 1):
        for m in (1, 2, 5):
            v = m * 10**e
            if 10**x0 <= v <= 10**x1:
                x, _ = px(v, 10**y0)
                d.line([(x, TOP), (x, H - BOTTOM)], fill=(225, 225, 225))
                d.text((x - 10, H - BOTTOM + 6), f"{v:g}", fill="black")
    for e in range(y0, y1 + 1):
        for m in (1, 2, 5):
            v = m * 10.0**e
            if 10.0**y0 <= v <= 10.0**y1:
                _, y = px(10**x0, v)
                d.line([(LEFT, y), (W - RIGHT, y)], fill=(225, 225, 225))
                d.text((LEFT - 45, y - 6), f"{v:g}", fill="black")
    d.rectangle([LEFT, TOP, W - RIGHT, H - BOTTOM], outline="black")
    d.text((LEFT, 15), title, fill="black")
    d.text((W // 2 - 90, H - 35), "offered load (messages/s, log)", fill="black")
    d.text((8, TOP - 25), "latency (ms, log)", fill="black")
    legend_y = TOP + 8
    for (target, key), colour in COLOURS.items():
        line = sorted((x, getattr(s, key)) for x, s in points if s.target == target)
        if not line:
            continue
        coords = [px(x, y) for x, y in line]
        if len(coords) > 1:
            d.line(coords, fill=colour, width=3)
        for cx, cy in coords:
            d.ellipse([cx - 4, cy - 4, cx + 4, cy + 4], fill=colour)
        d.line([(W - RIGHT - 170, legend_y + 6), (W - RIGHT - 140, legend_y + 6)], fill=colour, width=3)
        d.text((W - RIGHT - 132, legend_y), f"{target} {key.removesuffix('_ms')}", fill="black")
        legend_y += 18
    img.save(path)
