"""Shared pieces of the bad-input suite: the hypothesis profiles and strategies for hostile input.

Two profiles, chosen with PARCELBOT_FUZZ_PROFILE (default "ci"): "ci" is small and derandomised, so the suite
costs seconds per database and a failure reproduces on the next run; "deep" is random and many times larger,
for a run by hand (docs/testing.md). They are applied per test, not loaded globally, so the rest of the suite's
hypothesis tests keep their own settings.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile("ci", max_examples=25, deadline=None, database=None, derandomize=True,
                          suppress_health_check=list(HealthCheck), print_blob=True)
settings.register_profile("deep", max_examples=400, deadline=None, suppress_health_check=list(HealthCheck),
                          print_blob=True)
PROFILE = os.environ.get("PARCELBOT_FUZZ_PROFILE", "ci")


def fuzz(examples: int | None = None) -> settings:
    """The chosen profile; `examples` scales a test that costs more (or less) per example than most."""
    base = settings.get_profile(PROFILE)
    if examples is None:
        return settings(base)
    factor = base.max_examples / 25
    return settings(base, max_examples=max(1, int(examples * factor)))


# -- hostile values ----------------------------------------------------------------------------------------
# Text from every corner of Unicode: surrogates, NUL, controls, right-to-left marks, emoji, combining marks.
any_text = st.text(st.characters(codec=None), max_size=300)
nasty_text = st.one_of(
    any_text,
    st.sampled_from(["", " ", "\x00", "\ud800", "\u202e", "𝕻𝕭", "ß" * 3, "١٢٣٤", "0" * 5000, "%s%n{0}",
                     "{brand}", "<script>", "' OR 1=1 --", "\r\n\r\n", "null", "[]", "{}", "-1", "1e309"]),
)
# What a form post can carry: any Unicode that has a UTF-8 encoding (no lone surrogates, which no client can send).
form_text = st.one_of(st.text(st.characters(codec="utf-8"), max_size=300),
                      nasty_text.filter(lambda t: not any("\ud800" <= c <= "\udfff" for c in t)))
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                         st.floats(allow_nan=False, allow_infinity=False), nasty_text)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(nasty_text, inner, max_size=4)), max_leaves=12)


def deep(depth: int, leaf: Any = 1) -> str:
    """JSON nested `depth` levels, as text (json.dumps itself would overflow)."""
    return "[" * depth + str(leaf) + "]" * depth


def mutate(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid body with some fields replaced by a wrong type or hostile value, some dropped, some added."""
    keys = sorted(base)
    return st.builds(
        _apply,
        st.just(base),
        st.dictionaries(st.sampled_from(keys), json_values, max_size=len(keys)),
        st.lists(st.sampled_from(keys), max_size=2),
        st.dictionaries(nasty_text, json_values, max_size=2),
    )


def _apply(base: dict[str, Any], replace: dict[str, Any], drop: list[str], extra: dict[str, Any]) -> dict[str, Any]:
    body = {**base, **replace, **extra}
    for key in drop:
        body.pop(key, None)
    return body
