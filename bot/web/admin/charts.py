"""Server-rendered SVG charts (bar, stacked bar, line) for the Results page: no JavaScript, nothing from a CDN.

Each chart is an <svg role="img"> with a <title> and a <desc> saying what it shows and its largest values in
words, and comes with the same numbers as a table (the page puts it in a <details> beside the chart), so a
screen reader, a keyboard user and a printout get every figure. Colours are the Okabe-Ito colour-blind-safe
palette, darkened where needed so each is at least 3:1 against white (WCAG 1.4.11 for graphics); the legend
names every series in text. A viewBox lets a chart shrink to a 320 px screen.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Okabe & Ito (2008), each darkened until it reaches 3:1 on white (checked in tests/outcomes/test_charts.py).
PALETTE = ("#0072B2", "#B35C00", "#007A5E", "#C23F00", "#A2447A", "#3F6F8F", "#6F6F00", "#595959")
INK, GRID, WIDTH, FONT = "#1a1a1a", "#767676", 400, 15
_ids = itertools.count(1)

Fmt = Callable[[float], str]


def plain(value: float) -> str:
    return f"{value:g}" if value != int(value) else f"{int(value)}"


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


@dataclass(frozen=True)
class Chart:
    """The SVG and its data table (caption, column headings, rows of text)."""

    svg: Markup
    caption: str
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _svg(title: str, desc: str, height: int, body: list[str]) -> Markup:
    n = next(_ids)
    return Markup(  # noqa: S704 - every text in it went through escape(); numbers are formatted by us
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="chart{n}-t chart{n}-d" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="{FONT}">'
        f'<title id="chart{n}-t">{escape(title)}</title><desc id="chart{n}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = FONT, weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}" '
            f'fill="{INK}">{escape(text)}</text>')


def _short(text: str, limit: int = 17) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _legend(names: Sequence[str], y: float) -> tuple[list[str], float]:
    """Swatches with names, wrapped over lines; returns the parts and the height used."""
    parts, x, line = [], 8.0, 0
    for i, name in enumerate(names):
        width = 22 + 8.4 * len(_short(name, 24))
        if x + width > WIDTH - 8 and x > 8:
            x, line = 8.0, line + 1
        top = y + line * 22
        parts.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="13" height="13" fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(_text(x + 17, top + 12, _short(name, 24)))
        x += width + 10
    return parts, (line + 1) * 22 if names else 0


def _top(pairs: Sequence[tuple[str, float]], fmt: Fmt, n: int = 3) -> str:
    best = sorted((p for p in pairs if p[1]), key=lambda p: -p[1])[:n]
    return "; ".join(f"{label} {fmt(value)}" for label, value in best) or "no data in this range"


def bar(title: str, labels: Sequence[str], values: Sequence[float | None], *, fmt: Fmt = plain,
        heading: str = "Value", scale_max: float | None = None) -> Chart:
    """Horizontal bars, one per label: for categories (carriers, reasons, intents), whose names need room."""
    row, top = 28, 8
    height = top + row * max(len(labels), 1) + 8
    biggest = scale_max or max((v for v in values if v is not None), default=0) or 1
    body: list[str] = []
    label_w, bar_w = 150, WIDTH - 150 - 60
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        body.append(_text(label_w - 8, y + 18, _short(label), anchor="end"))
        if value is None:
            body.append(_text(label_w + 4, y + 18, "no data"))
            continue
        w = max(bar_w * value / biggest, 1.5 if value else 0)
        body.append(f'<rect x="{label_w}" y="{y + 4:.1f}" width="{w:.1f}" height="18" fill="{PALETTE[0]}"/>')
        body.append(_text(label_w + w + 4, y + 18, fmt(value)))
    if not labels:
        body.append(_text(8, 24, "No data in this range"))
    pairs = [(label, v or 0) for label, v in zip(labels, values, strict=True)]
    desc = f"Bar chart. Highest: {_top(pairs, fmt)}."
    rows = tuple((label, fmt(v) if v is not None else "no data") for label, v in zip(labels, values, strict=True))
    return Chart(_svg(title, desc, height, body), title, ("", heading), rows)


def _axis_labels(days: Sequence[str], x_of: Callable[[int], float], y: float) -> list[str]:
    """First, middle and last day under a time axis (every day would not fit at 320 px)."""
    if not days:
        return []
    picks = sorted({0, len(days) // 2, len(days) - 1})
    anchors = {0: "start", len(days) - 1: "end"}
    return [_text(x_of(i), y, days[i], anchor=anchors.get(i, "middle"), size=14) for i in picks]


def stacked_bar(title: str, days: Sequence[str], series: dict[str, Sequence[float]], *, fmt: Fmt = plain) -> Chart:
    """One vertical bar per day, stacked by series (channels, outcomes): totals and their make-up over time."""
    names = list(series)
    legend, legend_h = _legend(names, 8)
    plot_top, plot_h, left, right = 8 + legend_h + 8, 150, 40, WIDTH - 8
    totals = [sum(series[n][i] for n in names) for i in range(len(days))]
    biggest = max(totals, default=0) or 1
    step = (right - left) / max(len(days), 1)
    body = legend + [f'<line x1="{left}" y1="{plot_top + plot_h}" x2="{right}" y2="{plot_top + plot_h}" '
                     f'stroke="{GRID}"/>', _text(left - 4, plot_top + 10, fmt(biggest), anchor="end", size=14),
                     _text(left - 4, plot_top + plot_h, "0", anchor="end", size=14)]
    for i in range(len(days)):
        base = plot_top + plot_h
        for k, name in enumerate(names):
            value = series[name][i]
            if not value:
                continue
            h = plot_h * value / biggest
            base -= h
            body.append(f'<rect x="{left + i * step + step * 0.12:.1f}" y="{base:.1f}" width="{step * 0.76:.1f}" '
                        f'height="{h:.1f}" fill="{PALETTE[k % len(PALETTE)]}" stroke="#fff" stroke-width="0.5"/>')
    body += _axis_labels(days, lambda i: left + i * step + step / 2, plot_top + plot_h + 18)
    height = plot_top + plot_h + 26
    total_by = {n: sum(series[n]) for n in names}
    desc = (f"Stacked bars per day from {days[0]} to {days[-1]}. Totals: {_top(list(total_by.items()), fmt, 8)}. "
            f"Busiest day: {_top(list(zip(days, totals, strict=True)), fmt, 1)}." if days else "No days.")
    rows = tuple((day, *(fmt(series[n][i]) for n in names), fmt(totals[i])) for i, day in enumerate(days))
    return Chart(_svg(title, desc, height, body), title, ("Day", *names, "Total"), rows)


def line(title: str, days: Sequence[str], series: dict[str, Sequence[float | None]], *, fmt: Fmt = percent,
         scale_max: float = 1.0) -> Chart:
    """A line per series over the days (a rate): a gap where a day has no value rather than a false zero."""
    names = list(series)
    legend, legend_h = _legend(names, 8)
    plot_top, plot_h, left, right = 8 + legend_h + 8, 150, 48, WIDTH - 8
    step = (right - left) / max(len(days) - 1, 1)
    body = legend[:]
    for frac in (0, 0.5, 1):
        y = plot_top + plot_h * (1 - frac)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="0.5"/>')
        body.append(_text(left - 4, y + 4, fmt(scale_max * frac), anchor="end", size=14))
    for k, name in enumerate(names):
        colour, runs, run = PALETTE[k % len(PALETTE)], [], []
        for i, value in enumerate(series[name]):
            if value is None:
                runs, run = runs + [run] if run else runs, []
                continue
            run.append((left + i * step, plot_top + plot_h * (1 - min(value, scale_max) / scale_max)))
        runs += [run] if run else []
        for points in runs:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
            body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>' for x, y in points]
    body += _axis_labels(days, lambda i: left + i * step, plot_top + plot_h + 18)
    height = plot_top + plot_h + 26
    desc_parts = []
    for name in names:
        known = [v for v in series[name] if v is not None]
        if known:
            desc_parts.append(f"{name}: from {fmt(known[0])} to {fmt(known[-1])}, lowest {fmt(min(known))}, "
                              f"highest {fmt(max(known))}")
    desc = (f"Line chart per day from {days[0]} to {days[-1]}. " if days else "") + (
        "; ".join(desc_parts) or "No data in this range") + "."
    rows = tuple((day, *(fmt(v) if (v := series[n][i]) is not None else "no data" for n in names))
                 for i, day in enumerate(days))
    return Chart(_svg(title, desc, height, body), title, ("Day", *names), rows)
