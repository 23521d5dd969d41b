"""Colours a merchant brands its pages with, and the WCAG 2.1 contrast check they must pass.

A brand colour is painted behind white text (the page header, buttons) and used as link colour on a white
page, so both must reach AA for normal text (4.5:1) against white. The settings schema refuses a colour
that doesn't; MerchantConfig falls back to ours for one stored before the check existed.
"""

from __future__ import annotations

import re

WHITE = "#ffffff"
AA_NORMAL_TEXT = 4.5
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


def is_hex_colour(value: object) -> bool:
    return isinstance(value, str) and bool(_HEX.fullmatch(value))


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.03928 else ((srgb + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance of "#rrggbb"."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), lighter over darker: 1.0 (same) to 21.0 (black on white)."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_on_white(colour: str) -> bool:
    return is_hex_colour(colour) and contrast_ratio(colour, WHITE) >= AA_NORMAL_TEXT
