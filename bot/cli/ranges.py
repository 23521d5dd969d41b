"""Number types for the command's options that click's own ranges let through."""

from __future__ import annotations

import math
from typing import Any

import click


class FiniteFloatRange(click.FloatRange):
    """click.FloatRange that also refuses 'nan' and 'inf': comparisons with NaN are all false, so FloatRange passes
    it, and an infinite step length would run until killed (after the benchmark's database was dropped)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return rv
