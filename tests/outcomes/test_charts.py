"""The SVG helper: accessible (role, title, desc, a table with every value), colour-blind-safe colours with
at least 3:1 contrast on white, scalable, and nothing a shopper or merchant typed can break out of the SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from bot.web.admin import charts


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_every_colour_reaches_3_to_1_on_white_and_text_4_5():
    for colour in charts.PALETTE:
        assert 1.05 / (_luminance(colour) + 0.05) >= 3, colour
    assert 1.05 / (_luminance(charts.INK) + 0.05) >= 4.5
    assert 1.05 / (_luminance(charts.GRID) + 0.05) >= 3  # the axis is a graphic too
    assert len(set(charts.PALETTE)) == len(charts.PALETTE)


def test_a_bar_chart_is_valid_svg_with_its_words_and_table():
    chart = charts.bar("Returns by reason", ["too small", "</svg><script>x</script>"], [3, 1])
    root = ET.fromstring(str(chart.svg))
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img" and root.get("viewBox") == "0 0 400 72"
    assert root.find(f"{ns}title").text == "Returns by reason"
    assert "too small 3" in root.find(f"{ns}desc").text
    assert "<script>" not in str(chart.svg)
    assert chart.rows == (("too small", "3"), ("</svg><script>x</script>", "1"))
    widths = [float(r.get("width")) for r in root.iter(f"{ns}rect")]
    assert abs(widths[0] - 3 * widths[1]) < 0.2  # bars in proportion (to a tenth of a unit)


def test_a_stacked_bar_adds_up_and_a_line_leaves_gaps():
    days = ["2026-11-01", "2026-11-02", "2026-11-03"]
    stacked = charts.stacked_bar("Contacts", days, {"SMS": [1, 2, 0], "web chat": [1, 0, 0]})
    assert [row[-1] for row in stacked.rows] == ["2", "2", "0"]
    assert "Busiest day" in str(stacked.svg) and "SMS" in str(stacked.svg)
    line = charts.line("Handled alone", days, {"handled alone": [0.5, None, 1.0]})
    assert str(line.svg).count("<polyline") == 2  # no value on the 2nd: two runs, not a line through zero
    assert line.rows[1] == ("2026-11-02", "no data")
    ET.fromstring(str(line.svg))
    assert re.search(r"from 50% to 100%", str(line.svg))


def test_no_data_says_so():
    empty = charts.bar("Ratings", [], [])
    assert "No data in this range" in str(empty.svg) and empty.rows == ()
